"""SQL queries per public page, with nothing cached: every cache alias a DummyCache.

Speed is judged cold, so the counts are those of a request that finds no
cache at all (page cache off too). Each page is fetched once untimed first,
so only per-process memos (compiled templates, the collation table) are
warm, then counted exactly; the same number must hold with 3 releases and
with 3 pages of them, and every page should stay within ``BUDGET``.

When a change lowers (or raises) a count, update ``EXPECTED``: a failing
test prints the observed number next to the expected one. A page listed in
``OVER_BUDGET`` is a known miss of the budget; its budget test is a strict
xfail, so it fails once the page is within budget and must leave the list.
"""

from datetime import datetime

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")

BUDGET = 12
DUMMY_CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    for alias in django_settings.CACHES
}
YEAR = 2024
#: What every release is tagged with, so every filter below matches them all.
TAGS = {
    "topics": ["elections"],
    "countries": ["moldova"],
    "structures": ["conflict-prevention-centre"],  # under secretariat
    "sources": ["conflict-prevention-centre"],
    "meetings": ["human-rights-meetings"],
}
RELEASE = "/press/counted-release/"  # the slug of the first release made
COMBINED = (
    f"/press/?country=moldova&topic=elections&structure=secretariat&type=press-release&year={YEAR}"
)

# (name, url, queries): the same on SQLite and PostgreSQL.
# Cards name who issued each release as it was called on its date (its
# sources, else its structure tags), and feed items carry their tags as
# categories so named. Every list of cards reads its cards' issuers in one
# UNION ALL for all the cards (press_tags.card_issuers): +1 on the listing
# and node pages, the home page (2 -> 3) and a release's related releases
# (7 -> 8), the same with 3 cards or 3 pages. The
# feeds read their items' tags the same way, in one query for all items
# (+1), and the trees' version, read once a request to name tags from this
# process's tree index (+1; every other page reads it already): 1 -> 3.
# The listing index (press/listing_index.py) counts, orders and facets every
# listing in memory: a listing reads the listing clock (1) instead of its
# count and its facets (1 to 7 queries), and reads its page's releases by
# their ids; a search asks the database for its matches (1). Whatever the
# filters, a listing is the trees' version, the next publication, the clock,
# the page's releases and their issuers: 5 (now 4, below).
# A release's related releases are chosen afresh each time, their tags'
# totals from the listing index: no cache key, so no next publication; and
# chosen inside the query that reads them: 8 -> 6.
# A page that reads the listing clock before the trees' version reads both in
# one query (press.listing_index.clock_seq): every listing 5 -> 4 (a search
# 6 -> 5), the JSON API's unfiltered lists and facets one fewer. Pages that
# name tags or nodes first (a release, node pages, filtered API answers)
# read the version first and the clock alone, as before; a release page reads
# the clock first on purpose: 6 -> 5.
EXPECTED = [
    ("home", "/", 3),
    ("listing", "/press/", 4),
    ("listing_page_2", "/press/?page=2", 4),
    ("listing_topic", "/press/?topic=elections", 4),
    ("listing_country", "/press/?country=participating-states", 4),
    ("listing_structure", "/press/?structure=secretariat", 4),
    ("listing_meeting", "/press/?meeting=human-rights-meetings", 4),
    ("listing_type", "/press/?type=press-release", 4),
    ("listing_year", f"/press/?year={YEAR}", 4),
    ("listing_dates", f"/press/?date_from={YEAR}-01-01&date_to={YEAR}-12-31", 4),
    ("listing_combined", COMBINED, 4),
    ("listing_combined_dates", f"/press/?structure=secretariat&date_from={YEAR}-01-01", 4),
    ("listing_q", "/press/?q=counted", 5),
    ("listing_q_country", "/press/?q=counted&country=moldova", 5),
    ("release", RELEASE, 5),
    ("topics_index", "/topics/", 2),
    ("topic", "/topics/elections/", 6),
    ("countries_index", "/countries/", 2),
    ("country", "/countries/moldova/", 8),
    ("country_many_descendants", "/countries/participating-states/", 8),
    ("structures_index", "/structures/", 2),
    ("structure", "/structures/secretariat/", 6),
    ("structure_path", "/structures/secretariat/conflict-prevention-centre/", 7),
    # A node page's history (its dates, note, names and links) comes from the
    # node and the tree index, and its chart of releases per year from the
    # kept pairs its year facet reads in the same request: nothing more on the
    # pages above. A node with former names or links reads their sources: one
    # query more (taxonomy.views.node_history; tests/test_history_node_page.py
    # measures both). Here, with no release of its own: the node and its path
    # (2), the trees' version, the sources, the next publication, the kept
    # pairs, the release types and the country it works in.
    ("structure_history", "/structures/field-operations/programme-office-in-astana/", 7),
    ("meetings_index", "/meetings/", 2),
    ("meeting", "/meetings/human-rights-meetings/", 6),
    ("feed", "/press/feed/", 3),
    ("feed_atom", "/press/feed/atom/", 3),
    ("sitemap", "/sitemap.xml", 10),
    ("sitemap_sections", "/sitemap-sections.xml", 0),
    ("sitemap_releases", "/sitemap-releases.xml", 2),
    ("sitemap_topics", "/sitemap-topics.xml", 2),
    ("sitemap_countries", "/sitemap-countries.xml", 2),
    ("sitemap_structures", "/sitemap-structures.xml", 2),
    ("sitemap_meetings", "/sitemap-meetings.xml", 2),
    # The JSON API reads what the pages read, plus its Last-Modified (the
    # trees' and the releases' clocks and the last publication, one query);
    # a list of releases reads their tags in one query. Its schema is made
    # once a process and changes only with the code: no query, no Last-Modified.
    ("api_releases", "/api/v1/releases/", 5),
    ("api_releases_page_2", "/api/v1/releases/?page=2&page_size=2", 5),
    # Filtered, the API reads its page from the listing index, as the pages do.
    ("api_releases_combined", "/api/v1/releases/?" + COMBINED.split("?")[1], 6),
    ("api_releases_q", "/api/v1/releases/?q=counted&country=moldova", 7),
    ("api_release", "/api/v1/releases/counted-release/", 4),
    ("api_facets", "/api/v1/facets/", 3),
    ("api_facets_combined", "/api/v1/facets/?" + COMBINED.split("?")[1], 4),
    ("api_topics", "/api/v1/topics/", 2),
    ("api_countries_fr", "/fr/api/v1/countries/", 2),
    ("api_schema", "/api/v1/schema/", 0),
    ("robots", "/robots.txt", 0),
    ("healthz", "/healthz", 1),
    # The alerts' subscribe page names its filter set from the tree index
    # (the trees' version) and the release types: the same with no filter,
    # with node filters, with a type and a search word, in another language.
    ("alerts_subscribe", "/alerts/", 2),
    ("alerts_subscribe_filters", "/alerts/?country=moldova&topic=elections", 2),
    ("alerts_subscribe_combined", "/alerts/?" + COMBINED.split("?")[1] + "&q=counted", 2),
    ("alerts_subscribe_fr", "/fr/alerts/?country=moldova&type=press-release", 2),
]
#: Pages whose rows PostgreSQL reads with their links (press/statements.py: a
#: card's sources and structures, a feed item's tags, as arrays in the rows' own
#: query): one query fewer there than above, which counts SQLite's separate read.
#: The feeds read their items by ids from the listing index, as the listings do
#: (the clock with the trees' version, then the items): 3 -> 2 there.
LINKS_IN_ROWS = {
    "listing", "listing_page_2", "listing_topic", "listing_country", "listing_structure",
    "listing_meeting", "listing_type", "listing_year", "listing_dates", "listing_combined",
    "listing_combined_dates", "listing_q", "listing_q_country", "release", "topic", "country",
    "country_many_descendants", "structure", "structure_path", "meeting", "feed", "feed_atom",
}  # fmt: skip
#: On PostgreSQL a release page reads the release's own tags as arrays of the
#: release's query too (press.statements.page_release): one query fewer again.
TAGS_IN_RELEASE = {"release"}
#: Pages known to take more than ``BUDGET`` queries uncached (none today:
#: a page that needs more must be listed here, and its test fails when it
#: no longer does).
OVER_BUDGET = set()


#: The page size these tests list with: three pages of releases are then 3 * 4 releases
#: (a page of the site's 20 made each test take seconds to set up, on each database).
PAGE_SIZE = 4


@pytest.fixture(params=["3 releases", "3 pages of releases"])
def releases(request, settings):
    settings.PAGE_CACHE_ENABLED = False
    settings.PRESS_PAGE_SIZE = PAGE_SIZE
    count = 3 if request.param == "3 releases" else 3 * PAGE_SIZE
    for i in range(count):
        make_release(
            "Counted release" if i == 0 else f"Counted release {i}",
            published_at=timezone.make_aware(datetime(YEAR, 1 + i % 12, 1 + i % 28, 12)),
            place="Chisinau",
            summary="A counted summary.",
            body="<p>A counted body.</p>",
            tags=TAGS,
        )
    with override_settings(CACHES=DUMMY_CACHES):
        yield count


@pytest.mark.parametrize(("name", "url", "expected"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_queries_per_page(client, releases, name, url, expected, django_assert_num_queries):
    if connection.vendor == "postgresql":
        expected -= (name in LINKS_IN_ROWS) + (name in TAGS_IN_RELEASE)
    response = client.get(url)  # per-process memos only: no cache survives
    assert response.status_code == 200, (url, response.status_code)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


#: Filter sets an address may follow: node filters of each tree, a type, a
#: year, words, dates, and everything. Each subscription's set is named on
#: the manage and unsubscribe pages.
ALERT_QUERIES = [
    ("topic=elections&country=moldova", "en"),
    ("structure=secretariat&type=press-release", "fr"),
    ("q=counted&year=2024", "en"),
    ("", "de"),
    ("meeting=human-rights-meetings&date_from=2024-01-01&date_to=2024-12-31", "ru"),
]
#: (page, queries) for an address's alerts: the subscriptions (1), the trees'
#: version and the release types, however many subscriptions it has.
ALERTS_EXPECTED = [("alerts_manage", 3), ("alerts_unsubscribe", 3)]


@pytest.fixture(params=[1, len(ALERT_QUERIES)], ids=["1 subscription", "5 subscriptions"])
def subscriptions(request, settings):
    from alerts.models import Subscription

    settings.PAGE_CACHE_ENABLED = False
    made = [
        Subscription.objects.create(
            email="counted@example.org", query=query, language=language, frequency="daily",
            confirmed_at=timezone.now(),
        )
        for query, language in ALERT_QUERIES[: request.param]
    ]  # fmt: skip
    with override_settings(CACHES=DUMMY_CACHES):
        yield made


def alerts_url(name, subscriptions):
    from alerts import tokens

    if name == "alerts_manage":
        return f"/alerts/manage/{tokens.manage_token('counted@example.org')}/"
    return f"/alerts/unsubscribe/{tokens.unsubscribe_token(subscriptions)}/"


def listed(name, html):
    """How many subscriptions the page lists: the manage page's items, the unsubscribe page's."""
    if name == "alerts_manage":
        return html.count('<li class="alerts-item">')
    phrases = html.split('<ul class="alerts-phrases">', 1)[1].split("</ul>", 1)[0]
    return phrases.count("<li>")


@pytest.mark.parametrize(("name", "expected"), ALERTS_EXPECTED, ids=[e[0] for e in ALERTS_EXPECTED])
def test_queries_per_alerts_page(client, subscriptions, name, expected, django_assert_num_queries):
    """The same count for one subscription and for five: no query per subscription."""
    url = alerts_url(name, subscriptions)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    # Every subscription is on the page (the count is of a page that shows them all).
    assert listed(name, response.content.decode()) == len(subscriptions)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            name,
            expected,
            marks=[pytest.mark.xfail(strict=True, reason="over budget")]
            if name in OVER_BUDGET
            else [],
        )
        for name, expected in [*((n, e) for n, _url, e in EXPECTED), *ALERTS_EXPECTED]
    ],
    ids=[e[0] for e in [*EXPECTED, *ALERTS_EXPECTED]],
)
def test_within_budget(name, expected):
    assert expected <= BUDGET
