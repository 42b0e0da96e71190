from django.db import migrations

TYPES = [
    ("Press release", "press-release"),
    ("News", "news"),
    ("Press statement", "press-statement"),
    ("Statement", "statement"),
    ("Daily report", "daily-report"),
    ("Spot report", "spot-report"),
    ("Feature", "feature"),
    ("Speech", "speech"),
]


def forwards(apps, schema_editor):
    from osce_cms.roles import sync_roles

    ReleaseType = apps.get_model("press", "ReleaseType")
    for position, (name, slug) in enumerate(TYPES):
        ReleaseType.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("press", "0001_initial"),
        ("taxonomy", "0002_roles"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
