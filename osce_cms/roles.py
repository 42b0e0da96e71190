"""The editorial roles, as data: the project composes them from both apps.

The migrations that create them (taxonomy 0002, press 0002, press 0013 for
the review workflow's Publishers) each hold a frozen copy of what they
grant, as migrations should; a change to a role here needs a migration of
its own. :func:`sync_roles` puts the roles into a
database that lost them (the tests, after a flush). Roles only ever gain
permissions; a permission an administrator added to a group by hand is
never taken away.
"""

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
CRUD = ("add", "change", "delete", "view")

SITE_ADMINISTRATORS = "Site administrators"
COMMUNICATIONS_STAFF = "Communications staff"
PUBLISHERS = "Publishers"

PRESS_MODELS = ("pressrelease", "releasetype", "oldslug")

ROLES = {
    SITE_ADMINISTRATORS: [
        *(f"taxonomy.{action}_{model}" for model in TREE_MODELS for action in CRUD),
        *(f"auth.{action}_{model}" for model in ("user", "group") for action in CRUD),
        *(f"press.{action}_{model}" for model in PRESS_MODELS for action in CRUD),
        "press.publish_pressrelease",
        # Approve what one last edited oneself, giving a reason (recorded).
        "press.override_review",
        "press.view_transition",
        "reversion.view_revision",
        "reversion.view_version",
        # Answer a subscriber's question; end a subscription on request.
        "alerts.view_subscription",
        "alerts.delete_subscription",
    ],
    # Write, edit and submit for review; never publish.
    COMMUNICATIONS_STAFF: [
        *(f"taxonomy.view_{model}" for model in TREE_MODELS),
        "press.add_pressrelease",
        "press.change_pressrelease",
        "press.view_pressrelease",
        "press.view_releasetype",
        "press.view_transition",
        "reversion.view_revision",
        "reversion.view_version",
    ],
    # What staff do, and approve (publish now or schedule), send back and withdraw.
    PUBLISHERS: [
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
}


def ensure_permissions(apps):
    """Create the permission rows now: Django would only do it after all migrations."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)


def sync_roles(apps, only_apps=None):
    """Give each role its permissions; ``only_apps`` limits to apps migrated so far."""
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            if only_apps is not None and app_label not in only_apps:
                continue
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.add(*wanted)
