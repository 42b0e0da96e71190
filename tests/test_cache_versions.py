"""Two versions: the trees' (in the database) and the releases' (in the cache).

A release edit never rebuilds the menu or the tree indexes a process keeps;
a tree edit in any process reaches every process's next request, whatever
the cache backend, here a DummyCache that keeps nothing.
"""

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext, override_settings

from press import workflow
from press.versions import release_version
from taxonomy.index import tree_index
from taxonomy.models import Chairpersonship, Country, OldNodeSlug, Topic, TreeVersion
from taxonomy.navigation import get_navigation
from taxonomy.versions import bump_tree_version, tree_version

from .conftest import make_release, make_user

pytestmark = pytest.mark.usefixtures("taxonomy")

NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
VERSION_TABLE = "taxonomy_treeversion"
#: How the next scheduled publication is read: the earliest future time, alone.
NEXT_PUBLICATION = 'SELECT "press_pressrelease"."published_at" AS "published_at" FROM'


@pytest.fixture
def no_cache(settings):
    settings.PAGE_CACHE_ENABLED = True  # on, as in production: it must store nothing
    with override_settings(CACHES=NO_CACHE):
        yield


def reads(queries, fragment):
    return [q["sql"] for q in queries.captured_queries if fragment in q["sql"]]


def topic_names():
    return {ref.name for ref in tree_index(Topic).refs}


# --- (a) which writes change which version ----------------------------------


def test_saving_and_publishing_a_release_leaves_the_tree_version():
    trees, releases = tree_version(), release_version()
    release = make_release("Drafted", status="in_review", tags={"topics": ["youth"]})
    release.title = "Drafted, then edited"
    release.save()
    workflow.perform(release.pk, "approve", make_user("publisher", group="Publishers"))
    release.topics.set([Topic.objects.get(slug="elections")])
    assert tree_version() == trees
    assert release_version() != releases  # the control: the release side did change


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda: _rename("youth", "Youth and security"), id="rename"),
        pytest.param(lambda: Topic.objects.create(name="New field"), id="insert"),
        pytest.param(
            lambda: Topic.objects.get(slug="youth").move_to(
                Topic.objects.get(slug="elections"), "first-child"
            ),
            id="move",
        ),
        pytest.param(
            lambda: Topic.objects.get(slug="youth").aliases.create(name="Young people"), id="alias"
        ),
        pytest.param(
            lambda: Chairpersonship.objects.create(
                year=2099, country=Country.objects.get(slug="moldova")
            ),
            id="chairpersonship",
        ),
        pytest.param(
            lambda: OldNodeSlug.objects.create(tree="topic", slug="young", node_id=1),
            id="old-slug",
        ),
    ],
)
def test_a_tree_edit_changes_the_tree_version_and_not_the_release_version(edit):
    trees, releases = tree_version(), release_version()
    edit()
    assert tree_version() != trees
    assert release_version() == releases


def _rename(slug, name):
    node = Topic.objects.get(slug=slug)
    node.name = name
    node.save()


def test_a_rolled_back_tree_edit_never_names_a_later_tree():
    before = tree_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        _rename("youth", "Rolled back")
        assert "Rolled back" in topic_names()  # this process built an index from it
        raise RuntimeError
    assert tree_version() == before
    _rename("elections", "Elections, renamed")  # the next edit, a new version
    names = topic_names()
    assert "Elections, renamed" in names
    assert "Rolled back" not in names and "Youth" in names


# --- (b) per-process copies, with a cache that keeps nothing ------------------


def test_a_tree_rename_shows_on_the_next_request_without_a_cache(client, no_cache):
    assert "Youth and security" not in client.get("/").content.decode()
    _rename("youth", "Youth and security")
    assert "Youth and security" in client.get("/").content.decode()  # the navigation
    assert "Youth and security" in client.get("/topics/").content.decode()
    listing = client.get("/press/").content.decode()  # the topic facet, from the tree index
    assert "Youth and security" in listing


def test_another_process_s_tree_edit_shows_on_the_next_request(client, no_cache):
    """All that crosses processes is the database: a row changed there, no signal here."""
    client.get("/")
    client.get("/press/")
    node = Topic.objects.get(slug="youth")
    Topic.objects.filter(pk=node.pk).update(name="Renamed elsewhere")
    assert "Renamed elsewhere" not in client.get("/").content.decode()  # the stale copy
    TreeVersion.objects.filter(pk=1).update(token="committed-by-another-process")
    assert "Renamed elsewhere" in client.get("/").content.decode()
    assert "Renamed elsewhere" in client.get("/press/").content.decode()


def test_a_release_save_rebuilds_neither_tree_index_nor_navigation(client, no_cache):
    bump_tree_version()  # whatever earlier tests built is stale now
    client.get("/press/")
    index, navigation = tree_index(Topic), get_navigation()
    release = make_release("Saved", status="in_review", tags={"topics": ["youth"]})
    workflow.perform(release.pk, "approve", make_user("publisher", group="Publishers"))
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        response = client.get("/press/")
    assert b"Saved" in response.content
    assert tree_index(Topic) is index
    assert get_navigation() is navigation
    # Neither was read from the trees again.
    assert not reads(queries, 'ORDER BY "taxonomy_topic"."tree_id" ASC, "taxonomy_topic"."lft"')
    # The control: a tree edit does rebuild them.
    _rename("youth", "Youth and security")
    client.get("/press/")
    assert tree_index(Topic) is not index
    assert get_navigation() is not navigation


def test_the_trees_are_read_by_the_first_request_of_a_process_only(client, no_cache):
    bump_tree_version()
    tree_order = 'ORDER BY "taxonomy_topic"."tree_id" ASC, "taxonomy_topic"."lft"'
    with CaptureQueriesContext(transaction.get_connection()) as first:
        client.get("/press/")
    with CaptureQueriesContext(transaction.get_connection()) as second:
        client.get("/press/")
    assert reads(first, tree_order)  # the control: built once
    assert not reads(second, tree_order)


# --- (c) what the versions cost a request ------------------------------------


@pytest.mark.parametrize("url", ["/", "/press/", "/topics/", "/countries/moldova/", "release"])
def test_the_versions_cost_two_queries_a_request(client, no_cache, url):
    release = make_release("Counted", tags={"countries": ["moldova"]})
    make_release("Scheduled", published_at=release.published_at.replace(year=2099))
    if url == "release":
        url = release.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response["X-Cache"] == "MISS"  # a DummyCache keeps no page
    assert len(reads(queries, VERSION_TABLE)) == 1
    assert len(reads(queries, NEXT_PUBLICATION)) == 1  # nothing keeps it: read, once


def test_within_a_request_the_versions_are_read_once_outside_every_time():
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from press.versions import public_state

    connection = transaction.get_connection()
    # As Django's test client does: a request's end must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with override_settings(CACHES=NO_CACHE):
            request_started.send(sender=None)
            try:
                with CaptureQueriesContext(connection) as inside:
                    states = {public_state() for _ in range(3)}
                    tree_version()
            finally:
                request_finished.send(sender=None)
            with CaptureQueriesContext(connection) as outside:
                public_state()
                public_state()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert len(states) == 1
    assert len(reads(inside, VERSION_TABLE)) == 1
    assert len(reads(inside, NEXT_PUBLICATION)) == 1
    # The control: outside a request nothing is remembered.
    assert len(reads(outside, VERSION_TABLE)) == 2
    assert len(reads(outside, NEXT_PUBLICATION)) == 2
