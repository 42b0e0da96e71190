"""The home page shows the navigation built from the trees."""

import re

import pytest
import time_machine

from taxonomy.models import Topic
from taxonomy.navigation import build_navigation

pytestmark = pytest.mark.usefixtures("taxonomy")


def test_home_shows_the_three_menus(client):
    page = client.get("/").content.decode()
    for section in ("Our work", "Countries", "Structures and institutions"):
        assert section in page
    assert "Conflict Prevention Centre" in page
    assert "Mission to Moldova" in page


@pytest.mark.parametrize(
    ("moment", "shown", "not_shown"),
    [
        ("2024-06-01 12:00 +00:00", "Malta – OSCE Chairpersonship 2024", "2025"),
        ("2025-06-01 12:00 +00:00", "Finland – OSCE Chairpersonship 2025", "2024"),
        # Already 2025 in Vienna, where the site's year turns, though not yet in UTC.
        ("2024-12-31 23:30 +00:00", "Finland – OSCE Chairpersonship 2025", "2024"),
    ],
)
def test_the_chair_of_the_current_year_is_labelled(client, moment, shown, not_shown):
    with time_machine.travel(moment, tick=False):
        page = client.get("/").content.decode()
    assert shown in page
    assert f"OSCE Chairpersonship {not_shown}" not in page


def test_navigation_is_refreshed_when_a_tree_changes(client):
    client.get("/")
    youth = Topic.objects.get(slug="youth")
    youth.name = "Youth and security"
    youth.save()
    assert "Youth and security" in client.get("/").content.decode()


def test_the_menu_kept_as_html_follows_a_tree_edit(client):
    """The menu's HTML is kept per process under the trees' version: an edit renders it anew."""

    def menu():
        page = client.get("/press/").content.decode()
        return page.split('<nav class="site-nav"')[1].split("</nav>")[0]

    assert ">Youth</a>" in menu()  # the control: the name before the edit
    youth = Topic.objects.get(slug="youth")
    youth.name = "Youth and security"
    youth.save()
    assert ">Youth and security</a>" in menu()
    assert ">Youth</a>" not in menu()


def test_navigation_is_built_with_one_query_per_tree(django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        build_navigation()


CLOSED_BADGE = r'%s</a>\s*<span class="badge">closed</span>'


def test_closed_operations_are_labelled_closed(client):
    page = client.get("/structures/closed-field-activities/").content.decode()
    assert re.search(CLOSED_BADGE % "Mission to Georgia", page)
    # The control: an operation still at work carries no such badge.
    page = client.get("/structures/field-operations/").content.decode()
    assert "Mission to Moldova" in page
    assert not re.search(CLOSED_BADGE % "Mission to Moldova", page)


@pytest.mark.parametrize(
    "url",
    [
        "/topics/",
        "/topics/media-freedom-and-development/",
        "/countries/",
        "/countries/moldova/",
        "/structures/",
        "/structures/secretariat/conflict-prevention-centre/",
        "/meetings/",
        "/meetings/ministerial-council-meetings/",
    ],
)
def test_tree_pages_answer(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/topics/atlantis/", "/structures/x/y/", "/countries/x%00/"])
def test_paths_that_name_nothing_are_404(client, url):
    assert client.get(url).status_code == 404


def test_an_out_of_date_structure_path_redirects(client):
    response = client.get("/structures/conflict-prevention-centre/?page=2")
    assert response.status_code == 301
    assert response["Location"] == "/structures/secretariat/conflict-prevention-centre/?page=2"


def test_country_page_lists_its_field_operations(client):
    page = client.get("/countries/moldova/").content.decode()
    assert "Mission to Moldova" in page


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def _group_items(navigation, section_id, group_name):
    section = next(s for s in navigation["sections"] if s["id"] == section_id)
    group = next(g for g in section["groups"] if g["name"] == group_name)
    return [item["name"] for item in group["items"]]


def test_a_closed_field_operation_leaves_the_current_list():
    from taxonomy.models import Structure

    before = build_navigation()
    assert "Mission to Moldova" in _group_items(before, "our-work", "Field operations")
    assert "Mission to Moldova" in _group_items(before, "structures", "Field operations")

    moldova = Structure.objects.get(slug="mission-to-moldova")
    moldova.is_active = False  # closed by an administrator, not moved
    moldova.save()

    after = build_navigation()
    for section_id in ("our-work", "structures"):
        current = _group_items(after, section_id, "Field operations")
        assert "Mission to Moldova" not in current
        assert "Mission to Serbia" in current  # the open ones stay
    # Its own page stays, marked closed.
    assert "Mission to Georgia" in _group_items(after, "structures", "Closed field activities")
