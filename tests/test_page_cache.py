"""The anonymous page cache is fast and never stale."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from press import workflow
from press.versions import public_timeout
from taxonomy.models import Topic

from .conftest import make_release, make_user

pytestmark = pytest.mark.usefixtures("taxonomy")


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True
    settings.PAGE_CACHE_SECONDS = 300


def test_second_anonymous_request_is_a_hit_with_one_query(client, django_assert_num_queries):
    make_release("Cached")
    assert client.get("/press/")["X-Cache"] == "MISS"
    with django_assert_num_queries(1) as queries:
        response = client.get("/press/")
    assert response["X-Cache"] == "HIT"
    assert b"Cached" in response.content
    # The one query reads the trees' version, which lives in the database.
    assert "taxonomy_treeversion" in queries.captured_queries[0]["sql"]


def test_publish_shows_on_the_very_next_request(client):
    release = make_release("Fresh news", status="in_review")
    assert b"Fresh news" not in client.get("/press/").content
    workflow.perform(release.pk, "approve", make_user("publisher", group="Publishers"))
    assert b"Fresh news" in client.get("/press/").content
    assert client.get(release.get_absolute_url()).status_code == 200


def test_edit_shows_on_the_very_next_request(client):
    release = make_release("Old title")
    client.get("/press/")
    client.get(release.get_absolute_url())
    release.title = "New title"
    release.save()
    assert b"New title" in client.get("/press/").content
    assert b"New title" in client.get(release.get_absolute_url()).content


def test_withdrawing_shows_on_the_very_next_request(client):
    release = make_release("Taken back")
    assert b"withdrawn" not in client.get(release.get_absolute_url()).content
    assert b"Taken back" in client.get("/press/").content
    publisher = make_user("publisher", group="Publishers")
    workflow.perform(release.pk, "withdraw", publisher, comment="Wrong venue.")
    page = client.get(release.get_absolute_url())
    assert page.status_code == 200 and b"This release was withdrawn on" in page.content
    assert b"Taken back" not in client.get("/press/").content
    assert b"Taken back" not in client.get("/press/feed/").content


def test_retagging_shows_on_the_very_next_request(client):
    release = make_release("Retagged", tags={"countries": ["moldova"]})
    assert b"Retagged" in client.get("/countries/moldova/").content
    release.countries.set([])
    assert b"Retagged" not in client.get("/countries/moldova/").content


def test_tree_rename_shows_on_the_very_next_request(client):
    assert b"Youth" in client.get("/topics/").content
    node = Topic.objects.get(slug="youth")
    node.name = "Youth and security"
    node.save()
    assert b"Youth and security" in client.get("/topics/").content
    assert b"Youth and security" in client.get("/").content  # the navigation too


def test_a_scheduled_release_appears_at_its_time_with_the_cache_on(client):
    noon = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(noon, tick=False) as traveller:
        make_release("Embargoed statement", published_at=noon + timedelta(seconds=90))
        assert b"Embargoed statement" not in client.get("/press/").content
        assert public_timeout() == 90  # the cached page cannot outlive the embargo
        traveller.shift(timedelta(seconds=89))
        assert b"Embargoed statement" not in client.get("/press/").content
        traveller.shift(timedelta(seconds=1))
        assert b"Embargoed statement" in client.get("/press/").content


def test_page_lifetime_is_the_default_without_scheduled_releases():
    make_release("Already out")
    assert public_timeout() == 300


def test_logged_in_users_bypass_the_cache(client, comms_user):
    make_release("Visible")
    client.get("/press/")
    assert client.get("/press/")["X-Cache"] == "HIT"  # the control: anonymous is served cached
    client.force_login(comms_user)
    response = client.get("/press/")
    assert "X-Cache" not in response


def test_conditional_get_answers_304(client):
    make_release("Etagged")
    first = client.get("/press/")
    etag = first["ETag"]
    assert client.get("/press/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    cached = client.get("/press/", HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304


@pytest.mark.parametrize("url", ["/press/feed/", "/countries/moldova/"])
def test_feeds_and_node_pages_have_etags(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.has_header("ETag")
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_errors_are_not_cached(client):
    assert client.get("/press/no-such-release/").status_code == 404
    release = make_release("No such release")
    release.slug = "no-such-release"
    release.save()
    assert client.get("/press/no-such-release/").status_code == 200
