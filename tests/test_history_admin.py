"""Keeping history true in the tree admin: rename, close, the timeline and corrections by hand.

A Site administrator renames a node from a day ("Rename…"), closes it with
a successor ("Close…") and corrects its dated names and links on its change
page; each is refused with a form error when it would make the history
untrue, and each leaves a log entry and a revision. Expected names, days and
messages are written out here, not derived from the code.
"""

import datetime
import re
import threading

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.forms import modelform_factory
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from taxonomy import history
from taxonomy.admin import NodeForm
from taxonomy.admin_history import node_page_version as page_version
from taxonomy.models import (
    Country,
    NodeLink,
    OldNodeSlug,
    Structure,
    StructureLink,
    StructureName,
)

from .conftest import make_user, requires_postgres

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


def nonfield_errors(page):
    """The errors Django's admin shows above a form's fields."""
    found = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def other_admin():
    """A second Site administrator, in a browser of their own."""
    user = make_user("berta", group="Site administrators")
    user.first_name, user.last_name = "Berta", "Beispiel"
    user.save()
    browser = Client()
    browser.force_login(user)
    return browser


def at(hour, minute):
    """A moment of 2025-03-04 in UTC (Vienna, the site's time zone, is an hour ahead)."""
    return datetime.datetime(2025, 3, 4, hour, minute, tzinfo=datetime.UTC)


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


def version_on_page(client, node):
    """The version of the node its change page carries, read from the page as a browser does."""
    page = client.get(url(node, "change")).content.decode()
    [version] = re.findall(r'<input type="hidden" name="node_version" value="([^"]+)"', page)
    return version


def change_form_data(client, node, *, names=None, links=None, **overrides):
    """What the change page of a structure posts: its fields and every inline, as they are.

    The page is read first (through ``client``): its version goes with the
    post, as the browser sends it. ``names`` and ``links`` replace the dated
    names' and links' rows (dicts; an "id" keeps an existing row).
    """
    day = lambda value: value.isoformat() if value else ""  # noqa: E731
    node.refresh_from_db()
    data = {
        "node_version": version_on_page(client, node),
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
    ) == [(successor.pk, "succeeded_by", D(2008, 1, 1))]  # its first day: the day after
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
    data = change_form_data(admin_client_site, node, closed_on="", is_active="on")
    response = admin_client_site.post(url(node, "change"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    node.refresh_from_db()
    assert node.is_active and node.closed_on is None


def test_an_active_node_with_a_closing_day_is_refused(admin_client_site):
    node = office("Office in Halfway", opened_on=D(2000, 1, 1))
    response = admin_client_site.post(
        url(node, "change"), change_form_data(admin_client_site, node, closed_on="2005-06-30")
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
    response = admin_client_site.post(
        url(node, "change"), change_form_data(admin_client_site, node, names=names)
    )
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
    data = change_form_data(admin_client_site, node, name="Centre in Testana City")
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
    response = admin_client_site.post(
        url(node, "change"), change_form_data(admin_client_site, node, names=names)
    )
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
    response = admin_client_site.post(
        url(node, "change"), change_form_data(admin_client_site, node, names=names)
    )
    assert response.status_code == 200
    assert (
        "The name without a last day is the current name, the node&#x27;s own "
        "(“Centre in Testana”)" in response.content.decode()
    )
    assert node.dated_names.count() == 2
    # Positive control: with the node's name changed too, it is a rename by hand.
    data = change_form_data(
        admin_client_site, node, names=names, name="Programme Office in Testana"
    )
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
    response = admin_client_site.post(
        url(node, "change"), change_form_data(admin_client_site, node, links=links)
    )
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
    response = admin_client_site.post(
        url(node, "change"), change_form_data(admin_client_site, node, links=links)
    )
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
    response = admin_client_site.post(
        url(second, "change"), change_form_data(admin_client_site, second, links=links)
    )
    assert response.status_code == 200
    assert "already leads back to this node: that would be a circle." in response.content.decode()
    assert not StructureLink.objects.filter(source=second).exists()
    # Positive control: a link to a third node is fine.
    third = office("Office in Straightford", opened_on=D(2006, 7, 1))
    links = [{"target": third.pk, "kind": NodeLink.SUCCEEDED_BY, "date": "2006-06-30",
              "source_url": ""}]  # fmt: skip
    response = admin_client_site.post(
        url(second, "change"), change_form_data(admin_client_site, second, links=links)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(
        StructureLink.objects.filter(source=second).values_list("target_id", flat=True)
    ) == [third.pk]


def test_an_open_node_gets_no_successor(admin_client_site):
    node = office("Office in Openfield", opened_on=D(2000, 1, 1))
    other = office("Office in Nextfield")
    links = [{"target": other.pk, "kind": NodeLink.SUCCEEDED_BY, "date": "", "source_url": ""}]
    response = admin_client_site.post(
        url(node, "change"), change_form_data(admin_client_site, node, links=links)
    )
    assert response.status_code == 200
    assert "Only a closed node has successors" in response.content.decode()
    assert not StructureLink.objects.filter(source=node).exists()


def test_a_post_without_the_history_inlines_changes_only_the_nodes_fields(admin_client_site):
    node = renamed_office()
    data = change_form_data(admin_client_site, node, name="Centre in Testana City")
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


# --- a change page read before someone else's change ------------------------------------

STALE_ADVICE = (
    "Nothing was saved, so as not to undo that. Copy your changes (they are still in the "
    "form below), reload the page, and make them again."
)


def test_saving_a_page_read_before_a_rename_is_refused_and_names_who_renamed_it(
    admin_client_site,
):
    node = renamed_office()
    berta = other_admin()
    with time_machine.travel(at(9, 0), tick=False) as clock:
        # The page as first read, with a description typed into it.
        stale = change_form_data(admin_client_site, node, description="Typed before the rename")
        clock.move_to(at(9, 15))
        assert berta.post(url(node, "rename"), rename_data(node)).status_code == 302
        clock.move_to(at(9, 20))

        response = admin_client_site.post(url(node, "change"), stale)

    assert response.status_code == 200
    page = response.content.decode()
    assert nonfield_errors(page) == [
        "Berta Beispiel saved this structure at 2025-03-04 10:15, after you opened this page "
        "(Renamed “Centre in Testana” → “Programme Office in Testana” from 2015-01-01). "
        + STALE_ADVICE
    ]
    # What they typed is all there; the page keeps the version it was read at.
    assert "Typed before the rename</textarea>" in page
    assert f'name="node_version" value="{stale["node_version"]}"' in page
    # It offers to open the saved version, or to reload.
    box = page.split("data-stale>")[1].split("</div>")[0]
    assert box.count(f'href="{url(node, "change")}"') == 2
    node.refresh_from_db()
    assert node.name == "Programme Office in Testana" and node.description == ""
    assert spans(node) == [
        ("Centre in Almatest", D(1998, 7, 23), D(2007, 6, 20)),
        ("Centre in Testana", D(2007, 6, 21), D(2014, 12, 31)),
        ("Programme Office in Testana", D(2015, 1, 1), None),
    ]
    assert [message for _flag, message in log_messages(node)] == [
        "Renamed “Centre in Testana” → “Programme Office in Testana” from 2015-01-01"
    ]
    # Sending the same page again is refused again: only a reloaded page saves.
    assert admin_client_site.post(url(node, "change"), stale).status_code == 200
    node.refresh_from_db()
    assert node.name == "Programme Office in Testana"
    # Positive control: the reloaded page, with the same change typed in, saves.
    fresh = change_form_data(admin_client_site, node, description="Typed before the rename")
    response = admin_client_site.post(url(node, "change"), fresh)
    assert response.status_code == 302, response.content.decode()[:3000]
    node.refresh_from_db()
    assert node.description == "Typed before the rename"
    assert node.name == "Programme Office in Testana"
    assert spans(node)[-1] == ("Programme Office in Testana", D(2015, 1, 1), None)


def test_saving_a_page_read_before_a_closing_is_refused(admin_client_site):
    node = renamed_office()
    successor = office("Office in Testana", opened_on=D(2008, 1, 1))
    berta = other_admin()
    with time_machine.travel(at(13, 0), tick=False) as clock:
        stale = change_form_data(admin_client_site, node, history_note="Typed before the closing")
        clock.move_to(at(13, 5))
        response = berta.post(url(node, "close"), {
            "current_name": "Centre in Testana", "closed_on": "2007-12-31",
            "successor": successor.pk, "kind": "succeeded_by",
        })  # fmt: skip
        assert response.status_code == 302
        clock.move_to(at(13, 30))

        response = admin_client_site.post(url(node, "change"), stale)

    assert response.status_code == 200
    page = response.content.decode()
    assert nonfield_errors(page) == [
        "Berta Beispiel saved this structure at 2025-03-04 14:05, after you opened this page "
        "(Closed on 2007-12-31: succeeded by “Office in Testana”). " + STALE_ADVICE
    ]
    assert "Typed before the closing</textarea>" in page
    node.refresh_from_db()
    assert node.is_active is False and node.closed_on == D(2007, 12, 31)
    assert node.history_note == ""
    assert list(node.links_out.values_list("target_id", flat=True)) == [successor.pk]
    # Positive control: the reloaded page saves, and the node stays closed.
    fresh = change_form_data(admin_client_site, node, history_note="Typed before the closing")
    response = admin_client_site.post(url(node, "change"), fresh)
    assert response.status_code == 302, response.content.decode()[:3000]
    node.refresh_from_db()
    assert node.history_note == "Typed before the closing"
    assert node.is_active is False and node.closed_on == D(2007, 12, 31)
    assert list(node.links_out.values_list("target_id", flat=True)) == [successor.pk]


def test_a_page_read_before_another_save_of_the_form_is_refused(admin_client_site):
    node = office("Office in Savesworth", opened_on=D(2000, 1, 1))
    berta = other_admin()
    with time_machine.travel(at(8, 0), tick=False) as clock:
        stale = change_form_data(admin_client_site, node, description="Mine")
        clock.move_to(at(8, 1))
        theirs = change_form_data(berta, node, description="Theirs")
        assert berta.post(url(node, "change"), theirs).status_code == 302
        clock.move_to(at(8, 2))
        response = admin_client_site.post(url(node, "change"), stale)
    assert response.status_code == 200
    assert nonfield_errors(response.content.decode()) == [
        "Berta Beispiel saved this structure at 2025-03-04 09:01, after you opened this page "
        "(Changed Description). " + STALE_ADVICE
    ]
    node.refresh_from_db()
    assert node.description == "Theirs"


def test_a_change_made_outside_the_admin_is_refused_without_a_name(admin_client_site):
    node = renamed_office()
    stale = change_form_data(admin_client_site, node, description="Mine")
    history.rename(node, "Programme Office in Testana", D(2015, 1, 1))  # a script, no log entry
    response = admin_client_site.post(url(node, "change"), stale)
    assert response.status_code == 200
    assert nonfield_errors(response.content.decode()) == [
        "This structure was changed after you opened this page (not in the admin: there is no "
        "record of who). " + STALE_ADVICE
    ]
    node.refresh_from_db()
    assert node.name == "Programme Office in Testana" and node.description == ""


def test_moving_the_node_makes_its_page_stale_moving_others_does_not(admin_client_site):
    node = office("Office in Stillwater", opened_on=D(2000, 1, 1))
    sibling = office("Office in Movewell", opened_on=D(2000, 1, 1))
    changelist = reverse("admin:taxonomy_structure_changelist")
    page = change_form_data(admin_client_site, node, description="Mine")
    # Another node dragged before this one (its lft and rght change): the page still saves.
    moved = admin_client_site.post(changelist, {
        "cmd": "move_node", "cut_item": sibling.pk, "pasted_on": node.pk, "position": "left",
    })  # fmt: skip
    assert moved.content == b"OK, moved."
    response = admin_client_site.post(url(node, "change"), page)
    assert response.status_code == 302, response.content.decode()[:3000]
    node.refresh_from_db()
    assert node.description == "Mine"
    # The node itself dragged under another parent: a page read before would move it back.
    page = change_form_data(admin_client_site, node, description="Mine again")
    secretariat = Structure.objects.get(slug="secretariat")
    moved = admin_client_site.post(changelist, {
        "cmd": "move_node", "cut_item": node.pk, "pasted_on": secretariat.pk,
        "position": "last-child",
    })  # fmt: skip
    assert moved.content == b"OK, moved."
    response = admin_client_site.post(url(node, "change"), page)
    assert response.status_code == 200
    [error] = nonfield_errors(response.content.decode())
    assert error.startswith("siteadmin saved this structure at ") and error.endswith(STALE_ADVICE)
    node.refresh_from_db()
    assert node.parent == secretariat and node.description == "Mine"


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_rename_cannot_slip_in_between_the_version_check_and_the_save(taxonomy):
    node = office("Office in Lockwood", opened_on=D(2000, 1, 1))
    form_class = modelform_factory(
        Structure, form=NodeForm, fields=["name", "slug", "parent", "description", "is_active"]
    )
    data = {
        "name": node.name, "slug": node.slug, "parent": node.parent_id,
        "description": "Mine", "is_active": "on", "node_version": page_version(node),
    }  # fmt: skip
    outcome = {}

    def rename_elsewhere():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                renamed = Structure.objects.get(pk=node.pk)
                history.rename(renamed, "Office in Lockham", D(2010, 1, 1))
            outcome["renamed"] = True
        except OperationalError as exc:
            outcome["error"] = str(exc)
        finally:
            connections.close_all()

    def in_a_thread():
        outcome.clear()
        thread = threading.Thread(target=rename_elsewhere)
        thread.start()
        thread.join(30)

    with transaction.atomic():  # the admin's transaction around the form
        form = form_class(data, instance=node)
        assert form.is_valid(), form.errors
        in_a_thread()  # checked, not yet saved: a rename waits for the lock
        assert "lock timeout" in outcome["error"]
        form.save()
    node.refresh_from_db()
    assert node.description == "Mine" and node.name == "Office in Lockwood"
    in_a_thread()  # the control: once the save is committed, the same rename goes through
    assert outcome == {"renamed": True}
    node.refresh_from_db()
    assert node.name == "Office in Lockham"


def test_a_post_without_the_version_is_taken_only_where_it_can_undo_nothing(
    admin_client_site,
):
    node = renamed_office()  # renamed before: a page of unknown age could undo that
    data = change_form_data(admin_client_site, node, description="From a script")
    del data["node_version"]
    response = admin_client_site.post(url(node, "change"), data)
    assert response.status_code == 200
    assert nonfield_errors(response.content.decode()) == [
        "This form came without the version of its page: whether this structure changed after "
        "the page was opened cannot be told, and it has a history (saves, a rename or a "
        "closing) that saving could undo. Nothing was saved: reload the page and make your "
        "changes again."
    ]
    node.refresh_from_db()
    assert node.description == ""
    # Positive control: a node never changed, renamed nor closed takes such a post.
    plain = office("Office in Plainfield")
    data = change_form_data(admin_client_site, plain, name="Office in Plainfield Town")
    del data["node_version"]
    response = admin_client_site.post(url(plain, "change"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    plain.refresh_from_db()
    assert plain.name == "Office in Plainfield Town"
    # A page's version that is not the node's (made up, or emptied) is no version at all.
    data = change_form_data(admin_client_site, plain, description="Made up", node_version="")
    assert admin_client_site.post(url(plain, "change"), data).status_code == 200
    plain.refresh_from_db()
    assert plain.description == ""


def test_the_add_form_needs_no_version(admin_client_site):
    response = admin_client_site.post(reverse("admin:taxonomy_structure_add"), {
        "name": "Office in Newfield", "slug": "office-in-newfield",
        "parent": field_operations().pk, "country": "", "description": "", "is_active": "on",
        "opened_on": "", "closed_on": "", "dates_source": "", "history_note": "",
        "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Structure.objects.get(slug="office-in-newfield").parent == field_operations()
    page = admin_client_site.get(reverse("admin:taxonomy_structure_add")).content.decode()
    assert 'name="node_version"' not in page


# --- rows of the database that a post leaves out --------------------------------------


def test_the_dated_names_count_the_rows_a_post_leaves_out(admin_client_site):
    node = office("Office in Newham", opened_on=D(1990, 1, 1))
    StructureName.objects.create(
        node=node, name="Office in Oldham", valid_from=D(1990, 1, 1), valid_to=D(1995, 12, 31)
    )
    current = StructureName.objects.create(
        node=node, name="Office in Newham", valid_from=D(2000, 1, 1)
    )

    def post(start):
        # Only the current row is posted; "Office in Oldham" stays in the database.
        names = [
            {"id": current.pk, "name": "Office in Newham", "valid_from": "2000-01-01",
             "valid_to": "", "source_url": ""},
            {"name": "Office in Midham", "valid_from": start, "valid_to": "1999-12-31",
             "source_url": ""},
        ]  # fmt: skip
        data = change_form_data(admin_client_site, node, names=names)
        return admin_client_site.post(url(node, "change"), data)

    response = post("1994-01-01")
    assert response.status_code == 200
    assert (
        "The names “Office in Oldham” (1990-01-01 – 1995-12-31) and “Office in Midham” "
        "(1994-01-01 – 1999-12-31) overlap: a name begins after the one before ends. Not among "
        "the rows below (saved after this page was opened): “Office in Oldham” (1990-01-01 – "
        "1995-12-31). Reload the page to see it."
    ) in response.content.decode()
    assert [name for name, *_days in spans(node)] == ["Office in Oldham", "Office in Newham"]
    # Positive control: in the gap between them it is saved, and the row left out stays.
    response = post("1996-01-01")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert spans(node) == [
        ("Office in Oldham", D(1990, 1, 1), D(1995, 12, 31)),
        ("Office in Midham", D(1996, 1, 1), D(1999, 12, 31)),
        ("Office in Newham", D(2000, 1, 1), None),
    ]


def test_reopening_counts_the_links_a_post_leaves_out(admin_client_site):
    node = office("Office in Shutwell", opened_on=D(2000, 1, 1))
    successor = office("Office in Openwell", opened_on=D(2005, 7, 1))
    history.close(node, D(2005, 6, 30), successor=successor)
    # Reopened by a post that does not show the link.
    data = change_form_data(admin_client_site, node, links=[], closed_on="", is_active="on")
    response = admin_client_site.post(url(node, "change"), data)
    assert response.status_code == 200
    assert (
        "Only a closed node has successors: untick “active” above (and give the day it closed), "
        "or delete the link. Not among the rows below (saved after this page was opened): "
        "succeeded by “Office in Openwell”. Reload the page to see it."
    ) in response.content.decode()
    node.refresh_from_db()
    assert node.is_active is False and node.closed_on == D(2005, 6, 30)
    # Positive control: reopened with the link shown and deleted, it is saved.
    [link] = node.links_out.all()
    links = [{"id": link.pk, "target": successor.pk, "kind": "succeeded_by",
              "date": link.date.isoformat(), "source_url": "", "DELETE": "on"}]  # fmt: skip
    data = change_form_data(admin_client_site, node, links=links, closed_on="", is_active="on")
    response = admin_client_site.post(url(node, "change"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    node.refresh_from_db()
    assert node.is_active and node.closed_on is None
    assert not node.links_out.exists()


# --- a former name's address ------------------------------------------------------------


def test_a_former_name_added_by_hand_keeps_its_old_address(admin_client_site, client):
    node = office("Office in Newtown", opened_on=D(2000, 1, 1))
    current = StructureName.objects.create(
        node=node, name="Office in Newtown", valid_from=D(2000, 1, 1)
    )
    old_address = "/structures/field-operations/office-in-oldtown/"
    assert client.get(old_address).status_code == 404  # the control: no such address yet
    names = [  # the existing rows first, as the page lists them
        {"id": current.pk, "name": "Office in Newtown", "valid_from": "2005-01-01",
         "valid_to": "", "source_url": ""},
        {"name": "Office in Oldtown", "valid_from": "2000-01-01", "valid_to": "2004-12-31",
         "source_url": ""},
    ]  # fmt: skip
    response = admin_client_site.post(
        url(node, "change"), change_form_data(admin_client_site, node, names=names)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert OldNodeSlug.objects.filter(tree="structure", slug="office-in-oldtown").get().node_id == (
        node.pk
    )
    old = client.get(old_address)
    assert old.status_code == 301
    assert old["Location"] == "/structures/field-operations/office-in-newtown/"


# --- a link of a kind the code does not know ----------------------------------------------


def test_a_link_of_an_unknown_kind_is_refused_by_the_database_or_shown_as_stored(
    admin_client_site, monkeypatch
):
    node = office("Office in Kindton", opened_on=D(2000, 1, 1))
    successor = office("Office in Kindham", opened_on=D(2005, 7, 1))
    history.close(node, D(2005, 6, 30), successor=successor)
    # The control: the known kind, read from both ends.
    assert "Succeeded by <a" in admin_client_site.get(url(node, "change")).content.decode()
    assert "Preceded by <a" in admin_client_site.get(url(successor, "change")).content.decode()
    try:
        with transaction.atomic():
            StructureLink.objects.filter(source=node).update(kind="oops")
    except IntegrityError:
        # The database's constraint refuses it: nothing unknown can be stored.
        assert list(node.links_out.values_list("kind", flat=True)) == ["succeeded_by"]
    else:
        for page_of in (node, successor):
            response = admin_client_site.get(url(page_of, "change"))
            assert response.status_code == 200
            assert f'Oops <a href="{url(successor if page_of == node else node, "change")}">' in (
                response.content.decode()
            )
    # Whatever the database holds: a kind without a label to read it by shows as stored.
    monkeypatch.setattr(NodeLink, "INVERSE", {})
    response = admin_client_site.get(url(successor, "change"))
    assert response.status_code == 200
    kind = node.links_out.get().kind
    assert f'{kind[0].upper()}{kind[1:]} <a href="{url(node, "change")}">' in (
        response.content.decode()
    )


# --- days a rename or closing cannot have ---------------------------------------------------


def tomorrow():
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("day", "error"),
    [
        ("0001-01-01", "Enter a day from 1900 on."),
        (tomorrow, "That day has not come yet: record it on or after the day."),
    ],
)
def test_a_rename_dated_before_1900_or_in_the_future_is_refused_on_the_form(
    admin_client_site, day, error
):
    node = renamed_office()
    day = day() if callable(day) else day
    response = admin_client_site.post(url(node, "rename"), rename_data(node, valid_from=day))
    assert response.status_code == 200
    page = response.content.decode()
    assert field_errors(page, "valid_from") == [error]
    assert f'value="{day}"' in page
    node.refresh_from_db()
    assert node.name == "Centre in Testana" and len(spans(node)) == 2
    # Positive control: today is a day a rename can have.
    today = timezone.localdate()
    response = admin_client_site.post(
        url(node, "rename"), rename_data(node, valid_from=today.isoformat())
    )
    assert response.status_code == 302
    assert spans(node)[-1] == ("Programme Office in Testana", today, None)


@pytest.mark.parametrize(
    ("day", "error"),
    [
        ("0001-01-01", "Enter a day from 1900 on."),
        (tomorrow, "That day has not come yet: record it on or after the day."),
    ],
)
def test_a_closing_dated_before_1900_or_in_the_future_is_refused_on_the_form(
    admin_client_site, day, error
):
    node = renamed_office()
    day = day() if callable(day) else day
    data = {"current_name": "Centre in Testana", "closed_on": day, "kind": "succeeded_by"}
    response = admin_client_site.post(url(node, "close"), data)
    assert response.status_code == 200
    assert field_errors(response.content.decode(), "closed_on") == [error]
    node.refresh_from_db()
    assert node.is_active and node.closed_on is None
    # Positive control: today is a day a closing can have.
    today = timezone.localdate()
    response = admin_client_site.post(url(node, "close"), {**data, "closed_on": today.isoformat()})
    assert response.status_code == 302
    node.refresh_from_db()
    assert node.closed_on == today and not node.is_active
