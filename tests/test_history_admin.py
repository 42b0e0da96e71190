"""Keeping history true in the tree admin: rename, close, the timeline and corrections by hand.

A Site administrator renames a node from a day ("Rename…"), closes it with
a successor ("Close…") and corrects its dated names and links on its change
page; each is refused with a form error when it would make the history
untrue, and each leaves a log entry and a revision. Expected names, days and
messages are written out here, not derived from the code.
"""

import datetime
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from reversion.models import Version

from taxonomy import history
from taxonomy.models import Country, NodeLink, Structure, StructureLink, StructureName

pytestmark = pytest.mark.usefixtures("taxonomy")

D = datetime.date


# --- nodes of the tests' own (not in the shipped file) ------------------------------


def field_operations():
    return Structure.objects.get(key="field-operations")


def renamed_office():
    """Renamed once: "Centre in Almatest" (1998-07-23 – 2007-06-20), then "Centre in Testana"."""
    node = Structure.objects.create(
        name="Centre in Testana", parent=field_operations(), opened_on=D(1998, 7, 23)
    )
    StructureName.objects.create(
        node=node, name="Centre in Almatest", valid_from=D(1998, 7, 23), valid_to=D(2007, 6, 20)
    )
    StructureName.objects.create(node=node, name="Centre in Testana", valid_from=D(2007, 6, 21))
    return node


def office(name, **fields):
    return Structure.objects.create(name=name, parent=field_operations(), **fields)


def url(node, view):
    return reverse(f"admin:taxonomy_{node._meta.model_name}_{view}", args=[node.pk])


def spans(node):
    return list(node.dated_names.values_list("name", "valid_from", "valid_to"))


def log_messages(node):
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(node), object_id=str(node.pk)
        ).values_list("action_flag", "change_message")
    )


def field_errors(page, field):
    """The error texts Django's admin shows for ``field``."""
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def rename_data(node, **overrides):
    data = {
        "current_name": node.name,
        "name": "Programme Office in Testana",
        "valid_from": "2015-01-01",
        "name_fr": "Bureau de programme à Testana",
        "name_de": "",
        "name_it": "",
        "name_ru": "",
        "name_es": "",
        "source_url": "https://www.osce.org/pc/testana-decision",
        "update_slug": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def change_form_data(node, *, names=None, links=None, **overrides):
    """What the change page of a structure posts: its fields and every inline, as they are.

    ``names`` and ``links`` replace the dated names' and links' rows (dicts;
    an "id" keeps an existing row).
    """
    day = lambda value: value.isoformat() if value else ""  # noqa: E731
    data = {
        "name": node.name, "slug": node.slug, "parent": node.parent_id or "",
        "country": node.country_id or "", "description": node.description,
        "opened_on": day(node.opened_on), "closed_on": day(node.closed_on),
        "dates_source": node.dates_source, "history_note": node.history_note,
        **{f"name_{code}": "" for code in ("fr", "de", "it", "ru", "es")},
        "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
    }  # fmt: skip
    if node.is_active:
        data["is_active"] = "on"
    if names is None:
        names = [
            {"id": row.pk, "name": row.name, "valid_from": day(row.valid_from),
             "valid_to": day(row.valid_to), "source_url": row.source_url}
            for row in node.dated_names.all()
        ]  # fmt: skip
    if links is None:
        links = [
            {"id": link.pk, "target": link.target_id, "kind": link.kind,
             "date": day(link.date), "source_url": link.source_url}
            for link in node.links_out.all()
        ]  # fmt: skip
    for prefix, rows, model_rows in (
        ("dated_names", names, node.dated_names),
        ("links_out", links, node.links_out),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(len([r for r in rows if r.get("id")]))
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = "" if value is None else value
            if prefix == "dated_names":
                data[f"{prefix}-{index}-node"] = node.pk
            else:
                data[f"{prefix}-{index}-source"] = node.pk
        assert len([r for r in rows if r.get("id")]) <= model_rows.count()
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- rename ------------------------------------------------------------------------------


def test_the_change_page_offers_rename_and_close_and_says_what_the_name_field_is_for(
    admin_client_site,
):
    node = renamed_office()
    page = admin_client_site.get(url(node, "change")).content.decode()
    assert f'href="{url(node, "rename")}"' in page
    assert f'href="{url(node, "close")}"' in page
    assert "Edit it here only to correct it (a typo)" in page
    assert "“Rename…”" in page


def test_rename_through_the_form(admin_client_site, site_admin, client):
    node = renamed_office()
    page = admin_client_site.get(url(node, "rename")).content.decode()
    assert '<input type="hidden" name="current_name" value="Centre in Testana"' in page
    assert 'name="update_slug"' in page and "checked" in page.split('name="update_slug"')[1][:80]

    response = admin_client_site.post(url(node, "rename"), rename_data(node))

    assert response.status_code == 302
    assert response["Location"] == url(node, "change")
    node.refresh_from_db()
    assert node.name == "Programme Office in Testana"
    assert node.name_fr == "Bureau de programme à Testana"
    assert spans(node) == [
        ("Centre in Almatest", D(1998, 7, 23), D(2007, 6, 20)),
        ("Centre in Testana", D(2007, 6, 21), D(2014, 12, 31)),
        ("Programme Office in Testana", D(2015, 1, 1), None),
    ]
    current = node.dated_names.get(valid_to__isnull=True)
    assert current.source_url == "https://www.osce.org/pc/testana-decision"
    # The address follows the name; the old one redirects.
    assert node.slug == "programme-office-in-testana"
    old = client.get("/structures/field-operations/centre-in-testana/")
    assert old.status_code == 301
    assert old["Location"] == "/structures/field-operations/programme-office-in-testana/"
    # The node's history: a log entry and a revision of it with its names.
    message = "Renamed “Centre in Testana” → “Programme Office in Testana” from 2015-01-01"
    assert log_messages(node) == [(CHANGE, message)]
    entry = LogEntry.objects.get(object_id=str(node.pk), content_type__model="structure")
    assert entry.user == site_admin
    [version] = Version.objects.get_for_object(node)
    assert version.revision.comment == message
    assert version.revision.user == site_admin
    kept = {
        v.field_dict["name"]
        for v in version.revision.version_set.all()
        if v.content_type.model == "structurename"
    }
    assert kept == {"Centre in Almatest", "Centre in Testana", "Programme Office in Testana"}
    assert version.field_dict["name"] == "Programme Office in Testana"
    # ... which the History page of the node lists.
    history_page = admin_client_site.get(url(node, "history")).content.decode()
    assert "Renamed “Centre in Testana” → “Programme Office in Testana” from 2015-01-01" in (
        history_page
    )


def test_rename_keeping_the_address(admin_client_site):
    node = renamed_office()
    response = admin_client_site.post(
        url(node, "rename"), rename_data(node, update_slug=None, name_fr="")
    )
    assert response.status_code == 302
    node.refresh_from_db()
    assert node.name == "Programme Office in Testana"
    assert node.slug == "centre-in-testana"


def test_a_rename_dated_before_the_current_names_start_is_refused_on_the_form(
    admin_client_site,
):
    node = renamed_office()
    response = admin_client_site.post(
        url(node, "rename"), rename_data(node, valid_from="2005-03-01")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert field_errors(page, "valid_from") == [
        "Its current name dates from 2007-06-21: the new one must start later."
    ]
    # Nothing typed is lost.
    assert 'value="Programme Office in Testana"' in page
    assert 'value="2005-03-01"' in page
    assert 'value="Bureau de programme à Testana"' in page
    assert 'value="https://www.osce.org/pc/testana-decision"' in page
    node.refresh_from_db()
    assert node.name == "Centre in Testana" and node.slug == "centre-in-testana"
    assert spans(node) == [
        ("Centre in Almatest", D(1998, 7, 23), D(2007, 6, 20)),
        ("Centre in Testana", D(2007, 6, 21), None),
    ]
    assert log_messages(node) == []
    assert not Version.objects.get_for_object(node).exists()


def test_a_rename_from_a_stale_page_is_refused_naming_what_changed(admin_client_site):
    node = renamed_office()
    stale = rename_data(node, name="Programme Office in Testville")  # the page as first read
    # Meanwhile another administrator renamed it.
    fresh = rename_data(node)
    assert admin_client_site.post(url(node, "rename"), fresh).status_code == 302

    response = admin_client_site.post(url(node, "rename"), stale)

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "While this page was open, its name changed from “Centre in Testana” to "
        "“Programme Office in Testana”"
    ) in page
    node.refresh_from_db()
    assert node.name == "Programme Office in Testana"
    assert spans(node)[-1] == ("Programme Office in Testana", D(2015, 1, 1), None)
    # The page now knows the name it showed: submitting again is a deliberate choice.
    assert 'name="current_name" value="Programme Office in Testana"' in page
    assert 'value="Programme Office in Testville"' in page


def test_a_rename_to_an_address_another_node_has_is_refused(admin_client_site):
    node = renamed_office()
    other = office("Programme Office in Testana Region")
    other.slug = "programme-office-in-testana"
    other.save()
    response = admin_client_site.post(url(node, "rename"), rename_data(node))
    assert response.status_code == 200
    [error] = field_errors(response.content.decode(), "update_slug")
    assert error.startswith("The address “programme-office-in-testana” is taken by")
    node.refresh_from_db()
    assert node.name == "Centre in Testana"


def test_a_country_the_cldr_names_is_renamed_without_typed_translations(admin_client_site):
    country = Country.objects.get(slug="moldova")
    page = admin_client_site.get(url(country, "rename")).content.decode()
    assert 'name="name_fr"' not in page
    group = office("Testland group")  # a node without an ISO code: its names are typed
    assert 'name="name_fr"' in admin_client_site.get(url(group, "rename")).content.decode()


# --- close -----------------------------------------------------------------------------


def test_close_with_a_successor(admin_client_site, site_admin):
    node = renamed_office()
    successor = office("Office in Testana", opened_on=D(2008, 1, 1))
    response = admin_client_site.post(url(node, "close"), {
        "current_name": "Centre in Testana", "closed_on": "2007-12-31",
        "successor": successor.pk, "kind": "succeeded_by",
        "source_url": "https://www.osce.org/pc/testana-closing",
    })  # fmt: skip

    assert response.status_code == 302
    node.refresh_from_db()
    assert node.is_active is False
    assert node.closed_on == D(2007, 12, 31)
    assert list(
        StructureLink.objects.filter(source=node).values_list("target_id", "kind", "date")
    ) == [(successor.pk, "succeeded_by", D(2007, 12, 31))]
    message = "Closed on 2007-12-31: succeeded by “Office in Testana”"
    assert log_messages(node) == [(CHANGE, message)]
    [version] = Version.objects.get_for_object(node)
    assert version.revision.comment == message and version.revision.user == site_admin
    assert any(v.content_type.model == "structurelink" for v in version.revision.version_set.all())
    # The timeline on its page names the successor, linked to its admin page.
    page = admin_client_site.get(url(node, "change")).content.decode()
    assert f'Succeeded by <a href="{url(successor, "change")}">Office in Testana</a>' in page
    successor_page = admin_client_site.get(url(successor, "change")).content.decode()
    assert f'Preceded by <a href="{url(node, "change")}">Centre in Testana</a>' in successor_page
    # A closed node is not offered "Close…" again.
    assert f'href="{url(node, "close")}"' not in page


def test_closing_from_a_stale_page_is_refused(admin_client_site):
    node = renamed_office()
    data = {"current_name": "Centre in Testana", "closed_on": "2007-12-31", "kind": "succeeded_by"}
    assert admin_client_site.post(url(node, "close"), data).status_code == 302
    response = admin_client_site.post(url(node, "close"), {**data, "closed_on": "2008-03-31"})
    assert response.status_code == 200
    assert "While this page was open, someone closed it (on 2007-12-31)." in (
        response.content.decode()
    )
    node.refresh_from_db()
    assert node.closed_on == D(2007, 12, 31)
    assert len(log_messages(node)) == 1


def test_the_successor_is_searched_for_not_listed(admin_client_site):
    node = renamed_office()
    page = admin_client_site.get(url(node, "close")).content.decode()
    [select] = re.findall(r'<select name="successor"[^>]*>', page)
    assert "admin-autocomplete" in select and "data-ajax--url" in select
    options = page.split(select)[1].split("</select>")[0]
    assert re.findall(r'<option value="\d+"', options) == []  # no node listed in the page
    found = admin_client_site.get("/admin/autocomplete/", {
        "app_label": "taxonomy", "model_name": "structurelink", "field_name": "target",
        "term": "Testana",
    })  # fmt: skip
    assert [r["text"] for r in found.json()["results"]] == ["Field operations › Centre in Testana"]


def test_closing_before_it_opened_is_refused_on_the_form(admin_client_site):
    node = renamed_office()
    response = admin_client_site.post(url(node, "close"), {
        "current_name": "Centre in Testana", "closed_on": "1990-01-01", "kind": "succeeded_by",
    })  # fmt: skip
    assert response.status_code == 200
    assert field_errors(response.content.decode(), "closed_on") == [
        "It opened on 1998-07-23: it cannot close before that."
    ]
    node.refresh_from_db()
    assert node.is_active and node.closed_on is None


def test_reopening_is_a_plain_edit(admin_client_site):
    node = office("Office in Reopenville", opened_on=D(2000, 1, 1))
    history.close(node, D(2005, 6, 30))
    node.refresh_from_db()
    data = change_form_data(node, closed_on="", is_active="on")
    response = admin_client_site.post(url(node, "change"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    node.refresh_from_db()
    assert node.is_active and node.closed_on is None


def test_an_active_node_with_a_closing_day_is_refused(admin_client_site):
    node = office("Office in Halfway", opened_on=D(2000, 1, 1))
    response = admin_client_site.post(
        url(node, "change"), change_form_data(node, closed_on="2005-06-30")
    )
    assert response.status_code == 200
    assert field_errors(response.content.decode(), "closed_on") == [
        "An active node has no closing day: clear it to reopen the node, or untick “active”."
    ]
    node.refresh_from_db()
    assert node.closed_on is None


# --- the timeline and corrections by hand ------------------------------------------------


def test_the_change_page_shows_the_timeline(admin_client_site):
    node = renamed_office()
    page = admin_client_site.get(url(node, "change")).content.decode()
    [table] = re.findall(r'<table class="node-timeline">.*?</table>', page, re.S)
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]
    ]
    assert rows == [
        "1998-07-23 Opened",
        "1998-07-23 – 2007-06-20 Named “Centre in Almatest”",
        "since 2007-06-21 Named “Centre in Testana” (current name)",
    ]
    for field in ("opened_on", "closed_on", "dates_source", "history_note"):
        assert f'name="{field}"' in page
    assert 'name="dated_names-TOTAL_FORMS"' in page
    assert 'name="links_out-TOTAL_FORMS"' in page


def test_a_correction_by_hand_is_saved_logged_and_kept_in_a_revision(admin_client_site):
    node = renamed_office()
    almatest, testana_row = node.dated_names.all()
    names = [
        {"id": almatest.pk, "name": "Centre in Almatest", "valid_from": "1998-07-23",
         "valid_to": "2007-06-19", "source_url": "https://www.osce.org/pc/243"},
        {"id": testana_row.pk, "name": "Centre in Testana", "valid_from": "2007-06-20",
         "valid_to": "", "source_url": ""},
    ]  # fmt: skip
    response = admin_client_site.post(url(node, "change"), change_form_data(node, names=names))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert spans(node) == [
        ("Centre in Almatest", D(1998, 7, 23), D(2007, 6, 19)),
        ("Centre in Testana", D(2007, 6, 20), None),
    ]
    [(flag, message)] = log_messages(node)
    assert flag == CHANGE and "Centre in Almatest" in message
    assert Version.objects.get_for_object(node).count() == 1


def test_a_typo_correction_of_the_name_reaches_the_current_dated_name(admin_client_site):
    node = renamed_office()
    data = change_form_data(node, name="Centre in Testana City")
    # The current row's source is edited in the same post; its name box is the node's.
    data["dated_names-1-source_url"] = "https://www.osce.org/pc/testana"
    response = admin_client_site.post(url(node, "change"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert spans(node)[-1] == ("Centre in Testana City", D(2007, 6, 21), None)
    assert node.dated_names.get(valid_to__isnull=True).source_url == (
        "https://www.osce.org/pc/testana"
    )


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        (  # the second name begins before the first ends
            [("Centre in Almatest", "1998-07-23", "2007-06-20"),
             ("Centre in Testana", "2007-06-01", "")],
            "The names “Centre in Almatest” (1998-07-23 – 2007-06-20) and “Centre in Testana” "
            "(2007-06-01 – …) overlap: a name begins after the one before ends.",
        ),
        (  # a reversed span
            [("Centre in Almatest", "1998-07-23", "1998-01-01"),
             ("Centre in Testana", "2007-06-21", "")],
            "A name cannot end (1998-01-01) before it begins (1998-07-23).",
        ),
        (  # two names without an end
            [("Centre in Almatest", "1998-07-23", ""), ("Centre in Testana", "2007-06-21", "")],
            "Only the current name has no last day; “Centre in Almatest”, “Centre in Testana” "
            "have none. Give the earlier ones their last day.",
        ),
    ],
)  # fmt: skip
def test_the_dated_names_refuse_an_untrue_history(admin_client_site, rows, error):
    node = renamed_office()
    before = spans(node)
    existing = list(node.dated_names.all())
    names = [
        {"id": row.pk, "name": name, "valid_from": start, "valid_to": end, "source_url": ""}
        for row, (name, start, end) in zip(existing, rows, strict=True)
    ]
    response = admin_client_site.post(url(node, "change"), change_form_data(node, names=names))
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page.replace("&#x27;", "'")
    assert spans(node) == before
    assert log_messages(node) == []


def test_a_new_name_without_an_end_must_be_the_nodes_name(admin_client_site):
    node = renamed_office()
    names = [
        {"id": row.pk, "name": row.name, "valid_from": row.valid_from.isoformat(),
         "valid_to": "2014-12-31" if row.valid_to is None else row.valid_to.isoformat(),
         "source_url": ""}
        for row in node.dated_names.all()
    ] + [{"name": "Programme Office in Testana", "valid_from": "2015-01-01", "valid_to": "",
          "source_url": ""}]  # fmt: skip
    response = admin_client_site.post(url(node, "change"), change_form_data(node, names=names))
    assert response.status_code == 200
    assert (
        "The name without a last day is the current name, the node&#x27;s own "
        "(“Centre in Testana”)" in response.content.decode()
    )
    assert node.dated_names.count() == 2
    # Positive control: with the node's name changed too, it is a rename by hand.
    data = change_form_data(node, names=names, name="Programme Office in Testana")
    response = admin_client_site.post(url(node, "change"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert spans(node)[-2:] == [
        ("Centre in Testana", D(2007, 6, 21), D(2014, 12, 31)),
        ("Programme Office in Testana", D(2015, 1, 1), None),
    ]


def test_a_link_to_the_node_itself_is_a_form_error_not_a_500(admin_client_site):
    node = office("Office in Selfville", opened_on=D(2000, 1, 1))
    history.close(node, D(2005, 6, 30))
    node.refresh_from_db()
    links = [{"target": node.pk, "kind": NodeLink.SUCCEEDED_BY, "date": "2005-06-30",
              "source_url": ""}]  # fmt: skip
    response = admin_client_site.post(url(node, "change"), change_form_data(node, links=links))
    assert response.status_code == 200
    assert response.content.decode().count("A node cannot succeed itself.") == 1
    assert not StructureLink.objects.filter(source=node).exists()


def test_the_same_link_twice_is_a_form_error_not_a_500(admin_client_site):
    node = office("Office in Twiceton", opened_on=D(2000, 1, 1))
    other = office("Office in Onceton", opened_on=D(2005, 7, 1))
    history.close(node, D(2005, 6, 30), successor=other)
    node.refresh_from_db()
    [link] = node.links_out.all()
    links = [
        {"id": link.pk, "target": other.pk, "kind": "succeeded_by", "date": "2005-06-30",
         "source_url": ""},
        {"target": other.pk, "kind": "succeeded_by", "date": "", "source_url": ""},
    ]  # fmt: skip
    response = admin_client_site.post(url(node, "change"), change_form_data(node, links=links))
    assert response.status_code == 200
    assert "Please correct the duplicate data" in response.content.decode()
    assert StructureLink.objects.filter(source=node).count() == 1


def test_a_link_that_closes_a_circle_is_refused(admin_client_site):
    first = office("Office in Circleton", opened_on=D(2000, 1, 1))
    second = office("Office in Roundham", opened_on=D(2001, 1, 1))
    history.close(first, D(2005, 6, 30), successor=second)
    history.close(second, D(2006, 6, 30))
    second.refresh_from_db()
    links = [{"target": first.pk, "kind": NodeLink.SUCCEEDED_BY, "date": "", "source_url": ""}]
    response = admin_client_site.post(url(second, "change"), change_form_data(second, links=links))
    assert response.status_code == 200
    assert "already leads back to this node: that would be a circle." in response.content.decode()
    assert not StructureLink.objects.filter(source=second).exists()
    # Positive control: a link to a third node is fine.
    third = office("Office in Straightford", opened_on=D(2006, 7, 1))
    links = [{"target": third.pk, "kind": NodeLink.SUCCEEDED_BY, "date": "2006-06-30",
              "source_url": ""}]  # fmt: skip
    response = admin_client_site.post(url(second, "change"), change_form_data(second, links=links))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(
        StructureLink.objects.filter(source=second).values_list("target_id", flat=True)
    ) == [third.pk]


def test_an_open_node_gets_no_successor(admin_client_site):
    node = office("Office in Openfield", opened_on=D(2000, 1, 1))
    other = office("Office in Nextfield")
    links = [{"target": other.pk, "kind": NodeLink.SUCCEEDED_BY, "date": "", "source_url": ""}]
    response = admin_client_site.post(url(node, "change"), change_form_data(node, links=links))
    assert response.status_code == 200
    assert "Only a closed node has successors" in response.content.decode()
    assert not StructureLink.objects.filter(source=node).exists()


def test_a_post_without_the_history_inlines_changes_only_the_nodes_fields(admin_client_site):
    node = renamed_office()
    data = change_form_data(node, name="Centre in Testana City")
    for key in [k for k in data if k.startswith(("dated_names-", "links_out-"))]:
        del data[key]
    response = admin_client_site.post(url(node, "change"), data)
    assert response.status_code == 302
    assert spans(node) == [
        ("Centre in Almatest", D(1998, 7, 23), D(2007, 6, 20)),
        ("Centre in Testana City", D(2007, 6, 21), None),
    ]


# --- who may ---------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["rename", "close"])
def test_communications_staff_cannot_rename_or_close(client, comms_user, site_admin, view):
    node = renamed_office()
    client.force_login(site_admin)  # the control: a Site administrator can
    assert client.get(url(node, view)).status_code == 200
    client.logout()
    client.force_login(comms_user)
    assert client.get(url(node, view)).status_code == 403
    data = (
        rename_data(node)
        if view == "rename"
        else {"current_name": node.name, "closed_on": "2007-12-31", "kind": "succeeded_by"}
    )
    assert client.post(url(node, view), data).status_code == 403
    node.refresh_from_db()
    assert node.name == "Centre in Testana" and node.is_active
    assert log_messages(node) == []


def test_communications_staff_see_the_timeline_but_no_rename_or_close(comms_client):
    node = renamed_office()
    page = comms_client.get(url(node, "change")).content.decode()
    assert "Named “Centre in Almatest”" in page
    assert url(node, "rename") not in page and url(node, "close") not in page
    assert 'name="dated_names-0-valid_from"' not in page  # read only


def test_an_unknown_node_is_not_a_500(admin_client_site):
    response = admin_client_site.get("/admin/taxonomy/structure/999999999/rename/")
    assert response.status_code == 302
    response = admin_client_site.get("/admin/taxonomy/structure/nonsense/close/")
    assert response.status_code == 302
