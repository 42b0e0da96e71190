"""The review workflow's roles: Publishers approve, staff no longer publish.

As this migration found them, frozen here: "Publishers" is made with what it
grants; "Communications staff" lose the right to publish (they submit for
review); "Site administrators" may approve what they last edited themselves,
giving a reason. Existing releases count their last saver as their last
editor, so that four eyes hold for them too, and those already scheduled get
an embargo link. Going back, the states the old code does not know become
drafts (nothing becomes public by it).
"""

import secrets

from django.db import migrations
from django.db.models import F
from django.utils import timezone

TREE_MODELS = (
    "topic",
    "topicalias",
    "country",
    "countryalias",
    "structure",
    "structurealias",
    "meeting",
    "meetingalias",
    "chairpersonship",
)

GRANTED = {
    "Publishers": [
        *(f"taxonomy.view_{model}" for model in TREE_MODELS),
        "press.add_pressrelease",
        "press.change_pressrelease",
        "press.view_pressrelease",
        "press.publish_pressrelease",
        "press.view_releasetype",
        "press.view_transition",
        "reversion.view_revision",
        "reversion.view_version",
    ],
    "Site administrators": ["press.override_review", "press.view_transition"],
    "Communications staff": ["press.view_transition"],
}
REVOKED = {"Communications staff": ["press.publish_pressrelease"]}


def _permission(apps, perm):
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = perm.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def forwards(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Django would create the new permission rows only after all migrations.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    for name, perms in GRANTED.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*(_permission(apps, perm) for perm in perms))
    for name, perms in REVOKED.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*(_permission(apps, perm) for perm in perms))
    PressRelease = apps.get_model("press", "PressRelease")
    PressRelease.objects.filter(edited_by__isnull=True).update(
        edited_by=F("updated_by"), edited_at=F("updated_at")
    )
    scheduled = PressRelease.objects.filter(
        status="published", published_at__gt=timezone.now(), embargo_key=""
    )
    for pk in scheduled.values_list("pk", flat=True):
        PressRelease.objects.filter(pk=pk).update(embargo_key=secrets.token_urlsafe(18))


def backwards(apps, schema_editor):
    PressRelease = apps.get_model("press", "PressRelease")
    PressRelease.objects.filter(status__in=["in_review", "withdrawn"]).update(status="draft")
    Group = apps.get_model("auth", "Group")
    staff = Group.objects.filter(name="Communications staff").first()
    if staff is not None:
        staff.permissions.add(_permission(apps, "press.publish_pressrelease"))
    Group.objects.filter(name="Publishers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("press", "0012_review_workflow"),
        ("taxonomy", "0007_node_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
