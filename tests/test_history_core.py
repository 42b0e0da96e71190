"""Taxonomy over time, the core: dated names, openings and closings, links between nodes.

The model and its database constraints, the rules of ``taxonomy.history``
(which name a node had on a day, what makes a history unsound), renaming
and closing, the trees' index, ``load_taxonomy``'s three-way merge of
history, ``check_trees`` and the import's resolution of historic names.
Every expected name and date is written out here, not derived from the code.
"""

import copy
import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.db.models import Q

from press.importing import import_files
from press.models import PressRelease
from taxonomy import history
from taxonomy.index import tree_index
from taxonomy.merging import merge_nodes
from taxonomy.models import (
    Country,
    CountryName,
    OldNodeSlug,
    Structure,
    StructureLink,
    StructureName,
)
from taxonomy.naming import NameIndex, UnknownName
from taxonomy.services import TaxonomyDataError, load_taxonomy, read_data, validate

pytestmark = pytest.mark.usefixtures("taxonomy")

D = datetime.date


def field_operations():
    return Structure.objects.get(key="field-operations")


def make_office(name="Office in Testville", **fields):
    """A fresh field operation (not in the shipped file), its names given by the test."""
    return Structure.objects.create(name=name, parent=field_operations(), **fields)


def astana_like():
    """A node renamed twice: Almaty (1998–2007), Astana centre (2007–2014), office (2015–)."""
    node = make_office("Programme Office in Testana", opened_on=D(1998, 7, 23))
    StructureName.objects.create(
        node=node, name="Centre in Almatest", valid_from=D(1998, 7, 23), valid_to=D(2007, 6, 20)
    )
    StructureName.objects.create(
        node=node,
        name="Centre in Testana",
        name_fr="Centre d'Testana",
        valid_from=D(2007, 6, 21),
        valid_to=D(2014, 12, 31),
    )
    StructureName.objects.create(
        node=node, name="Programme Office in Testana", valid_from=D(2015, 1, 1)
    )
    return node


# --- the model's constraints -----------------------------------------------------


class TestConstraints:
    def test_a_name_cannot_end_before_it_begins(self):
        node = make_office()
        with pytest.raises(IntegrityError), transaction.atomic():
            StructureName.objects.create(
                node=node, name="Backwards", valid_from=D(2010, 1, 2), valid_to=D(2010, 1, 1)
            )
        # Positive control: one day long is fine.
        StructureName.objects.create(
            node=node, name="One day", valid_from=D(2010, 1, 1), valid_to=D(2010, 1, 1)
        )

    def test_a_node_cannot_close_before_it_opens(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_office(opened_on=D(2000, 1, 2), closed_on=D(2000, 1, 1))
        make_office("Office in Sameday", opened_on=D(2000, 1, 1), closed_on=D(2000, 1, 1))

    def test_a_node_cannot_follow_itself(self):
        node = make_office()
        other = make_office("Office in Othertown")
        with pytest.raises(IntegrityError), transaction.atomic():
            StructureLink.objects.create(source=node, target=node)
        StructureLink.objects.create(source=node, target=other)

    def test_editing_the_name_in_place_corrects_the_current_dated_name(self):
        node = astana_like()
        node.name = "Programme Office in Testana (corrected)"
        node.save()
        current = node.dated_names.get(valid_to__isnull=True)
        assert current.name == "Programme Office in Testana (corrected)"
        assert node.dated_names.get(valid_from=D(2007, 6, 21)).name == "Centre in Testana"


# --- which name on which day -------------------------------------------------------


class TestNameOnADay:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (D(1998, 7, 23), "Centre in Almatest"),  # its first day
            (D(2007, 6, 20), "Centre in Almatest"),  # the last day of that name
            (D(2007, 6, 21), "Centre in Testana"),  # the first day of the next
            (D(2010, 5, 1), "Centre in Testana"),
            (D(2015, 1, 1), "Programme Office in Testana"),
            (D(2026, 1, 1), "Programme Office in Testana"),
            (D(1990, 1, 1), "Centre in Almatest"),  # before it opened: its first name
            (None, "Programme Office in Testana"),  # no day (a draft): today's
        ],
    )
    def test_the_index_names_a_node_as_it_was(self, day, expected):
        node = astana_like()
        ref = tree_index(Structure).by_pk[node.pk]
        assert ref.name_on(day, "en") == expected

    def test_an_aware_datetime_counts_by_its_local_day(self):
        node = astana_like()
        ref = tree_index(Structure).by_pk[node.pk]
        # 23:30 UTC on 20 June is 21 June in Vienna (the site's time zone).
        moment = datetime.datetime(2007, 6, 20, 23, 30, tzinfo=datetime.UTC)
        assert ref.name_on(moment, "en") == "Centre in Testana"

    def test_former_name_is_none_when_it_was_already_called_so(self):
        node = astana_like()
        ref = tree_index(Structure).by_pk[node.pk]
        assert ref.former_name_on(D(2010, 1, 1), "en") == "Centre in Testana"
        assert ref.former_name_on(D(2020, 1, 1), "en") is None

    def test_a_former_name_in_another_language_falls_back_to_english(self):
        node = astana_like()
        ref = tree_index(Structure).by_pk[node.pk]
        assert ref.name_on(D(2010, 1, 1), "fr") == "Centre d'Testana"
        assert ref.name_on(D(2000, 1, 1), "fr") == "Centre in Almatest"

    def test_a_country_is_named_today_by_the_cldr_and_then_by_its_dated_name(self):
        turkiye = Country.objects.get(key="turkiye")
        CountryName.objects.filter(node=turkiye).delete()
        CountryName.objects.create(
            node=turkiye, name="Turkey", name_fr="Turquie", valid_to=D(2022, 6, 1)
        )
        CountryName.objects.create(node=turkiye, name="Türkiye", valid_from=D(2022, 6, 2))
        ref = tree_index(Country).by_pk[turkiye.pk]
        assert ref.name_on(D(2010, 1, 1), "fr") == "Turquie"
        assert ref.name_on(D(2010, 1, 1), "en") == "Turkey"
        assert ref.name_on(D(2023, 1, 1), "en") == "Türkiye"
        assert ref.name_on(D(2023, 1, 1), "de") == "Türkei"  # the CLDR's, today

    def test_no_dated_names_means_always_todays_name(self):
        node = make_office()
        ref = tree_index(Structure).by_pk[node.pk]
        assert ref.name_on(D(1995, 1, 1), "en") == "Office in Testville"
        assert ref.former_name_on(D(1995, 1, 1), "en") is None


# --- renaming and closing ------------------------------------------------------------


class TestRename:
    def test_the_old_name_keeps_its_span_and_the_new_one_starts_on_the_day(self):
        node = make_office("Centre in Renamington", opened_on=D(2000, 3, 1))
        old_slug = node.slug
        history.rename(node, "Programme Office in Renamington", D(2017, 7, 1))
        node.refresh_from_db()
        rows = list(node.dated_names.values_list("name", "valid_from", "valid_to"))
        assert rows == [
            ("Centre in Renamington", D(2000, 3, 1), D(2017, 6, 30)),
            ("Programme Office in Renamington", D(2017, 7, 1), None),
        ]
        assert node.name == "Programme Office in Renamington"
        assert node.slug == "programme-office-in-renamington"
        assert OldNodeSlug.objects.filter(tree="structure", slug=old_slug, node_id=node.pk)
        assert history.history_problems(Structure) == []

    def test_a_second_rename_closes_the_current_span(self):
        node = astana_like()
        history.rename(node, "Programme Office in Newtest", D(2019, 6, 10))
        history.rename(node, "Programme Office in Testana", D(2022, 9, 23))
        names = list(node.dated_names.values_list("name", "valid_to"))
        assert names[-3:] == [
            ("Programme Office in Testana", D(2019, 6, 9)),
            ("Programme Office in Newtest", D(2022, 9, 22)),
            ("Programme Office in Testana", None),
        ]
        # A name held twice, and the node is still sound.
        assert history.history_problems(Structure) == []

    @pytest.mark.parametrize(
        ("day", "field"),
        [
            (D(2015, 1, 1), "valid_from"),  # the current name's own first day
            (D(2012, 1, 1), "valid_from"),  # before the current name began
            (None, "valid_from"),
        ],
    )
    def test_a_day_that_does_not_follow_the_current_name_is_refused(self, day, field):
        node = astana_like()
        with pytest.raises(ValidationError) as caught:
            history.rename(node, "Too early", day)
        assert field in caught.value.message_dict
        node.refresh_from_db()
        assert node.name == "Programme Office in Testana"
        assert node.dated_names.count() == 3

    @pytest.mark.parametrize(
        ("day", "message"),
        [(D(1, 1, 1), "from 1900 on"), (None, "Enter the day")],
    )
    def test_a_day_out_of_range_is_refused(self, day, message):
        node = astana_like()
        with pytest.raises(ValidationError, match=message):
            history.rename(node, "Programme Office in Elsewhere", day)

    def test_a_day_still_to_come_is_refused(self):
        node = astana_like()
        tomorrow = datetime.date.today() + datetime.timedelta(days=2)
        with pytest.raises(ValidationError, match="has not come yet"):
            history.rename(node, "Programme Office in Later", tomorrow)
        with pytest.raises(ValidationError, match="has not come yet"):
            history.close(node, tomorrow)

    def test_a_rename_that_would_overlap_an_earlier_open_ended_span_is_refused(self):
        node = make_office("Office in Gapton")
        StructureName.objects.create(node=node, name="Old Gapton", valid_to=D(2012, 1, 1))
        StructureName.objects.create(node=node, name="Office in Gapton", valid_from=D(2005, 1, 1))
        with pytest.raises(ValidationError, match="later day"):
            history.rename(node, "Newer Gapton", D(2010, 1, 1))

    def test_a_new_address_that_is_another_nodes_is_refused(self):
        node = astana_like()
        make_office("Office in Taken")
        with pytest.raises(ValidationError, match="another node"):
            history.rename(node, "Office in Taken", D(2024, 1, 1))

    def test_renaming_a_closed_node_after_it_closed_is_refused(self):
        node = make_office(opened_on=D(2000, 1, 1), closed_on=D(2005, 1, 1), is_active=False)
        with pytest.raises(ValidationError, match="closed on 2005-01-01"):
            history.rename(node, "Later name", D(2006, 1, 1))


class TestClose:
    def test_closing_with_a_successor_links_them(self):
        croatia = make_office("Mission to Testcroatia", opened_on=D(1996, 4, 18))
        zagreb = make_office("Office in Testzagreb")
        history.close(
            croatia, D(2007, 12, 31), successor=zagreb, source_url="https://example.org/d"
        )
        croatia.refresh_from_db()
        assert (croatia.is_active, croatia.closed_on) == (False, D(2007, 12, 31))
        link = StructureLink.objects.get(source=croatia)
        # The link is dated on the successor's first day.
        assert (link.target, link.kind, link.date) == (zagreb, "succeeded_by", D(2008, 1, 1))
        index = tree_index(Structure)
        assert [r.pk for r in index.predecessors(index.by_pk[zagreb.pk])] == [croatia.pk]
        assert [r.pk for r in index.successors(index.by_pk[croatia.pk])] == [zagreb.pk]

    def test_a_circle_of_successors_is_refused(self):
        first, second = make_office("Office A"), make_office("Office B")
        history.close(first, D(2001, 1, 1), successor=second)
        with pytest.raises(ValidationError, match="circle"):
            history.close(second, D(2002, 1, 1), successor=first)

    def test_closing_before_it_opened_is_refused(self):
        node = make_office(opened_on=D(2000, 1, 1))
        with pytest.raises(ValidationError, match="opened on 2000-01-01"):
            history.close(node, D(1999, 12, 31))
        node.refresh_from_db()
        assert node.is_active


# --- check_trees -----------------------------------------------------------------


class TestHistoryProblems:
    def test_sound_history_has_no_problems(self):
        astana_like()
        assert history.history_problems(Structure) == []

    def test_overlapping_spans_are_named(self):
        node = astana_like()
        StructureName.objects.filter(node=node, name="Centre in Almatest").update(
            valid_to=D(2008, 1, 1)
        )
        [problem] = history.history_problems(Structure)
        assert "“Centre in Almatest”" in problem and "overlap" in problem

    def test_two_current_names_are_named(self):
        node = astana_like()
        StructureName.objects.filter(node=node, name="Centre in Testana").update(valid_to=None)
        problems = history.history_problems(Structure)
        assert any("2 names without an end" in p for p in problems)

    def test_a_current_name_other_than_the_nodes_is_named(self):
        node = astana_like()
        Structure.objects.filter(pk=node.pk).update(name="Something else")
        assert any("current dated name is “Programme Office in Testana”" in p
                   for p in history.history_problems(Structure))  # fmt: skip

    def test_a_name_before_the_node_opened_is_named(self):
        node = astana_like()
        Structure.objects.filter(pk=node.pk).update(opened_on=D(2000, 1, 1))
        assert any("before it opened" in p for p in history.history_problems(Structure))

    def test_an_open_node_with_a_successor_is_named(self):
        first, second = make_office("Office A"), make_office("Office B")
        StructureLink.objects.create(source=first, target=second)
        [problem] = history.history_problems(Structure)
        assert "Office A" in problem and "not closed" in problem

    def test_check_trees_fails_on_unsound_history(self, capsys):
        node = astana_like()
        StructureName.objects.filter(node=node, name="Centre in Testana").update(valid_to=None)
        with pytest.raises(CommandError, match=r"structures and institutions \(history\)"):
            call_command("check_trees")
        # Positive control: sound again, check_trees passes.
        StructureName.objects.filter(node=node, name="Centre in Testana").update(
            valid_to=D(2014, 12, 31)
        )
        call_command("check_trees")
        assert "history: sound" in capsys.readouterr().out

    def test_check_trees_rejects_a_data_file_with_a_dangling_link(self, tmp_path):
        data = copy.deepcopy(read_data())
        data["structures"][0]["links"] = [{"kind": "succeeded_by", "to": "no-such-node"}]
        path = tmp_path / "taxonomy.json"
        path.write_text(json.dumps(data))
        with pytest.raises(CommandError, match="data file"):
            call_command("check_trees", data=str(path))
        call_command("check_trees")  # the shipped file passes


# --- the data file -----------------------------------------------------------------


def data_with_history(**item_changes):
    """The shipped data, with the Presence in Albania given the history the test needs."""
    data = copy.deepcopy(read_data())
    operations = next(s for s in data["structures"] if s["key"] == "field-operations")
    albania = next(c for c in operations["children"] if c["key"] == "presence-in-albania")
    albania.update(item_changes)
    return data, albania


ALBANIA_NAMES = [
    {"name": "Presence in Testalbania", "from": "1997-03-27", "to": "2003-12-31",
     "source": "https://example.org/a"},
    {"name": "Presence in Albania", "from": "2004-01-01", "source": "https://example.org/b"},
]  # fmt: skip


class TestDataFile:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"opened": "2000-01-02", "closed": "2000-01-01"}, "closed 2000-01-01 before"),
            ({"opened": "1997-13-01"}, "is not a date"),
            (
                {"dated_names": [{"name": "A", "from": "2001-01-01", "to": "2000-01-01"},
                                 {"name": "Presence in Albania", "from": "2002-01-01"}]},
                "ends 2000-01-01 before it begins 2001-01-01",
            ),
            (
                {"dated_names": [{"name": "A", "from": "2000-01-01", "to": "2001-01-01"},
                                 {"name": "Presence in Albania", "from": "2001-01-01"}]},
                "overlaps the name before it",
            ),
            (
                {"dated_names": [{"name": "A", "from": "2000-01-01", "to": "2001-01-01"}]},
                "the last dated name is the current one",
            ),
            (
                {"dated_names": [{"name": "Somebody else", "from": "2000-01-01"}]},
                "is not its name",
            ),
            ({"links": [{"kind": "succeeded_by", "to": "atlantis"}]}, "unknown structures key"),
            ({"links": [{"kind": "became", "to": "mission-to-moldova"}]}, "kind must be one of"),
            ({"dates_source": "ftp://example.org"}, "http"),
        ],
    )  # fmt: skip
    def test_bad_history_is_refused_naming_the_place(self, change, message):
        data, _item = data_with_history(**change)
        with pytest.raises(TaxonomyDataError, match="structures") as caught:
            validate(data)
        assert message in str(caught.value)

    def test_history_loads_and_a_second_run_changes_nothing(self):
        data, _item = data_with_history(
            opened="1997-03-27",
            dates_source="https://example.org/opened",
            dated_names=ALBANIA_NAMES,
            links=[],
        )
        load_taxonomy(data=data)
        node = Structure.objects.get(key="presence-in-albania")
        assert node.opened_on == D(1997, 3, 27)
        assert list(node.dated_names.values_list("name", "valid_from", "valid_to")) == [
            ("Presence in Testalbania", D(1997, 3, 27), D(2003, 12, 31)),
            ("Presence in Albania", D(2004, 1, 1), None),
        ]
        # The former name's address now leads to the node.
        assert OldNodeSlug.objects.get(slug="presence-in-testalbania").node_id == node.pk
        report = load_taxonomy(data=data)
        assert not report.changed

    def test_an_administrators_rename_survives_a_reload(self):
        data, _item = data_with_history(dated_names=ALBANIA_NAMES)
        load_taxonomy(data=data)
        node = Structure.objects.get(key="presence-in-albania")
        history.rename(node, "Presence in Albania (renamed)", D(2025, 1, 1))
        report = load_taxonomy(data=data)
        node.refresh_from_db()
        assert node.name == "Presence in Albania (renamed)"
        assert node.dated_names.count() == 3
        assert not report.changed

    def test_a_link_the_file_drops_is_undone_and_an_administrators_stays(self):
        data, albania = data_with_history(
            closed="2020-01-01", links=[{"kind": "succeeded_by", "to": "mission-to-moldova"}]
        )
        load_taxonomy(data=data)
        node = Structure.objects.get(key="presence-in-albania")
        assert list(node.links_out.values_list("target__key", flat=True)) == ["mission-to-moldova"]
        own = StructureLink.objects.create(
            source=node, target=Structure.objects.get(key="mission-in-kosovo")
        )
        albania["links"] = []
        load_taxonomy(data=data)
        assert list(node.links_out.all()) == [own]

    def test_a_rename_in_the_file_reaches_the_node_and_keeps_the_old_span(self):
        data, albania = data_with_history(dated_names=copy.deepcopy(ALBANIA_NAMES))
        load_taxonomy(data=data)
        albania["dated_names"][-1]["to"] = "2024-12-31"
        albania["dated_names"].append(
            {
                "name": "Presence in Newbania",
                "from": "2025-01-01",
                "source": "https://example.org/c",
            }
        )
        albania["name"] = "Presence in Newbania"
        report = load_taxonomy(data=data)
        node = Structure.objects.get(key="presence-in-albania")
        assert node.name == "Presence in Newbania"
        assert list(node.dated_names.values_list("name", "valid_from", "valid_to")) == [
            ("Presence in Testalbania", D(1997, 3, 27), D(2003, 12, 31)),
            ("Presence in Albania", D(2004, 1, 1), D(2024, 12, 31)),
            ("Presence in Newbania", D(2025, 1, 1), None),
        ]
        assert not report.skipped
        assert not load_taxonomy(data=data).changed

    def test_an_edit_of_another_field_does_not_block_the_files_history(self):
        data, albania = data_with_history(dated_names=copy.deepcopy(ALBANIA_NAMES))
        load_taxonomy(data=data)
        node = Structure.objects.get(key="presence-in-albania")
        node.description = "Edited in the admin."
        node.save()
        albania["dated_names"][0]["to"] = "2003-12-30"
        albania["dated_names"][1]["from"] = "2003-12-31"
        report = load_taxonomy(data=data)
        assert not report.skipped
        assert node.dated_names.get(name="Presence in Albania").valid_from == D(2003, 12, 31)
        node.refresh_from_db()
        assert node.description == "Edited in the admin."

    def test_a_link_dropped_with_another_change_is_undone(self):
        data, albania = data_with_history(
            closed="2020-01-01", links=[{"kind": "succeeded_by", "to": "mission-to-moldova"}]
        )
        load_taxonomy(data=data)
        albania["links"] = []
        albania["description"] = "Changed in the file too."
        load_taxonomy(data=data)
        node = Structure.objects.get(key="presence-in-albania")
        assert not node.links_out.exists()
        assert node.description == "Changed in the file too."

    def test_an_editors_link_date_survives_an_unrelated_change_in_the_file(self):
        data, albania = data_with_history(
            closed="2020-01-01",
            links=[{"kind": "succeeded_by", "to": "mission-to-moldova", "date": "2020-01-02"}],
        )
        load_taxonomy(data=data)
        node = Structure.objects.get(key="presence-in-albania")
        node.links_out.update(date=D(2020, 2, 2))
        albania["description"] = "Changed in the file."
        albania["links"].append({"kind": "succeeded_by", "to": "mission-in-kosovo"})
        load_taxonomy(data=data)
        assert node.links_out.get(target__key="mission-to-moldova").date == D(2020, 2, 2)
        assert node.links_out.filter(target__key="mission-in-kosovo").exists()

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"links": [{"kind": "succeeded_by", "to": "mission-to-moldova"}]}, "only a closed"),
        ],
    )
    def test_a_successor_of_an_open_node_is_refused(self, change, message):
        data, _item = data_with_history(**change)
        with pytest.raises(TaxonomyDataError, match=message):
            validate(data)

    def test_a_circle_of_successors_is_refused(self):
        data, albania = data_with_history(
            closed="2000-01-01", links=[{"kind": "succeeded_by", "to": "mission-to-moldova"}]
        )
        operations = next(s for s in data["structures"] if s["key"] == "field-operations")
        moldova = next(c for c in operations["children"] if c["key"] == "mission-to-moldova")
        moldova.update(
            is_active=False, links=[{"kind": "merged_into", "to": "presence-in-albania"}]
        )
        with pytest.raises(TaxonomyDataError, match="among its own successors"):
            validate(data)
        moldova["links"] = []  # positive control
        validate(data)

    def test_the_shipped_files_links_point_inside_their_tree(self):
        validate(read_data())  # also: every link's key exists (see above for a failing one)


# --- import by a name a node once had -------------------------------------------------


def write_jsonl(path, *records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def record(title, date, structures):
    return {
        "title": title,
        "date": date,
        "type": "Press release",
        "structures": structures,
        "summary": "",
        "body": "Text.",
    }


class TestImportByHistoricName:
    def test_a_former_name_finds_the_node(self, tmp_path):
        node = astana_like()
        path = write_jsonl(tmp_path / "in.jsonl", record("Old news", "2009-05-01",
                                                         ["OSCE Centre in Testana"]))  # fmt: skip
        report = import_files([path])
        assert report.errors == [] and report.warnings == []
        release = PressRelease.objects.get(title="Old news")
        assert list(release.structures.all()) == [node]

    def test_a_name_two_nodes_had_in_turn_goes_to_the_one_that_had_it_then(self, tmp_path):
        # "Office in Twotown" was one body's name until 2005, then another's.
        first = make_office("Mission to Twotown", opened_on=D(1995, 1, 1))
        StructureName.objects.create(
            node=first, name="Office in Twotown", valid_from=D(1995, 1, 1), valid_to=D(2005, 12, 31)
        )
        StructureName.objects.create(
            node=first, name="Mission to Twotown", valid_from=D(2006, 1, 1)
        )
        second = make_office("Office in Twotown", opened_on=D(2010, 1, 1))
        StructureName.objects.create(
            node=second, name="Office in Twotown", valid_from=D(2010, 1, 1)
        )
        path = write_jsonl(
            tmp_path / "in.jsonl",
            record("Early", "2001-02-03", ["Office in Twotown"]),
            record("Late", "2012-02-03", ["Office in Twotown"]),
            record("In between", "2008-02-03", ["Office in Twotown"]),
        )
        report = import_files([path])
        assert report.errors == []
        assert list(PressRelease.objects.get(title="Early").structures.all()) == [first]
        assert list(PressRelease.objects.get(title="Late").structures.all()) == [second]
        # Nobody had it in 2008: ambiguous, reported, imported without the tag.
        assert list(PressRelease.objects.get(title="In between").structures.all()) == []
        assert any("ambiguous" in w for w in map(str, report.warnings))

    def test_the_name_index_resolves_by_day(self):
        first = make_office("Mission to Twotown")
        StructureName.objects.create(
            node=first, name="Office in Twotown", valid_from=D(1995, 1, 1), valid_to=D(2005, 12, 31)
        )
        StructureName.objects.create(
            node=first, name="Mission to Twotown", valid_from=D(2006, 1, 1)
        )
        second = make_office("Office in Twotown")
        index = NameIndex(Structure)
        # The dated name that covers the day wins over a claim without dates.
        assert index.resolve("Office in Twotown", on=D(2000, 1, 1)) == first
        # The first's claim ended in 2005: the second's (its name, undated) holds.
        assert index.resolve("Office in Twotown", on=D(2020, 1, 1)) == second
        with pytest.raises(UnknownName, match="ambiguous"):
            index.resolve("Office in Twotown")

    def test_an_undated_claim_holds_only_while_the_node_existed(self):
        first = make_office("Office in Threetown", opened_on=D(2010, 1, 1))
        second = make_office("Mission to Threetown", closed_on=D(2003, 1, 1), is_active=False)
        second.aliases.create(name="Office in Threetown")
        index = NameIndex(Structure)
        assert index.resolve("Office in Threetown", on=D(2001, 1, 1)) == second
        assert index.resolve("Office in Threetown", on=D(2012, 1, 1)) == first
        with pytest.raises(UnknownName, match="ambiguous"):
            index.resolve("Office in Threetown", on=D(2005, 1, 1))


# --- merging keeps history ----------------------------------------------------------


class TestMergeKeepsHistory:
    def test_the_merged_nodes_names_become_aliases_and_its_links_move(self):
        survivor = make_office("Office in Keeper", closed_on=D(2012, 1, 1), is_active=False)
        duplicate = astana_like()
        successor = make_office("Office in Next")
        duplicate.is_active = False
        duplicate.save()
        StructureLink.objects.create(source=duplicate, target=successor)
        report = merge_nodes(survivor=survivor, others=[duplicate])
        aliases = set(survivor.aliases.values_list("name", flat=True))
        assert {"Centre in Almatest", "Centre in Testana", "Programme Office in Testana"} <= aliases
        mine = {survivor.pk, duplicate.pk, successor.pk}
        links = StructureLink.objects.filter(Q(source__in=mine) | Q(target__in=mine))
        assert list(links.values_list("source", "target")) == [(survivor.pk, successor.pk)]
        assert report.history_links_dropped == 0
        assert history.history_problems(Structure) == []

    def test_an_open_survivor_does_not_take_a_successor(self):
        survivor = make_office("Office in Keeper")  # open
        duplicate = make_office("Office in Dupe", closed_on=D(2010, 1, 1), is_active=False)
        successor = make_office("Office in Next")
        StructureLink.objects.create(source=duplicate, target=successor)
        report = merge_nodes(survivor=survivor, others=[duplicate])
        assert not StructureLink.objects.filter(target=successor).exists()
        assert report.history_links_dropped == 1
        assert "1 predecessor or successor link dropped" in report.summary()
        assert history.history_problems(Structure) == []

    def test_a_merge_never_closes_a_circle(self):
        # first → survivor; merging second (second → first) into survivor would
        # make survivor → first → survivor.
        first = make_office("Office First", closed_on=D(2000, 1, 1), is_active=False)
        survivor = make_office("Office Survivor", closed_on=D(2005, 1, 1), is_active=False)
        second = make_office("Office Second", closed_on=D(1999, 1, 1), is_active=False)
        StructureLink.objects.create(source=first, target=survivor)
        StructureLink.objects.create(source=second, target=first)
        report = merge_nodes(survivor=survivor, others=[second])
        assert report.history_links_dropped == 1
        assert history.history_problems(Structure) == []


class TestDeletionKeepsHistory:
    def test_a_node_with_predecessors_or_successors_cannot_be_deleted(self):
        from taxonomy.models import NodeInUse

        croatia = make_office("Mission to Testcroatia", closed_on=D(2007, 12, 31), is_active=False)
        zagreb = make_office("Office in Testzagreb")
        StructureLink.objects.create(source=croatia, target=zagreb)
        with pytest.raises(NodeInUse, match="predecessor or successor of 1 node"):
            zagreb.delete()
        assert StructureLink.objects.filter(source=croatia).exists()
        # Positive control: without the link it goes.
        StructureLink.objects.filter(source=croatia).delete()
        zagreb.delete()
        assert not Structure.objects.filter(pk=zagreb.pk).exists()


# --- the shipped history ------------------------------------------------------------


def dated(model, key):
    node = model.objects.get(key=key)
    return [(n.name, n.valid_from and n.valid_from.year, n.valid_to and n.valid_to.year)
            for n in node.dated_names.all()]  # fmt: skip


class TestShippedHistory:
    def test_the_office_in_kazakhstan_has_all_five_names(self):
        # Almaty 1998, Astana 2007, Programme Office 2015, Nur-Sultan 2019, Astana 2022.
        assert dated(Structure, "programme-office-in-astana") == [
            ("Centre in Almaty", 1998, 2007),
            ("Centre in Astana", 2007, 2014),
            ("Programme Office in Astana", 2015, 2019),
            ("Programme Office in Nur-Sultan", 2019, 2022),
            ("Programme Office in Astana", 2022, None),
        ]
        ref = tree_index(Structure).by_pk[
            Structure.objects.get(key="programme-office-in-astana").pk
        ]
        assert ref.name_on(D(2010, 3, 1), "en") == "Centre in Astana"
        assert ref.name_on(D(2020, 3, 1), "en") == "Programme Office in Nur-Sultan"
        assert ref.name_on(D(2010, 3, 1), "ru") == "Центр в Астане"

    def test_states_that_changed_their_names(self):
        assert dated(Country, "turkiye") == [("Turkey", 1973, 2022), ("Türkiye", 2022, None)]
        assert dated(Country, "north-macedonia")[0] == (
            "the former Yugoslav Republic of Macedonia", 1995, 2019)  # fmt: skip
        assert [name for name, *_ in dated(Country, "serbia")] == [
            "Federal Republic of Yugoslavia", "Serbia and Montenegro", "Serbia"]  # fmt: skip

    def test_former_states_are_closed_with_their_successors(self):
        czechoslovakia = Country.objects.get(key="czech-and-slovak-federal-republic")
        assert not czechoslovakia.is_active and czechoslovakia.closed_on == D(1992, 12, 31)
        parts = czechoslovakia.links_out.values_list("kind", "target__key")
        assert sorted(parts) == [("split_into", "czechia"), ("split_into", "slovakia")]

    def test_closed_field_operations_name_their_successors(self):
        croatia = Structure.objects.get(key="mission-to-croatia")
        assert croatia.closed_on == D(2007, 12, 31)
        assert list(croatia.links_out.values_list("target__key", flat=True)) == ["office-in-zagreb"]
        index = tree_index(Structure)
        minsk = index.by_slug["office-in-minsk"]
        assert [r.slug for r in index.predecessors(minsk)] == [
            "advisory-and-monitoring-group-in-belarus"
        ]

    def test_a_chairpersonship_for_every_year_since_1991(self):
        from taxonomy.models import Chairpersonship

        years = list(Chairpersonship.objects.order_by("year").values_list("year", flat=True))
        assert years == list(range(1991, 2027))
        assert Chairpersonship.objects.get(year=1992).country.key == (
            "czech-and-slovak-federal-republic")  # fmt: skip
        assert Chairpersonship.objects.get(year=1991).country.key == "germany"

    def test_every_entry_of_the_shipped_history_names_its_source(self):
        data = read_data()
        missing = []

        def walk(items, tree):
            for item in items:
                where = f"{tree}: {item['key']}"
                if (item.get("opened") or item.get("closed")) and not item.get("dates_source"):
                    missing.append(f"{where} dates")
                for row in item.get("dated_names", []):
                    if not row.get("source"):
                        missing.append(f"{where} name {row['name']}")
                for link in item.get("links", []):
                    if not link.get("source"):
                        missing.append(f"{where} link to {link['to']}")
                walk(item.get("children", []), tree)

        for tree in ("topics", "countries", "structures", "meetings"):
            walk(data[tree], tree)
        missing += [f"chair {row['year']}" for row in data["chairpersonships"]
                    if not row.get("source")]  # fmt: skip
        assert missing == []

    def test_the_shipped_history_is_sound(self):
        for model in (Country, Structure):
            assert history.history_problems(model) == [], model
