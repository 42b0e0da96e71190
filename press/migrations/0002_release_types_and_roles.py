"""The release types, and the two editorial roles with every permission.

The roles as they were when this migration was written, frozen here: a later
change to a role is a migration of its own.
"""

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

TREE_MODELS = (
    "topic",
    "topicalias",
    "location",
    "locationalias",
    "structure",
    "structurealias",
    "meeting",
    "meetingalias",
    "chairpersonship",
)
PRESS_MODELS = ("pressrelease", "releasetype", "oldslug")
CRUD = ("add", "change", "delete", "view")

ROLES = {
    "Site administrators": [
        *(f"taxonomy.{action}_{model}" for model in TREE_MODELS for action in CRUD),
        *(f"auth.{action}_{model}" for model in ("user", "group") for action in CRUD),
        *(f"press.{action}_{model}" for model in PRESS_MODELS for action in CRUD),
        "press.publish_pressrelease",
        "reversion.view_revision",
        "reversion.view_version",
    ],
    "Communications staff": [
        *(f"taxonomy.view_{model}" for model in TREE_MODELS),
        "press.add_pressrelease",
        "press.change_pressrelease",
        "press.view_pressrelease",
        "press.publish_pressrelease",
        "press.view_releasetype",
        "reversion.view_revision",
        "reversion.view_version",
    ],
}


def create_roles(apps):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Django would create the permission rows only after all migrations.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in (perm.split(".") for perm in perms)
            )
        )


def forwards(apps, schema_editor):
    ReleaseType = apps.get_model("press", "ReleaseType")
    for position, (name, slug) in enumerate(TYPES):
        ReleaseType.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})
    create_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("press", "0001_initial"),
        ("taxonomy", "0002_roles"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
