"""The organisation's trees: shipped data, loading, names, deletion rules, integrity."""

import contextlib
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from taxonomy.integrity import tree_problems
from taxonomy.models import (
    Chairpersonship,
    Country,
    Meeting,
    NodeInUse,
    Structure,
    Topic,
)
from taxonomy.naming import NameIndex, UnknownName, normalize_name
from taxonomy.services import TaxonomyDataError, load_taxonomy, read_data

from .factories import TopicFactory

pytestmark = pytest.mark.usefixtures("taxonomy")

TREES = (Topic, Country, Structure, Meeting)
DATA_FILE = Path(settings.BASE_DIR).resolve() / "taxonomy" / "data" / "taxonomy.json"

FIELD_OPERATION_COUNTRIES = {
    "Presence in Albania": "Albania",
    "Centre in Ashgabat": "Turkmenistan",
    "Programme Office in Astana": "Kazakhstan",
    "Programme Office in Bishkek": "Kyrgyzstan",
    "Mission to Bosnia and Herzegovina": "Bosnia and Herzegovina",
    "Programme Office in Dushanbe": "Tajikistan",
    "Mission in Kosovo": "Kosovo",
    "Mission to Moldova": "Moldova",
    "Mission to Montenegro": "Montenegro",
    "Mission to Serbia": "Serbia",
    "Mission to Skopje": "North Macedonia",
    "Project Co-ordinator in Uzbekistan": "Uzbekistan",
}


_opened = None


def _record_open(event, args):
    if event == "open" and _opened is not None and isinstance(args[0], str | Path):
        _opened.add(Path(args[0]).resolve())


sys.addaudithook(_record_open)  # an audit hook cannot be removed; it records only when asked


@contextlib.contextmanager
def files_opened():
    """The set of files the code opens inside the block (Python's audit events)."""
    global _opened
    _opened = set()
    try:
        yield _opened
    finally:
        _opened = None


def children_names(model, slug):
    return [n.name for n in model.objects.get(slug=slug).get_children()]


class TestShippedTrees:
    def test_twenty_three_fields_of_work_in_seed_order(self):
        roots = [t.name for t in Topic.objects.root_nodes()]
        assert len(roots) == 23
        assert roots[0] == "Arms control"
        assert roots[-1] == "Youth"
        assert "Cyber/ICT Security" in roots

    def test_sub_topics_sit_under_their_field(self):
        assert children_names(Topic, "media-freedom-and-development") == [
            "Safety of journalists",
            "Media laws",
            "Media pluralism",
            "Media self-regulation",
        ]
        assert "Climate change" in children_names(Topic, "environmental-activities")

    def test_fifty_seven_participating_states_with_iso_codes(self):
        states = Country.objects.get(slug="participating-states").get_children()
        assert states.count() == 57
        assert all(len(s.iso_code) == 2 for s in states)
        assert Country.objects.get(slug="turkiye").name == "Türkiye"
        assert Country.objects.get(slug="holy-see").iso_code == "VA"

    def test_partners_for_co_operation(self):
        assert children_names(Country, "asian-partners-for-co-operation") == [
            "Afghanistan",
            "Australia",
            "Japan",
            "Republic of Korea",
            "Thailand",
        ]
        assert len(children_names(Country, "mediterranean-partners-for-co-operation")) == 6

    def test_secretariat_has_its_twelve_units(self):
        units = [
            unit.name
            for unit in Structure.objects.get(slug="secretariat").get_children()
            if unit.is_active
        ]
        assert len(units) == 12
        assert units[0] == "Secretary General"
        assert "Conflict Prevention Centre" in units
        assert units[-1] == "Documentation Centre in Prague"

    def test_institutions_and_other_structures(self):
        assert children_names(Structure, "institutions") == [
            "Office for Democratic Institutions and Human Rights",
            "High Commissioner on National Minorities",
            "Representative on Freedom of the Media",
        ]
        assert children_names(Structure, "chairpersonship") == [
            "Troika",
            "Personal and Special Representatives of the Chairperson-in-Office",
        ]
        roots = [s.name for s in Structure.objects.root_nodes()]
        assert "Parliamentary Assembly" in roots
        assert "Court of Conciliation and Arbitration" in roots

    def test_each_field_operation_works_in_its_country(self):
        operations = Structure.objects.get(slug="field-operations").get_children()
        linked = {op.name: op.country.name for op in operations.select_related("country")}
        assert linked == FIELD_OPERATION_COUNTRIES

    def test_closed_field_activities_are_marked_closed(self):
        closed = Structure.objects.get(slug="closed-field-activities").get_children()
        assert closed.count() >= 7
        assert not any(node.is_active for node in closed)
        smm = Structure.objects.get(slug="special-monitoring-mission-to-ukraine")
        assert smm.is_closed and smm.country.slug == "ukraine"

    def test_meetings_and_conferences(self):
        names = [m.name for m in Meeting.objects.root_nodes()]
        assert names[0] == "Summit meetings"
        assert "Ministerial Council meetings" in names
        assert "Partnerships" not in names

    def test_chairpersonship_by_year_is_data(self):
        assert Chairpersonship.objects.count() == 36  # 1991 to 2026
        assert Chairpersonship.objects.get(year=2024).country.name == "Malta"
        assert Chairpersonship.objects.get(year=2025).country.name == "Finland"
        assert str(Chairpersonship.objects.get(year=2026)) == (
            "Switzerland – OSCE Chairpersonship 2026"
        )

    def test_every_tree_is_intact_after_loading(self):
        for model in TREES:
            assert tree_problems(model) == [], model


class TestLoadTaxonomy:
    def test_second_run_changes_nothing_and_says_so(self, capsys):
        before = {m: list(m.objects.values_list("pk", "updated_at", "lft", "rght")) for m in TREES}
        call_command("load_taxonomy")
        out = capsys.readouterr().out
        assert "nothing changed" in out
        after = {m: list(m.objects.values_list("pk", "updated_at", "lft", "rght")) for m in TREES}
        assert before == after

    def test_rename_in_the_file_updates_the_node_with_the_same_key(self):
        data = read_data()
        data = copy.deepcopy(data)
        moldova = next(c for c in data["countries"][0]["children"] if c["key"] == "moldova")
        moldova["name"] = "Republic of Moldova"
        pk = Country.objects.get(key="moldova").pk
        report = load_taxonomy(data=data)
        node = Country.objects.get(key="moldova")
        assert node.pk == pk and node.name == "Republic of Moldova"
        assert report.updated and not report.created

    def test_an_administrators_edit_survives_a_reload(self):
        node = Topic.objects.get(key="youth")
        node.description = "Edited in the admin."
        node.save()
        load_taxonomy()
        node.refresh_from_db()
        assert node.description == "Edited in the admin."

    def test_never_deletes_a_node_missing_from_the_file(self):
        data = copy.deepcopy(read_data())
        data["topics"] = [t for t in data["topics"] if t["key"] != "youth"]
        count = Topic.objects.count()
        load_taxonomy(data=data)
        assert Topic.objects.filter(key="youth").exists()
        assert Topic.objects.count() == count

    def test_bad_data_names_the_place(self, tmp_path):
        data = copy.deepcopy(read_data())
        data["structures"][4]["children"][0]["country"] = "atlantis"
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(data))
        with pytest.raises(CommandError, match=r"structures\[4\]\.children\[0\].*atlantis"):
            call_command("load_taxonomy", file=str(path))

    def test_invalid_json_names_file_and_line(self, tmp_path):
        path = tmp_path / "broken.json"
        path.write_text('{\n  "topics": [\n    {"name": }\n  ]\n}\n')
        with pytest.raises(TaxonomyDataError, match=r"broken\.json:3: invalid JSON"):
            read_data(path)

    def test_loading_reads_only_the_projects_own_files(self):
        """A fresh clone has no ``../shared``: the trees load from this repository alone."""
        root = Path(settings.BASE_DIR).resolve()
        python = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
        with files_opened() as opened:
            load_taxonomy()
        assert DATA_FILE in opened
        outside = [p for p in opened if not any(p.is_relative_to(d) for d in (root, *python))]
        assert outside == []

    @pytest.mark.skipif(not (Path(settings.BASE_DIR) / ".git").exists(), reason="not a clone")
    def test_the_shipped_file_is_in_the_repository(self):
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", str(DATA_FILE)],
                                 cwd=settings.BASE_DIR, capture_output=True)  # fmt: skip
        assert tracked.returncode == 0, f"{DATA_FILE} is not tracked: a clone would lack it"


class TestNames:
    @pytest.mark.parametrize(
        ("written", "model", "slug"),
        [
            ("OSCE Mission to Moldova", Structure, "mission-to-moldova"),
            ("OSCE Chairmanship", Structure, "chairpersonship"),
            ("OSCE Chairpersonship", Structure, "chairpersonship"),
            ("Czech Republic", Country, "czechia"),
            ("Turkey", Country, "turkiye"),
            ("OSCE Programme Office in Nur-Sultan", Structure, "programme-office-in-astana"),
            ("OSCE Mission to Georgia (closed)", Structure, "mission-to-georgia"),
            (
                "Observer Mission at the Russian Checkpoints Gukovo and Donetsk (discontinued)",
                Structure,
                "observer-mission-at-the-russian-checkpoints-gukovo-and-donetsk",
            ),
            ("odihr", Structure, "office-for-democratic-institutions-and-human-rights"),
            ("OSCE Secretariat", Structure, "secretariat"),
            ("media freedom and development", Topic, "media-freedom-and-development"),
        ],
    )
    def test_aliases_and_spellings_resolve(self, written, model, slug):
        assert model.objects.resolve(written).slug == slug

    def test_unknown_name_is_an_error_naming_it(self):
        with pytest.raises(UnknownName, match="Atlantis"):
            NameIndex(Country).resolve("Atlantis")

    def test_normalize_name(self):
        assert normalize_name("  OSCE  Mission to Moldova (Closed) ") == "mission to moldova"
        assert normalize_name("Cyber/ICT Security") == "cyber/ict security"


class TestDeletion:
    def test_a_node_with_children_cannot_be_deleted(self):
        secretariat = Structure.objects.get(slug="secretariat")
        with pytest.raises(NodeInUse, match="14 child node"):  # 12 units, 2 former
            secretariat.delete()
        assert Structure.objects.get(slug="secretariat").get_children().count() == 14

    def test_a_country_used_by_a_field_operation_cannot_be_deleted(self):
        moldova = Country.objects.get(slug="moldova")
        with pytest.raises(NodeInUse, match="structures"):
            moldova.delete()

    def test_a_queryset_delete_obeys_the_same_rule(self):
        with pytest.raises(NodeInUse):
            Topic.objects.filter(slug="media-freedom-and-development").delete()
        assert Topic.objects.filter(slug="safety-of-journalists").exists()

    def test_a_leaf_can_be_deleted_and_the_tree_stays_intact(self):
        Topic.objects.get(slug="safety-of-journalists").delete()
        assert not Topic.objects.filter(slug="safety-of-journalists").exists()
        assert tree_problems(Topic) == []


class TestCheckTrees:
    def test_passes_on_intact_trees(self, capsys):
        call_command("check_trees")
        assert "intact" in capsys.readouterr().out

    def test_fails_and_names_the_broken_tree(self):
        # Corrupt on purpose, the way a lost update would.
        node = Meeting.objects.get(slug="review-conferences")
        Meeting.objects.filter(pk=node.pk).update(lft=node.lft + 100)
        with pytest.raises(CommandError, match="meetings and conferences"):
            call_command("check_trees")

    def test_rebuild_repairs_from_parent_links(self):
        node = Meeting.objects.get(slug="review-conferences")
        Meeting.objects.filter(pk=node.pk).update(rght=node.rght + 7)
        call_command("check_trees", rebuild=True)
        assert tree_problems(Meeting) == []


class TestMoves:
    def test_move_reorders_and_keeps_tree_intact(self):
        youth = Topic.objects.get(slug="youth")
        arms = Topic.objects.get(slug="arms-control")
        Topic.objects.move_node(youth, arms, "left")
        assert Topic.objects.root_nodes()[0].slug == "youth"
        assert tree_problems(Topic) == []

    def test_save_with_stale_instance_does_not_corrupt(self):
        stale = Topic.objects.get(slug="safety-of-journalists")
        # Someone else inserts a node before ours after we loaded it.
        TopicFactory(name="A new first field")
        Topic.objects.move_node(
            Topic.objects.get(slug="a-new-first-field"),
            Topic.objects.get(slug="arms-control"),
            "left",
        )
        stale.parent = Topic.objects.get(slug="human-rights")
        stale.save()
        assert tree_problems(Topic) == []
        assert stale.get_ancestors().get().slug == "human-rights"
