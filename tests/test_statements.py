"""press.statements: the release page's and the cards' reads, compiled once per process.

Each read is held against the queryset it stands for (the ORM's own answer,
read in the same test) and against values written down here. On SQLite the
reads are those querysets; the compiled path is PostgreSQL's.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from press import compiled, statements
from press.models import PressRelease, ReleaseType
from taxonomy import clock, versions
from taxonomy.models import Structure

from .conftest import make_release, requires_postgres
from .factories import PressReleaseFactory

pytestmark = pytest.mark.usefixtures("taxonomy")

#: Every column a card or a page reads, compared with the queryset's instance.
COMPARED = [
    f.attname for f in PressRelease._meta.concrete_fields if f.attname not in ("body", "search")
]


#: What a card reads of a release, written down (``statements.CARD_FIELDS``).
CARD_READS = {
    "id", "title", "slug", "type_id", "status", "published_at", "language", "summary",
    "lead_image", "lead_image_width", "lead_image_height", "lead_image_alt",
}  # fmt: skip


def cards_kept():
    return len([key for key in compiled._kept if key[0] == "cards"])


def searched_by_the_queryset(ids, q):
    """{pk: release} of the public releases among ``ids`` that ``q`` finds, with headlines."""
    found = PressRelease.objects.filter(pk__in=ids).published().search(q)
    return found.for_cards().with_headlines(q).in_bulk()


def fields(release):
    return {name: getattr(release, name) for name in COMPARED}


@pytest.fixture
def releases():
    """Two public releases, a withdrawn, a draft and a scheduled one: {title: release}."""
    news = ReleaseType.objects.get(slug="news")
    made = [
        PressReleaseFactory(
            title="Ammunition depots cleared",
            summary="Experts <b>met</b> in Bishkek & agreed.",
            body="<p>The ammunition was destroyed safely.</p>",
            type=news,
            place="Bishkek",
        ),
        PressReleaseFactory(title="Elections observed", body="<p>Observers reported.</p>"),
        PressReleaseFactory(
            title="Withdrawn note", status="withdrawn", published_at=clock.now() - timedelta(days=1)
        ),
        PressReleaseFactory(title="Draft note", status="draft"),
        PressReleaseFactory(title="Scheduled note", published_at=clock.now() + timedelta(hours=1)),
    ]
    return {release.title: PressRelease.objects.get(pk=release.pk) for release in made}


def test_cards_are_the_public_releases_as_the_queryset_reads_them(releases):
    ids = [release.pk for release in releases.values()]
    with CaptureQueriesContext(connection) as queries:
        found = statements.public_cards([*ids, ids[0], 10**9])  # repeated and unknown ids
    assert len(queries) == 1
    assert sorted(r.title for r in found.values()) == [
        "Ammunition depots cleared",
        "Elections observed",
    ]
    expected = PressRelease.objects.filter(pk__in=ids).published().for_cards().in_bulk()
    assert set(found) == set(expected)
    every = {f.attname for f in PressRelease._meta.concrete_fields}
    for pk, release in found.items():
        assert isinstance(release, PressRelease)
        assert release._state.db == "default" and release._state.adding is False
        # A card reads what it shows, the rest only if asked for.
        assert every - release.get_deferred_fields() == CARD_READS
        assert fields(release) == fields(expected[pk])  # the rest read on use
        assert release.get_deferred_fields() == {"body", "search"}
    first = statements.public_cards(ids)[releases["Ammunition depots cleared"].pk]
    with CaptureQueriesContext(connection) as queries:
        assert first.type.name == "News"  # joined in, as select_related does
        assert first.summary == "Experts <b>met</b> in Bishkek & agreed."
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        assert first.place == "Bishkek"  # no card shows it: read when asked for
    assert len(queries) == 1
    assert not hasattr(first, "headline")
    assert statements.public_cards([]) == {}


def test_plain_instances_are_the_querysets_made_without_init_signals(releases):
    """``plain`` statements make the instances the queryset makes, field for field and
    with the related row joined in, without ``__init__``: no ``pre_init`` or
    ``post_init``. One related instance per value, shared by its rows."""
    from django.db.models.signals import post_init, pre_init

    mark = "\x01status\x01"
    shape = PressRelease.objects.select_related("type").defer("body", "search")
    chosen = shape.filter(status=mark).order_by("pk")
    plain = compiled.Statement(chosen, {"status": mark}, plain=True)
    usual = compiled.Statement(chosen, {"status": mark})
    inits = []

    def seen(sender, **kwargs):
        inits.append(sender)

    pre_init.connect(seen)
    post_init.connect(seen)
    try:
        made = plain.run(status="published")
        assert inits == []
        read = usual.run(status="published")  # positive control: a release and a type each
        assert len(inits) == 2 * 2 * len(read) > 0
    finally:
        pre_init.disconnect(seen)
        post_init.disconnect(seen)
    expected = list(shape.filter(status="published").order_by("pk"))
    # Written down: two public releases and the scheduled one.
    assert [r.title for r in made] == ["Ammunition depots cleared", "Elections observed",
                                       "Scheduled note"]  # fmt: skip
    for mine, theirs in zip(made, expected, strict=True):
        assert type(mine) is PressRelease and mine.pk == theirs.pk
        assert mine._state.adding is False and mine._state.db == "default"
        assert mine.get_deferred_fields() == {"body", "search"}
        assert fields(mine) == fields(theirs)
        assert mine.type == theirs.type and mine.type.name == theirs.type.name
        assert mine.get_absolute_url() == theirs.get_absolute_url()
        assert mine.state == theirs.state
    by_type = {}
    for release in made:
        by_type.setdefault(release.type_id, []).append(release.type)
    assert all(all(t is types[0] for t in types) for types in by_type.values())
    shared = [types for types in by_type.values() if len(types) > 1]
    assert shared  # two releases of one type: the control below means something
    first, second = [r for r in read if r.type_id == shared[0][0].pk][:2]
    assert first.type is not second.type  # the usual way: one instance a row
    with CaptureQueriesContext(connection) as queries:
        assert made[0].body == releases["Ammunition depots cleared"].body  # deferred: read
    assert len(queries) == 1


def test_a_model_that_makes_its_own_instances_is_made_its_own_way(releases, monkeypatch):
    """A model overriding ``from_db`` is not made plainly: its own way is kept."""
    usual = PressRelease.from_db.__func__
    made = []

    def own(cls, db, names, values):
        made.append(values[0])
        return usual(cls, db, names, values)

    mark = "\x01status\x01"
    chosen = PressRelease.objects.filter(status=mark).order_by("pk")
    assert compiled.Statement(chosen, {"status": mark}, plain=True).plain  # control
    monkeypatch.setattr(PressRelease, "from_db", classmethod(own))
    statement = compiled.Statement(chosen, {"status": mark}, plain=True)
    assert not statement.plain
    found = statement.run(status="published")
    assert made == [release.pk for release in found] and len(found) == 3


def test_whole_cards_read_every_field_but_the_body(releases):
    """The JSON API's list (``whole``): every field but the body, no issuers' arrays."""
    ids = [release.pk for release in releases.values()]
    found = statements.public_cards(ids, whole=True)
    first = found[releases["Ammunition depots cleared"].pk]
    assert first.get_deferred_fields() == {"body", "search"}
    with CaptureQueriesContext(connection) as queries:
        assert first.place == "Bishkek"
        assert first.type.name == "News"
    assert len(queries) == 0
    assert not hasattr(first, "linked_sources")


@pytest.mark.parametrize(
    ("language", "q", "shown"),
    [
        ("en", "ammunition", "The \x02ammunition\x03 was destroyed safely"),
        # The summary's HTML read back as the text it is.
        ("en", "Bishkek", "Experts <b>met</b> in \x02Bishkek\x03 & agreed."),
        ("ru", "Bishkek", "Experts <b>met</b> in \x02Bishkek\x03 & agreed."),
    ],
)
def test_cards_carry_the_querysets_headline(releases, language, q, shown):
    ids = [release.pk for release in releases.values()]
    with translation.override(language):
        found = statements.public_cards(ids, q)
        expected = searched_by_the_queryset(ids, q)
    pk = releases["Ammunition depots cleared"].pk
    assert list(expected) == [pk]
    assert found[pk].headline == expected[pk].headline
    assert shown in found[pk].headline


@requires_postgres
def test_one_statement_serves_every_list_of_ids(releases):
    compiled._kept.clear()
    ids = [release.pk for release in releases.values()]
    for some in (ids[:1], ids[:3], ids, ids[::-1]):
        with CaptureQueriesContext(connection) as queries:
            found = statements.public_cards(some)
        assert len(queries) == 1
        assert "ANY(" in queries[0]["sql"]
        expected = PressRelease.objects.filter(pk__in=some).published().values_list("pk")
        assert set(found) == {pk for (pk,) in expected}
    assert cards_kept() == 1
    statements.public_cards(ids, "elections")  # with headlines: a shape of its own
    with translation.override("ru"):
        statements.public_cards(ids, "elections")  # ... in each search configuration
    assert cards_kept() == 3


def test_the_page_release_is_the_querysets(releases):
    for title in ("Ammunition depots cleared", "Withdrawn note"):
        slug = releases[title].slug
        with CaptureQueriesContext(connection) as queries:
            found = statements.page_release(slug)
        assert len(queries) == 1
        expected = PressRelease.objects.with_lists().with_public_page().get(slug=slug)
        assert fields(found) == fields(expected)
        assert found.body == expected.body
        assert found.get_deferred_fields() == {"search"}
        with CaptureQueriesContext(connection) as queries:
            assert found.type.name == expected.type.name
        assert len(queries) == 0
    for title in ("Draft note", "Scheduled note"):
        assert statements.page_release(releases[title].slug) is None
    assert statements.page_release("no-such-release") is None


def test_the_time_is_a_value_of_each_read_not_of_the_statement(releases):
    """A scheduled release appears when its time comes, on the statement compiled before."""
    scheduled = releases["Scheduled note"]
    assert statements.page_release(scheduled.slug) is None
    assert scheduled.pk not in statements.public_cards([scheduled.pk])
    kept = len(compiled._kept)
    with time_machine.travel(clock.now() + timedelta(hours=2)):
        assert statements.page_release(scheduled.slug).pk == scheduled.pk
        assert list(statements.public_cards([scheduled.pk])) == [scheduled.pk]
    assert len(compiled._kept) == kept


@pytest.mark.parametrize(
    "text",
    [
        "x' OR '1'='1",
        "'; DELETE FROM press_pressrelease; --",
        "\x01statement value\x01",  # the compiled statement's own marker, sent as a value
        "%s %(q)s \\",
    ],
)
def test_what_a_visitor_sends_is_a_value(releases, text):
    """Hostile text as a slug and as a search: nothing is found by it, nothing is changed,
    and beside a word that is there ("ammunition OR …") the word is still found."""
    assert statements.page_release(text) is None
    ids = [release.pk for release in releases.values()]
    # Nothing is marked as found (PostgreSQL gives the cards of every id it is asked for,
    # the search having chosen them; SQLite only those the search finds).
    alone = statements.public_cards(ids, text)
    assert searched_by_the_queryset(ids, text) == {}
    assert not any("\x02" in (release.headline or "") for release in alone.values())
    beside = f"ammunition OR {text}"
    found = statements.public_cards(ids, beside)
    expected = searched_by_the_queryset(ids, beside)
    pk = releases["Ammunition depots cleared"].pk
    assert list(expected) == [pk]
    assert found[pk].headline == expected[pk].headline
    assert "\x02ammunition\x03" in found[pk].headline.lower()
    assert PressRelease.objects.count() == 5
    # Positive control: the same reads find what is there.
    assert statements.page_release(releases["Elections observed"].slug).title == (
        "Elections observed"
    )
    assert len(statements.public_cards(ids)) == 2


def test_ids_are_read_as_the_orm_reads_them(releases):
    """Ids as numpy integers or digits, as a caller may hold them, find the same releases."""
    import numpy as np

    ids = [release.pk for release in releases.values()]
    expected = set(statements.public_cards(ids))
    assert len(expected) == 2
    assert set(statements.public_cards(np.array(ids, dtype=np.int64))) == expected
    assert set(statements.public_cards([str(pk) for pk in ids])) == expected


def test_a_statement_runs_only_with_every_value(releases):
    """A value left out would send its marker to the database: refused before anything
    runs. Positive control: with every value the statement runs."""
    queryset = PressRelease.objects.filter(slug=statements._TEXT_MARK)
    kept = compiled.Statement(queryset, {"slug": statements._TEXT_MARK})
    with CaptureQueriesContext(connection) as queries, pytest.raises(TypeError):
        kept.run()
    with pytest.raises(TypeError):
        kept.run(slug="x", now=clock.now())
    assert len(queries) == 0
    slug = releases["Draft note"].slug
    assert [r.title for r in kept.run(slug=slug)] == ["Draft note"]


def test_a_marker_found_twice_is_refused():
    """A statement whose marker is also a constant of its query is never kept: its
    value could not be put in its place alone."""
    mark = statements._TEXT_MARK
    queryset = PressRelease.objects.filter(slug=mark, title=mark)
    with pytest.raises(ValueError, match="'slug' is not one value of the statement"):
        compiled.Statement(queryset, {"slug": mark})
    queryset = PressRelease.objects.filter(slug=mark)  # positive control
    assert compiled.Statement(queryset, {"slug": mark}).places == {"slug": 0}


def test_the_release_page_serves_a_visitor_from_the_statement(client, releases):
    release = releases["Ammunition depots cleared"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(release.get_absolute_url())
    assert response.status_code == 200
    assert b"Ammunition depots cleared" in response.content
    assert b"The ammunition was destroyed safely." in response.content
    by_slug = [q["sql"] for q in queries if '"press_pressrelease"."slug" =' in q["sql"]]
    assert len(by_slug) == 1
    assert "LIMIT 1" in by_slug[0]  # the ORM's get() says 21
    if connection.vendor == "postgresql":  # the compiled statement's SQL, with the values
        kept = compiled._kept[("page", "default")]
        assert by_slug[0].startswith(kept.sql.split("%s")[0])
    assert client.get(releases["Draft note"].get_absolute_url()).status_code == 404
    assert client.get("/press/no-such-release/").status_code == 404


@requires_postgres
def test_a_release_page_reads_its_tags_with_the_release_and_the_clock_before_both(client, issued):
    """A visitor's release page: the listing clock is sent first, then the release with
    its tags as arrays (no query of the link tables), both read in one wait; the
    related releases last. The tags shown are the release's own."""
    release = PressRelease.objects.get(title="Issued by one")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(release.get_absolute_url())
    assert response.status_code == 200
    sql = [q["sql"] for q in queries]
    clock_at = next(i for i, q in enumerate(sql) if "press_listingclock" in q)
    release_at = next(i for i, q in enumerate(sql) if '"press_pressrelease"."slug" =' in q)
    assert clock_at < release_at
    # The tags, in the release's own query, and in no other.
    assert [q for q in sql if "press_pressrelease_topics" in q] == [sql[release_at]]
    assert b"Mission to Moldova" in response.content  # its source, named


@requires_postgres
def test_a_listing_reads_the_clock_then_sends_its_search_then_its_cards(client, listing_corpus):
    """A listing reads the clock (and the trees' version) first; then it sends its
    search, the one slow query, and checks its filters while the database runs it;
    the cards go last."""
    client.get("/press/")  # the process's index built: one clock query a request
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/press/?q=elections&country=moldova")
    assert response.status_code == 200
    assert response.context["result_count"] == 1
    sql = [q["sql"] for q in queries]
    kinds = [
        kind
        for q in sql
        for kind, mark in (
            ("clock", "press_listingclock"),
            ("search", "press_searchmatch"),
            ("cards", '"press_pressrelease"."id" = ANY'),
        )
        if mark in q
    ]
    assert kinds == ["clock", "search", "cards"]


@requires_postgres
@pytest.mark.parametrize("index_on", [True, False])
def test_a_listing_searches_once_with_the_index_on_or_off(client, listing_corpus, index_on):
    """With the listing index off the queryset searches, and nothing is sent ahead for
    the index to read: one search either way."""
    from django.test import override_settings

    with override_settings(LISTING_INDEX=index_on):
        client.get("/press/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/press/?q=elections&country=moldova")
    assert response.status_code == 200
    assert response.context["result_count"] == 1
    searchmatch = [q for q in queries if "press_searchmatch" in q["sql"]]
    assert len(searchmatch) == (1 if index_on else 0)  # off: the releases' own vectors


def test_the_release_types_read_by_a_statement_are_the_querysets():
    """``release_types()`` on PostgreSQL runs a statement compiled once: the same types in
    the same order (position, then name) as the queryset, a type added since included."""
    from press.models import release_types

    expected = [(t.pk, t.name, t.slug, t.position) for t in ReleaseType.objects.all()]
    assert [(t.pk, t.name, t.slug, t.position) for t in release_types()] == expected
    assert [t.slug for t in release_types()][:2] == ["press-release", "news"]
    ReleaseType.objects.create(name="Aaa first by name", slug="aaa", position=0)
    with CaptureQueriesContext(connection) as queries:
        found = release_types()
    assert len(queries) == 1
    assert found[0].slug == "aaa"  # position 0, then by name
    assert [t.pk for t in found] == [t.pk for t in ReleaseType.objects.all()]


@pytest.fixture
def issued():
    """Three public releases: two sources, one source, structure tags only: [release]."""
    return [
        make_release(
            "Issued by two",
            tags={"sources": ["conflict-prevention-centre", "mission-to-moldova"]},
        ),
        make_release("Issued by one", tags={"sources": ["mission-to-moldova"]}),
        make_release("Tagged only", tags={"structures": ["secretariat", "mission-to-moldova"]}),
    ]


def slugs_of(pks):
    return sorted(Structure.objects.filter(pk__in=pks).values_list("slug", flat=True))


@requires_postgres
def test_cards_carry_their_issuers_and_name_them_without_a_query(issued):
    """The cards' statement reads each card's sources and structure tags (their node
    pks, as arrays): the issuers' line then costs no query, and reads as the line of
    releases read by the queryset, whose issuers take a query of their own."""
    from press.templatetags.press_tags import card_issuers

    ids = [release.pk for release in issued]
    found = statements.public_cards(ids)
    by_title = {release.title: release for release in found.values()}
    assert slugs_of(by_title["Issued by two"].linked_sources) == [
        "conflict-prevention-centre",
        "mission-to-moldova",
    ]
    assert by_title["Issued by two"].linked_structures == []
    assert slugs_of(by_title["Issued by one"].linked_sources) == ["mission-to-moldova"]
    assert by_title["Tagged only"].linked_sources == []
    assert slugs_of(by_title["Tagged only"].linked_structures) == [
        "mission-to-moldova",
        "secretariat",
    ]
    cards = [found[pk] for pk in ids]
    read = list(PressRelease.objects.filter(pk__in=ids).for_cards().order_by("pk"))
    versions._start_request()  # as in a request: the trees' version read once
    try:
        card_issuers(cards)  # the menu and the trees' index, read once a process
        with CaptureQueriesContext(connection) as queries:
            lines = card_issuers(cards)
        assert len(queries) == 0
        with CaptureQueriesContext(connection) as queries:  # positive control
            expected = card_issuers(read)
        assert len(queries) == 1
    finally:
        versions._end_request()
    assert lines == expected
    assert "Conflict Prevention Centre" in lines[ids[0]]
    assert "Mission to Moldova" in lines[ids[1]]
    assert "Conflict Prevention Centre" not in lines[ids[1]]


def another_connection():
    """A connection of its own to the test database (autocommit)."""
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
        host=settings["HOST"], port=settings["PORT"] or 5432, autocommit=True,
    )  # fmt: skip


def running_query(pid):
    """The query text and state of backend ``pid``, seen from a connection of its own."""
    with another_connection() as other:
        return other.execute(
            "SELECT query, state FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()


@requires_postgres
def test_overlapped_cards_are_sent_at_once_and_read_when_first_used(releases):
    """Within ``overlapped()`` the cards' query is at the database before the page reads
    the cards (another connection sees it as the backend's query), and they are the
    cards read without it, in the ids' order, public ones only."""
    ids = [release.pk for release in releases.values()][::-1]
    expected = statements.public_cards_in_order(ids, "ammunition OR elections")
    assert isinstance(expected, list)  # positive control: outside, read at once
    assert [r.title for r in expected] == ["Elections observed", "Ammunition depots cleared"]
    pid = connection.connection.info.backend_pid
    assert PressRelease.objects.count() == len(releases)  # the backend's last query, so far
    assert running_query(pid)[0].startswith('SELECT COUNT(*) AS "__count"')
    with statements.overlapped():
        later = statements.public_cards_in_order(ids, "ammunition OR elections")
        assert isinstance(later, compiled.Later)
        query, _state = running_query(pid)  # cut at track_activity_query_size
        assert query.startswith('SELECT "press_pressrelease"."id"') and "ts_headline" in query
        assert [r.pk for r in later] == [r.pk for r in expected]
        assert [r.headline for r in later] == [r.headline for r in expected]
        unread = statements.public_cards_in_order(ids)  # read after the block has ended
        assert isinstance(unread, compiled.Later)
        assert statements.public_cards_in_order([]) == []
    assert [r.pk for r in unread] == [r.pk for r in expected]
    assert PressRelease.objects.count() == len(releases)  # the connection goes on


@requires_postgres
def test_a_failed_query_within_overlapped_is_djangos_error_and_the_connection_goes_on():
    """A statement that fails at the database, sent within ``overlapped()``, raises
    Django's error where it is read; the connection then serves the next queries."""
    from django.db import DataError, transaction
    from django.db.models import IntegerField, Value
    from django.db.models.functions import Cast

    mark = "\x01number\x01"
    queryset = ReleaseType.objects.annotate(n=Cast(Value(mark), IntegerField())).order_by("pk")
    kept = compiled.Statement(queryset, {"n": mark})
    types = ReleaseType.objects.count()
    with pytest.raises(DataError), transaction.atomic(), compiled.overlapped("default"):
        later = kept.send(n="not a number")
        assert isinstance(later, compiled.Later)
        list(later)
    assert ReleaseType.objects.count() == types  # the connection goes on
    with compiled.overlapped("default"):  # positive control: a number is read
        assert [t.n for t in kept.send(n="7")] == [7] * types
    with pytest.raises(ValueError), compiled.overlapped("default"):
        kept.send(n="8")
        raise ValueError("the page failed before reading its cards")
    assert ReleaseType.objects.count() == types


@requires_postgres
def test_a_listing_written_beside_its_cards_query_is_the_same_page(
    client, listing_corpus, monkeypatch, settings
):
    """The listing sends its cards' query and writes the page meanwhile; the page is
    the one written when the cards are read first (no pipeline mode)."""
    import re

    settings.PAGE_CACHE_ENABLED = False
    sent = []
    send = compiled.Statement.send

    def recorded(self, **values):
        found = send(self, **values)
        if any(self is kept for key, kept in compiled._kept.items() if key[0] == "cards"):
            sent.append(found)  # the cards' reads only
        return found

    monkeypatch.setattr(compiled.Statement, "send", recorded)
    for url in ("/press/?q=elections", "/press/", "/countries/moldova/"):
        sent.clear()
        beside = client.get(url)
        assert beside.status_code == 200
        assert [type(found) for found in sent] == [compiled.Later]
        monkeypatch.setattr(compiled, "_pipeline_supported", lambda: False)
        sent.clear()
        first = client.get(url)
        assert [type(found) for found in sent] == [list]  # positive control
        monkeypatch.undo()
        monkeypatch.setattr(compiled.Statement, "send", recorded)

        def page(response):
            return re.sub(rb'nonce="[^"]*"', b"", response.content)

        assert page(beside) == page(first)
        assert b"Mission to Moldova observes local elections" in page(first)


def test_feed_items_are_the_querysets_rows_with_their_links(issued):
    """``feed_items``: the public releases among the ids, in their order, as the
    queryset's ``values_list`` rows, and each relation's node pks as the link tables
    hold them (on SQLite read apart: None)."""
    from django.db.models import F

    from press.tags import SHOWN

    draft = make_release("Not public", status="draft", tags={"sources": ["secretariat"]})
    ids = [issued[2].pk, draft.pk, issued[0].pk, issued[1].pk, 10**9]
    fields = ("pk", "title", "slug", "published_at", "updated_at", "type__name")
    rows, linked = statements.feed_items(ids, fields, F("summary"))
    expected = {
        row[0]: row
        for row in PressRelease.objects.published()
        .annotate(fallback=F("summary"))
        .values_list(*fields, "fallback")
    }
    assert [row[1] for row in rows] == ["Tagged only", "Issued by two", "Issued by one"]
    assert rows == [expected[pk] for pk in (issued[2].pk, issued[0].pk, issued[1].pk)]
    if connection.vendor != "postgresql":
        assert linked is None
        return
    assert set(linked) == {
        (pk, r) for pk in (issued[0].pk, issued[1].pk, issued[2].pk) for r in SHOWN
    }
    assert slugs_of(linked[(issued[0].pk, "sources")]) == [
        "conflict-prevention-centre",
        "mission-to-moldova",
    ]
    assert slugs_of(linked[(issued[2].pk, "structures")]) == ["mission-to-moldova", "secretariat"]
    assert linked[(issued[1].pk, "topics")] == []
    assert statements.feed_items([], fields, F("summary")) == ([], {})


@requires_postgres
def test_a_statement_gives_instances_or_value_tuples_only():
    mark = "\x01slug\x01"
    by_slug = ReleaseType.objects.filter(slug=mark)
    tuples = compiled.Statement(by_slug.values_list("pk", "name"), {"slug": mark})
    news = ReleaseType.objects.get(slug="news")
    assert tuples.run(slug="news") == [(news.pk, "News")]
    for shape in (by_slug.values_list("pk", flat=True), by_slug.values("pk")):
        with pytest.raises(ValueError, match="instances or values_list"):
            compiled.Statement(shape, {"slug": mark})


@requires_postgres
@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        (" elections ", True),  # stripped, as the search field strips it
        ("x" * 201, False),  # refused by the form: never sent
        ("elec\x00tions", False),  # refused by the form: never sent
    ],
)
def test_a_search_is_sent_before_the_form_is_checked_and_its_answer_used(
    listing_corpus, typed, sent
):
    """Within ``overlapped()``, in a request, a search sent as typed (``send_search``)
    is the answer of the selection's search of the checked text: the search's one
    query, before the filters are even made. What the form refuses is not sent (and
    then not searched at all). Another text is searched for itself."""
    from django.http import QueryDict

    from press.filters import PressReleaseFilterSet
    from press.selection import Selection, search_ids, send_search

    data = QueryDict(mutable=True)
    data["q"] = typed
    versions._start_request()  # as in a request: what is sent is kept for it
    try:
        with CaptureQueriesContext(connection) as queries, statements.overlapped():
            send_search(typed, "en")
            sent_first = len(queries)
            filterset = PressReleaseFilterSet(data, queryset=PressRelease.objects.published())
            chosen = Selection(filterset, [])
            count = chosen.count()
            page = list(chosen.page(0, 10))
            other = search_ids("observes", "en")
    finally:
        versions._end_request()
    searches = [i for i, q in enumerate(queries) if "press_searchmatch" in q["sql"]]
    assert len(searches) == (2 if sent else 1)  # the other text's search is the last
    if sent:
        assert searches[0] == 0 and sent_first == 1  # sent before anything else
        assert "'elections'" in queries[0]["sql"]  # as the field strips it
        assert count == 1  # written down: the one release whose text says "elections"
        assert page == [listing_corpus["moldova_elections"].pk]
    else:
        assert sent_first == 0
        assert count == 5  # the search refused: the five public releases of the corpus
    # "observes" and "observation" share their stem.
    observed = sorted(listing_corpus[k].pk for k in ("moldova_elections", "serbia_elections"))
    assert sorted(other) == observed


@requires_postgres
def test_a_search_sent_outside_a_request_is_not_kept(listing_corpus):
    """Outside a request nothing keeps a sent search: none is sent, and the search of
    the same text runs as it would (positive control of the test above)."""
    from press.selection import search_ids, send_search

    with CaptureQueriesContext(connection) as queries, statements.overlapped():
        send_search("elections", "en")
        assert len(queries) == 0
        found = search_ids("elections", "en")
    assert len(queries) == 1
    assert list(found) == [listing_corpus["moldova_elections"].pk]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_within_overlapped_everything_else_runs_as_outside(releases):
    """In autocommit, as the site runs: after a send, a write counts its rows and is
    committed at once (another connection sees it), a save() of an existing row
    updates it, a transaction begins and commits; the answers sent before are read
    afterwards all the same."""
    from django.db import transaction
    from django.db.models import F

    ids = [release.pk for release in releases.values()]
    expected = [release.pk for release in statements.public_cards_in_order(ids)]
    draft = releases["Draft note"]
    with statements.overlapped():
        first = statements.public_cards_in_order(ids)
        assert isinstance(first, compiled.Later)
        assert ReleaseType.objects.filter(slug="news").update(position=F("position")) == 1
        second = statements.public_cards_in_order(ids, "ammunition")
        draft.place = "Vienna"
        draft.save()  # an UPDATE that must find its row, not an INSERT
        with another_connection() as other:
            seen = other.execute(
                "SELECT place FROM press_pressrelease WHERE id = %s", [draft.pk]
            ).fetchone()
        assert seen == ("Vienna",)
        third = statements.public_cards_in_order(ids)
        with transaction.atomic():
            assert ReleaseType.objects.filter(slug="news").update(position=F("position")) == 1
    assert [release.pk for release in first] == expected
    assert [release.pk for release in third] == expected
    assert [release.pk for release in second] == expected
    assert (
        "\x02ammunition\x03"
        in second[expected.index(releases["Ammunition depots cleared"].pk)].headline
    )
    assert PressRelease.objects.filter(place="Vienna").count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_send_in_autocommit_is_raised_where_read_and_the_rest_goes_on():
    """A statement that fails at the database raises Django's error where its answer is
    read; a query run meanwhile, and what is sent afterwards, are not affected."""
    from django.db import DataError
    from django.db.models import IntegerField, Value
    from django.db.models.functions import Cast

    mark = "\x01number\x01"
    queryset = ReleaseType.objects.annotate(n=Cast(Value(mark), IntegerField())).order_by("pk")
    kept = compiled.Statement(queryset, {"n": mark})
    types = ReleaseType.objects.count()
    with compiled.overlapped("default"):
        failed = kept.send(n="not a number")
        assert ReleaseType.objects.count() == types  # leaves the pipeline first
        with pytest.raises(DataError):
            list(failed)
        with pytest.raises(DataError):  # and again, not another error
            len(failed)
        after = kept.send(n="7")
        assert [t.n for t in after] == [7] * types
