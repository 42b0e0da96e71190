"""Merging duplicate nodes of a tree: nothing the duplicates carried is lost."""

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from press.models import PressRelease
from taxonomy import merging
from taxonomy.integrity import tree_problems
from taxonomy.merging import merge_nodes
from taxonomy.models import (
    TREE_MODELS,
    Chairpersonship,
    Country,
    OldNodeSlug,
    Structure,
    Topic,
)
from taxonomy.naming import normalize_name

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")

STRUCTURES_ADMIN = "/admin/taxonomy/structure/"


def links(relation, node):
    """The release ids tagged with ``node`` through ``relation``, with repeats."""
    through = getattr(PressRelease, relation).through
    target = getattr(PressRelease, relation).field.m2m_reverse_field_name()
    return sorted(
        through.objects.filter(**{f"{target}_id": node.pk}).values_list(
            "pressrelease_id", flat=True
        )
    )


def snapshot():
    """Everything a merge may touch, in comparable form."""
    state = {}
    for model in TREE_MODELS:
        state[model.__name__] = list(
            model._base_manager.order_by("pk").values_list(
                "pk", "name", "slug", "parent_id", "tree_id", "lft", "rght", "level"
            )
        )
        alias_model = model._meta.get_field("aliases").related_model
        state[alias_model.__name__] = list(
            alias_model.objects.order_by("pk").values_list("pk", "node_id", "name")
        )
    for relation in ("topics", "countries", "structures", "sources", "meetings"):
        through = getattr(PressRelease, relation).through
        state[relation] = sorted(
            through.objects.values_list(*[f.attname for f in through._meta.fields])
        )
    state["countries_of_structures"] = list(
        Structure.objects.order_by("pk").values_list("pk", "country_id")
    )
    state["chairpersonships"] = list(
        Chairpersonship.objects.order_by("pk").values_list("pk", "country_id")
    )
    state["old_slugs"] = list(
        OldNodeSlug.objects.order_by("pk").values_list("tree", "slug", "node_id")
    )
    return state


@pytest.fixture
def astana():
    return Structure.objects.get(slug="programme-office-in-astana")


@pytest.fixture
def duplicate(astana):
    """The same field operation, created a second time under another name."""
    node = Structure.objects.create(
        name="Programme Office in Kazakhstan",
        slug="programme-office-in-kazakhstan",
        parent=astana.parent,
        country=astana.country,
    )
    node.aliases.create(name="POiA")
    node.aliases.create(name="OSCE Centre in Almaty")  # the survivor has this one already
    return node


class TestMergeStructures:
    def test_every_release_link_moves_to_the_survivor_once(self, astana, duplicate):
        only_other = make_release("Only other", tags={"structures": [duplicate.slug],
                                                      "sources": [duplicate.slug]})  # fmt: skip
        both = make_release("Both", tags={"structures": [astana.slug, duplicate.slug]})
        only_survivor = make_release("Only survivor", tags={"structures": [astana.slug]})
        source_both = make_release(
            "Issued by both",
            tags={"structures": [astana.slug], "sources": [duplicate.slug, astana.slug]},
        )
        unrelated = make_release("Unrelated", tags={"structures": ["secretariat"],
                                                    "sources": [duplicate.slug]})  # fmt: skip
        releases = [only_other, both, only_survivor, source_both, unrelated]

        def tags(release):
            return {
                relation: sorted(getattr(release, relation).values_list("slug", flat=True))
                for relation in ("structures", "sources")
            }

        # What each release should be tagged with: the duplicate replaced by the survivor.
        expected = {
            r.pk: {
                relation: sorted({astana.slug if s == duplicate.slug else s for s in slugs})
                for relation, slugs in tags(r).items()
            }
            for r in releases
        }

        report = merge_nodes(survivor=astana, others=[duplicate])

        assert not Structure.objects.filter(pk=duplicate.pk).exists()
        assert {r.pk: tags(r) for r in releases} == expected
        assert links("structures", astana) == sorted(
            [only_other.pk, both.pk, only_survivor.pk, source_both.pk]
        )
        assert links("sources", astana) == sorted([only_other.pk, source_both.pk, unrelated.pk])
        assert report.links == {"pressrelease.structures": 1, "pressrelease.sources": 2}
        assert tree_problems(Structure) == []

    def test_aliases_and_name_become_aliases_of_the_survivor(self, astana, duplicate):
        before = set(astana.aliases.values_list("normalized", flat=True))
        report = merge_nodes(survivor=astana, others=[duplicate])
        aliases = list(astana.aliases.values_list("normalized", flat=True))
        assert len(aliases) == len(set(aliases)), "an alias was duplicated"
        assert set(aliases) == before | {
            normalize_name("POiA"),
            normalize_name("Programme Office in Kazakhstan"),
        }
        assert report.aliases == 2
        assert Structure.objects.resolve("Programme Office in Kazakhstan") == astana
        assert Structure.objects.resolve("POiA") == astana

    def test_a_name_equal_to_the_survivors_is_not_an_alias(self, astana):
        twin = Structure.objects.create(
            name="OSCE Programme Office in Astana", slug="osce-po-astana", parent=astana.parent
        )
        merge_nodes(survivor=astana, others=[twin])
        assert not astana.aliases.filter(normalized=normalize_name(astana.name)).exists()

    def test_old_address_redirects_to_the_survivor(self, client, astana, duplicate):
        OldNodeSlug.objects.create(tree="structure", slug="po-kazakhstan", node_id=duplicate.pk)
        merge_nodes(survivor=astana, others=[duplicate])
        for old in ("programme-office-in-kazakhstan", "po-kazakhstan"):
            response = client.get(f"/structures/field-operations/{old}/")
            assert response.status_code == 301, old
            assert response["Location"] == astana.get_absolute_url()
        assert client.get(astana.get_absolute_url()).status_code == 200

    def test_several_others_at_once(self, astana, duplicate):
        third = Structure.objects.create(name="Centre in Astana (2)", slug="centre-in-astana-2")
        release = make_release("Third", tags={"structures": [third.slug, duplicate.slug]})
        report = merge_nodes(survivor=astana, others=[duplicate, third])
        assert not Structure.objects.filter(pk__in=[duplicate.pk, third.pk]).exists()
        assert list(release.structures.all()) == [astana]
        assert sorted(report.merged) == sorted([duplicate.name, third.name])
        assert tree_problems(Structure) == []


def test_merging_countries_repoints_structures_and_chairpersonships():
    kazakhstan = Country.objects.get(slug="kazakhstan")
    duplicate = Country.objects.create(
        name="Republic of Kazakhstan", slug="republic-of-kazakhstan", parent=kazakhstan.parent
    )
    office = Structure.objects.create(name="New office", slug="new-office", country=duplicate)
    chair = Chairpersonship.objects.create(year=2099, country=duplicate)
    release = make_release("Astana", tags={"countries": [duplicate.slug, "kazakhstan"]})
    other_release = make_release("Almaty", tags={"countries": [duplicate.slug]})

    report = merge_nodes(survivor=kazakhstan, others=[duplicate])

    office.refresh_from_db()
    chair.refresh_from_db()
    assert office.country == kazakhstan
    assert chair.country == kazakhstan
    assert list(release.countries.all()) == [kazakhstan]
    assert list(other_release.countries.all()) == [kazakhstan]
    assert report.repointed == {"structure.country": 1, "chairpersonship.country": 1}
    assert not Country.objects.filter(pk=duplicate.pk).exists()
    assert tree_problems(Country) == []
    assert tree_problems(Structure) == []


def test_children_move_under_the_survivor(client):
    field_operations = Structure.objects.get(slug="field-operations")
    closed = Structure.objects.get(slug="closed-field-activities")
    own = [n.slug for n in field_operations.get_children()]
    moved = [n.slug for n in closed.get_children()]

    report = merge_nodes(survivor=field_operations, others=[closed])

    assert report.children == len(moved) == 21
    field_operations.refresh_from_db()
    assert [n.slug for n in field_operations.get_children()] == own + moved
    assert tree_problems(Structure) == []
    georgia = Structure.objects.get(slug="mission-to-georgia")
    assert georgia.get_absolute_url() == "/structures/field-operations/mission-to-georgia/"
    response = client.get("/structures/closed-field-activities/mission-to-georgia/")
    assert response.status_code == 301
    assert response["Location"] == georgia.get_absolute_url()


def test_a_child_merges_into_its_parent():
    secretariat = Structure.objects.get(slug="secretariat")
    cpc = Structure.objects.get(slug="conflict-prevention-centre")
    unit = Structure.objects.create(
        name="Operations Service", slug="operations-service", parent=cpc
    )
    merge_nodes(survivor=secretariat, others=[cpc])
    unit.refresh_from_db()
    assert unit.parent == secretariat
    assert secretariat.aliases.filter(name="CPC").exists()
    assert tree_problems(Structure) == []


def test_nested_others_merge_together():
    secretariat = Structure.objects.get(slug="secretariat")
    institutions = Structure.objects.get(slug="institutions")
    odihr = Structure.objects.get(slug="office-for-democratic-institutions-and-human-rights")
    merge_nodes(survivor=secretariat, others=[odihr, institutions])
    assert not Structure.objects.filter(pk__in=[institutions.pk, odihr.pk]).exists()
    assert (
        Structure.objects.get(slug="representative-on-freedom-of-the-media").parent == secretariat
    )
    assert tree_problems(Structure) == []


class TestRefusals:
    @pytest.fixture(autouse=True)
    def _releases(self, taxonomy):
        make_release("Tagged", tags={"structures": ["secretariat", "conflict-prevention-centre"]})

    def refused(self, match, **kwargs):
        before = snapshot()
        with pytest.raises(ValueError, match=match):
            merge_nodes(**kwargs)
        assert snapshot() == before

    def test_parent_into_its_own_child(self):
        self.refused(
            "inside",
            survivor=Structure.objects.get(slug="conflict-prevention-centre"),
            others=[Structure.objects.get(slug="secretariat")],
        )

    def test_grandparent_into_its_grandchild(self):
        child = Structure.objects.create(
            name="Deep",
            slug="deep",
            parent=Structure.objects.get(slug="conflict-prevention-centre"),
        )
        self.refused("inside", survivor=child, others=[Structure.objects.get(slug="secretariat")])

    def test_different_trees(self):
        self.refused(
            "one tree",
            survivor=Topic.objects.get(slug="youth"),
            others=[Country.objects.get(slug="moldova")],
        )

    def test_single_node(self):
        self.refused("at least one", survivor=Structure.objects.get(slug="secretariat"), others=[])

    def test_survivor_among_the_others(self):
        secretariat = Structure.objects.get(slug="secretariat")
        self.refused(
            "itself",
            survivor=secretariat,
            others=[secretariat, Structure.objects.get(slug="institutions")],
        )


def test_a_failure_late_in_the_merge_changes_nothing(monkeypatch, astana, duplicate):
    make_release("Tagged", tags={"structures": [duplicate.slug], "sources": [duplicate.slug]})
    Structure.objects.create(name="Sub-office", slug="sub-office", parent=duplicate)
    before = snapshot()
    real_delete = merging._delete

    def delete_then_fail(other):
        real_delete(other)  # the very last step has happened...
        raise RuntimeError("the database went away")

    monkeypatch.setattr(merging, "_delete", delete_then_fail)
    with pytest.raises(RuntimeError):
        merge_nodes(survivor=astana, others=[duplicate])
    assert snapshot() == before
    assert tree_problems(Structure) == []


class TestAdminAction:
    def post_action(self, client, ids, **extra):
        return client.post(
            STRUCTURES_ADMIN,
            {"action": "merge_selected", "_selected_action": [str(i) for i in ids], **extra},
        )

    @pytest.mark.parametrize("model", TREE_MODELS)
    def test_site_administrator_has_the_action_on_every_tree(self, admin_client_site, model):
        url = reverse(f"admin:taxonomy_{model._meta.model_name}_changelist")
        response = admin_client_site.get(url)
        choices = dict(response.context["action_form"].fields["action"].choices)
        assert "merge_selected" in choices
        assert str(choices["merge_selected"]) == "Merge selected nodes…"

    def test_confirmation_page_lists_the_nodes(self, admin_client_site, astana, duplicate):
        make_release("One", tags={"structures": [duplicate.slug], "sources": [duplicate.slug]})
        make_release("Two", tags={"structures": [duplicate.slug]})
        response = self.post_action(admin_client_site, [astana.pk, duplicate.pk])
        assert response.status_code == 200
        assert "admin/taxonomy/merge_confirmation.html" in [t.name for t in response.templates]
        page = response.content.decode()
        assert "Field operations › Programme Office in Astana" in page
        assert "Field operations › Programme Office in Kazakhstan" in page
        rows = {row["node"].pk: row for row in response.context["rows"]}
        assert rows[duplicate.pk]["releases"] == 2
        assert rows[astana.pk]["releases"] == 0
        for pk in (astana.pk, duplicate.pk):
            assert f'name="_selected_action" value="{pk}"' in page
            assert f'name="survivor" id="survivor-{pk}" value="{pk}"' in page
        assert 'name="action" value="merge_selected"' in page
        assert 'name="post" value="yes"' in page
        assert Structure.objects.filter(pk=duplicate.pk).exists()

    def test_confirming_merges(self, admin_client_site, astana, duplicate):
        release = make_release("One", tags={"structures": [duplicate.slug]})
        response = self.post_action(
            admin_client_site, [astana.pk, duplicate.pk], post="yes", survivor=str(astana.pk)
        )
        assert response.status_code == 302
        assert not Structure.objects.filter(pk=duplicate.pk).exists()
        assert list(release.structures.all()) == [astana]
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("Merged “Programme Office in Kazakhstan”" in m for m in messages), messages
        logged = LogEntry.objects.filter(object_id__in=[str(astana.pk), str(duplicate.pk)])
        assert sorted(logged.values_list("action_flag", flat=True)) == [CHANGE, DELETION]

    def test_an_invalid_choice_is_refused_with_a_message(self, admin_client_site):
        secretariat = Structure.objects.get(slug="secretariat")
        cpc = Structure.objects.get(slug="conflict-prevention-centre")
        before = snapshot()
        page = self.post_action(admin_client_site, [secretariat.pk, cpc.pk]).content.decode()
        assert f'id="survivor-{cpc.pk}" value="{cpc.pk}" required disabled' in page
        response = self.post_action(
            admin_client_site, [secretariat.pk, cpc.pk], post="yes", survivor=str(cpc.pk)
        )
        assert response.status_code == 302
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("cannot be merged into its own descendant" in m for m in messages), messages
        assert snapshot() == before

    def test_communications_staff_do_not_get_the_action(self, comms_client, astana, duplicate):
        response = comms_client.get(STRUCTURES_ADMIN)
        assert response.status_code == 200
        assert "merge_selected" not in response.content.decode()
        before = snapshot()
        self.post_action(comms_client, [astana.pk, duplicate.pk])
        response = self.post_action(
            comms_client, [astana.pk, duplicate.pk], post="yes", survivor=str(astana.pk)
        )
        assert response.status_code in (200, 302, 403)
        assert snapshot() == before


def test_reloading_the_shipped_data_does_not_resurrect_a_merged_node():
    from taxonomy.services import load_taxonomy

    survivor = Structure.objects.get(slug="mission-to-serbia")
    merged = Structure.objects.get(slug="mission-to-montenegro")
    merge_nodes(survivor=survivor, others=[merged])
    report = load_taxonomy()
    assert not Structure.objects.filter(slug="mission-to-montenegro").exists()
    assert any("merged into Mission to Serbia" in line for line in report.skipped)
    assert not report.created


# --- revisions ----------------------------------------------------------------


def test_a_merge_leaves_a_revision_of_the_survivor_and_of_each_retagged_release(
    astana, duplicate, site_admin
):
    from reversion.models import Version

    retagged = make_release("Retagged", tags={"structures": [duplicate.slug]})
    untouched = make_release("Untouched", tags={"structures": ["secretariat"]})
    untouched_versions = Version.objects.get_for_object(untouched).count()

    merge_nodes(survivor=astana, others=[duplicate], user=site_admin)

    latest = Version.objects.get_for_object(retagged).first()
    assert latest is not None
    assert latest.field_dict["structures"] == [astana.pk]
    revision = latest.revision
    assert revision.user == site_admin
    assert revision.comment.startswith(
        "Merged “Programme Office in Kazakhstan” into “Programme Office in Astana”"
    )
    node_version = Version.objects.get_for_object(astana).first()
    assert node_version.revision.comment == revision.comment
    assert node_version.field_dict["name"] == "Programme Office in Astana"
    # Restoring a release never rewrites the tree: the nodes have their own revision.
    assert list(revision.version_set.values_list("content_type__model", flat=True)) == [
        "pressrelease"
    ]
    assert Version.objects.get_for_object(untouched).count() == untouched_versions


def test_a_release_restored_after_a_merge_keeps_its_new_tag(astana, duplicate, admin_client_site):
    from reversion.models import Version

    release = make_release("Restorable", tags={"structures": [duplicate.slug]})
    merge_nodes(survivor=astana, others=[duplicate])
    version = Version.objects.get_for_object(release).first()
    version.revision.revert()
    release.refresh_from_db()
    assert list(release.structures.values_list("slug", flat=True)) == [astana.slug]


def test_merging_from_the_admin_records_who_merged(
    admin_client_site, site_admin, astana, duplicate
):
    from reversion.models import Version

    release = make_release("Tagged twice", tags={"sources": [duplicate.slug]})
    admin_client_site.post(STRUCTURES_ADMIN, {
        "action": "merge_selected", "_selected_action": [astana.pk, duplicate.pk],
        "post": "yes", "survivor": astana.pk,
    })  # fmt: skip
    assert not Structure.objects.filter(pk=duplicate.pk).exists()
    latest = Version.objects.get_for_object(release).first()
    assert latest.field_dict["sources"] == [astana.pk]
    assert latest.revision.user == site_admin
