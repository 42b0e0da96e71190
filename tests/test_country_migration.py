"""taxonomy 0005: the country tree's rename keeps every grant, old address and loaded state."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from taxonomy.models import Country, OldNodeSlug, Structure
from taxonomy.services import load_taxonomy

BEFORE = [("taxonomy", "0004_tree_version")]

pytestmark = pytest.mark.usefixtures("taxonomy")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_grants_of_the_old_codenames_hold_the_new_ones_after_the_migration():
    old = _migrate(BEFORE)
    try:
        OldPermission = old.get_model("auth", "Permission")
        OldGroup = old.get_model("auth", "Group")
        OldUser = old.get_model("auth", "User")
        assert not OldPermission.objects.filter(codename__endswith="_country").exists()
        group = OldGroup.objects.create(name="Country desk")
        group.permissions.add(
            OldPermission.objects.get(content_type__app_label="taxonomy", codename="view_location")
        )
        user = OldUser.objects.create(username="desk")
        user.user_permissions.add(
            OldPermission.objects.get(
                content_type__app_label="taxonomy", codename="change_locationalias"
            )
        )
        # What the loader and the slug history wrote before the rename (through the
        # model of that state: today's would also write today's trees' version row).
        old.get_model("taxonomy", "OldNodeSlug").objects.create(
            tree="location", slug="moldavia", node_id=1
        )
        OldStructure = old.get_model("taxonomy", "Structure")
        loaded = OldStructure.objects.exclude(source_data={})
        assert loaded.exists()
        assert all("location" in s.source_data for s in loaded)  # as the old loader wrote it
        taxonomy_perms = OldPermission.objects.filter(content_type__app_label="taxonomy")
        before = dict(taxonomy_perms.values_list("codename", "pk"))
    finally:
        # 0005, then every later migration: the models below are today's.
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    granted = Group.objects.get(name="Country desk").permissions.get()
    assert (granted.content_type.model, granted.codename) == ("country", "view_country")
    assert granted.pk == before["view_location"]  # the same row: every other holder keeps it
    assert granted.name == "Can view country or region"
    user_perm = Permission.objects.get(user__username="desk")
    assert (user_perm.codename, user_perm.name) == ("change_countryalias", "Can change alias")
    assert user_perm.pk == before["change_locationalias"]
    codenames = set(
        Permission.objects.filter(content_type__app_label="taxonomy").values_list(
            "codename", flat=True
        )
    )
    assert {f"{a}_{m}" for a in ("add", "change", "delete", "view")
            for m in ("country", "countryalias")} <= codenames  # fmt: skip
    assert not {c for c in codenames if "location" in c}
    assert not Permission.objects.filter(name__icontains="location").exists()
    assert ContentType.objects.get_for_model(Country).model == "country"
    assert not ContentType.objects.filter(app_label="taxonomy", model="location").exists()

    assert OldNodeSlug.objects.get(slug="moldavia").tree == "country"
    loaded = Structure.objects.exclude(source_data={})
    assert loaded.exists()
    assert all("country" in s.source_data and "location" not in s.source_data for s in loaded)
    # The file's state survived the rename: loading again changes no node.
    # (Migrating back past 0007 dropped the chairpersonships' sources; the
    # file gives them again.)
    report = load_taxonomy()
    assert not (report.created or report.updated or report.aliases_added)


def test_load_taxonomy_twice_changes_nothing_the_second_time():
    first = load_taxonomy()
    state = {
        model: list(model.objects.order_by("pk").values_list("pk", "updated_at", "source_data"))
        for model in (Country, Structure)
    }
    links = list(Structure.objects.order_by("pk").values_list("pk", "country_id"))
    second = load_taxonomy()
    assert not second.changed, (second.created, second.updated, second.aliases_added)
    assert state == {
        model: list(model.objects.order_by("pk").values_list("pk", "updated_at", "source_data"))
        for model in (Country, Structure)
    }
    assert links == list(Structure.objects.order_by("pk").values_list("pk", "country_id"))
    assert first.checked == second.checked
    assert dict(links)[Structure.objects.get(slug="mission-to-moldova").pk] == (
        Country.objects.get(key="moldova").pk
    )
