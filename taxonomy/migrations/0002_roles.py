from django.db import migrations


def create_roles(apps, schema_editor):
    from osce_cms.roles import sync_roles

    sync_roles(apps, only_apps={"taxonomy", "auth"})


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
