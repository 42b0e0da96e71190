import uuid

from django.db import migrations, models


def create_row(apps, schema_editor):
    TreeVersion = apps.get_model("taxonomy", "TreeVersion")
    TreeVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0003_old_node_slugs"),
    ]

    operations = [
        migrations.CreateModel(
            name="TreeVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
            options={
                "default_permissions": (),
            },
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
