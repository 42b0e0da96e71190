"""The two editorial roles' permissions on the trees and on accounts.

The roles as they were when this migration was written, frozen here: a later
change to a role is a migration of its own. The release permissions follow
in press 0002.
"""

from django.db import migrations

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
CRUD = ("add", "change", "delete", "view")

ROLES = {
    "Site administrators": [
        *(f"taxonomy.{action}_{model}" for model in TREE_MODELS for action in CRUD),
        *(f"auth.{action}_{model}" for model in ("user", "group") for action in CRUD),
    ],
    "Communications staff": [f"taxonomy.view_{model}" for model in TREE_MODELS],
}


def create_roles(apps, schema_editor):
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


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
