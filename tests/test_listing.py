"""The public listing /press/: every parameter, the combination rules, facets, bad input."""

import re
from datetime import datetime

import pytest
from django.db import connection
from django.utils import timezone

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")


def at(y, m, d):
    return timezone.make_aware(datetime(y, m, d, 12, 0))


@pytest.fixture
def corpus(listing_corpus):
    return listing_corpus


def titles(response):
    return re.findall(r'<h3><a href="/press/[^"]+/">([^<]+)</a></h3>', response.content.decode())


def count(response):
    return int(re.search(r'data-result-count="(\d+)"', response.content.decode()).group(1))


def get(client, query):
    response = client.get("/press/", query)
    assert response.status_code == 200
    return response


class TestParameters:
    def test_unfiltered_shows_public_releases_newest_first(self, client, corpus):
        response = get(client, {})
        assert titles(response) == [
            corpus[k].title for k in ("japan", "cpc", "serbia_elections", "moldova_media",
                                      "moldova_elections")
        ]  # fmt: skip
        assert count(response) == 5

    def test_drafts_and_scheduled_never_appear(self, client, corpus):
        page = get(client, {"country": "moldova"}).content.decode()
        assert "Unpublished draft" not in page and "Scheduled note" not in page

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"country": "moldova"}, {"moldova_elections", "moldova_media"}),
            ({"country": "participating-states"},
             {"moldova_elections", "moldova_media", "serbia_elections"}),
            ({"topic": "media-freedom-and-development"}, {"moldova_media"}),
            ({"structure": "secretariat"}, {"cpc"}),
            ({"structure": "institutions"}, {"moldova_media", "serbia_elections"}),
            ({"meeting": "annual-osce-asian-conferences"}, {"japan"}),
            ({"type": "news"}, {"moldova_media", "cpc"}),
            ({"year": "2024"}, {"moldova_media", "serbia_elections"}),
            ({"date_from": "2024-03-01", "date_to": "2024-06-10"},
             {"moldova_media", "serbia_elections"}),
            ({"date_from": "2025-01-01"}, {"cpc", "japan"}),
            ({"date_to": "2023-12-31"}, {"moldova_elections"}),
        ],
    )  # fmt: skip
    def test_each_parameter(self, client, corpus, query, expected):
        assert set(titles(get(client, query))) == {corpus[k].title for k in expected}

    def test_repeated_values_are_or_within_a_parameter(self, client, corpus):
        response = client.get("/press/?country=serbia&country=japan")
        assert set(titles(response)) == {corpus["serbia_elections"].title, corpus["japan"].title}

    def test_different_parameters_are_and(self, client, corpus):
        response = client.get("/press/?country=participating-states&topic=elections&year=2024")
        assert titles(response) == [corpus["serbia_elections"].title]

    def test_everything_about_moldova_on_elections_since_2023(self, client, corpus):
        response = client.get("/press/?country=moldova&topic=elections&date_from=2023-01-01")
        assert titles(response) == [corpus["moldova_elections"].title]

    def test_sort_oldest_first(self, client, corpus):
        assert titles(get(client, {"sort": "date"}))[0] == corpus["moldova_elections"].title

    def test_search_finds_title_words(self, client, corpus):
        assert titles(get(client, {"q": "Chisinau"})) == [corpus["moldova_media"].title]

    def test_pagination_is_numbered_and_keeps_the_filters(self, client, corpus, settings):
        settings.PRESS_PAGE_SIZE = 2
        page = get(client, {"type": "press-release"}).content.decode()
        assert 'aria-current="page">1<' in page
        assert "?type=press-release&amp;page=2" in page
        second = get(client, {"type": "press-release", "page": "2"})
        assert len(titles(second)) == 1

    @pytest.mark.parametrize("deferred_from", [0, 10**6])
    def test_a_deep_page_holds_the_same_releases_read_either_way(
        self, client, settings, monkeypatch, deferred_from
    ):
        """Deep pages read their ids first (a deferred join); near pages read rows at once.

        Both ways give the same releases in the same order: written down
        here from the dates, with two on one day to check the tie-break
        (the newer id first), and with a search so the headlines come along.
        """
        from press import listing

        monkeypatch.setattr(listing, "DEFERRED_JOIN_OFFSET", deferred_from)
        settings.PRESS_PAGE_SIZE = 3
        settings.PAGE_CACHE_ENABLED = False
        for day in range(1, 9):
            make_release(f"Ballot day {day}", published_at=at(2024, 3, day),
                         summary=f"Counting the ballot of day {day}.")  # fmt: skip
        make_release("Ballot day 5 again", published_at=at(2024, 3, 5))
        # Newest first: 8, 7, 6 | 5 again, 5, 4 | 3, 2, 1
        assert titles(get(client, {"page": "2"})) == [
            "Ballot day 5 again",
            "Ballot day 5",
            "Ballot day 4",
        ]
        page = get(client, {"page": "3", "q": "ballot"})
        assert titles(page) == ["Ballot day 3", "Ballot day 2", "Ballot day 1"]
        assert page.content.decode().lower().count("<mark>ballot</mark>") >= 3  # the snippets

    def test_the_result_count_is_marked_for_machines(self, client, corpus):
        assert 'data-result-count="2"' in get(client, {"country": "moldova"}).content.decode()


class TestChipsAndEmptyState:
    def test_active_filters_are_removable_chips(self, client, corpus):
        page = get(
            client, {"country": ["moldova", "serbia"], "topic": "elections"}
        ).content.decode()
        assert 'href="/press/?topic=elections&amp;country=serbia"' in page  # removes moldova
        assert 'href="/press/?country=moldova&amp;country=serbia"' in page  # removes elections
        assert "Remove filter: Moldova" in page

    def test_empty_state_suggests_removing_a_filter(self, client, corpus):
        page = get(client, {"country": "japan", "topic": "elections"}).content.decode()
        assert "No press releases match these filters." in page
        assert "Try removing a filter" in page
        assert 'data-result-count="0"' in page


class TestFacets:
    def facet(self, response, param):
        page = response.content.decode()
        option = (
            rf'name="{param}" value="([^"]+)"(?: checked)?>'
            r'<label[^>]*>[^<]+(?:<span[^>]*>[^<]*</span>)?</label><span class="n">(\d+)</span>'
        )
        pairs = re.findall(option, page)
        return {slug: int(n) for slug, n in pairs}

    def test_counts_include_descendants_and_count_each_release_once(self, client, corpus):
        make_release("Two units", published_at=at(2025, 2, 1),
                     tags={"structures": ["conflict-prevention-centre",
                                          "transnational-threats-department"]})  # fmt: skip
        counts = self.facet(get(client, {}), "structure")
        assert counts["secretariat"] == 2
        assert counts["conflict-prevention-centre"] == 2
        assert counts["transnational-threats-department"] == 1

    def test_counts_follow_the_other_active_filters(self, client, corpus):
        response = get(client, {"topic": "elections"})
        countries = self.facet(response, "country")
        assert countries == {"participating-states": 2, "moldova": 1, "serbia": 1}
        # The topic facet ignores the topic filter itself: choosing another adds results.
        topics = self.facet(response, "topic")
        assert topics["elections"] == 2
        assert topics["media-freedom-and-development"] == 1

    def test_type_and_year_facets(self, client, corpus):
        page = get(client, {"country": "moldova"}).content.decode()
        assert re.search(r'value="2024"[^>]*>2024 \(1\)', page)
        assert self.facet(get(client, {"country": "moldova"}), "type") == {
            "press-release": 1, "news": 1,
        }  # fmt: skip

    def test_facets_share_queries(self, client, corpus, settings, django_assert_num_queries):
        settings.PAGE_CACHE_ENABLED = False  # count the work of rendering, not a cache hit
        client.get("/press/")  # warm the caches (navigation, tree index, types)
        # The count and every facet (one set of counts for each chosen
        # parameter, without it, and one for the three others) come from the
        # listing index: the listing clock with the trees' version (one query),
        # the page's releases and their cards' issuers (on PostgreSQL in the
        # releases' own query), whatever the filters.
        expected = 2 if connection.vendor == "postgresql" else 3
        with django_assert_num_queries(expected):
            get(client, {"country": "participating-states", "topic": "elections", "year": "2024"})
        # The same again: nothing to cache, nothing more to read.
        with django_assert_num_queries(expected):
            get(client, {"country": "participating-states", "topic": "elections", "year": "2024"})


class TestBadInput:
    @pytest.mark.parametrize(
        "query",
        [
            "country=atlantis",
            "country=Atlantis%20Land",
            "topic=" + "x" * 500,
            "date_from=2024-13-45",
            "date_from=yesterday&date_to=2024-02-30",
            "date_from=2025-01-01&date_to=2020-01-01",
            "page=0",
            "page=-1",
            "page=abc",
            f"page={10**9}",
            "page=" + "9" * 5000,
            "year=abc",
            "year=1e3",
            "year=99999999999999999999",
            "sort=sideways",
            "q=" + "long " * 400,
            "q=%00",
            "country=moldova%00",
            "q=%F0%9F%98%80%E2%80%AE%D8%A7%D9%84%D8%B3%D9%84%D8%A7%D9%85",
            "q=" + "%22" * 50 + "-" * 30 + "%27",
            "type=unknown&type=news",
            "country=" + "&country=".join(["moldova"] * 40),
            "q=a&q=b&year=2024&year=2025",
            "%ZZ=%ZZ",
        ],
    )
    def test_never_a_500(self, client, corpus, query):
        response = client.get(f"/press/?{query}")
        assert response.status_code == 200

    def test_unknown_slug_is_named_and_matches_nothing(self, client, corpus):
        page = get(client, {"country": "atlantis"}).content.decode()
        assert "Nothing is called “atlantis” among countries and regions." in page
        assert 'data-result-count="0"' in page

    def test_malformed_date_is_explained_and_the_rest_still_filters(self, client, corpus):
        page = get(client, {"date_from": "2024-13-45", "country": "serbia"}).content.decode()
        assert "From: Enter a valid date." in page
        assert 'data-result-count="1"' in page

    def test_reversed_dates_are_swapped_with_a_message(self, client, corpus):
        page = get(client, {"date_from": "2024-12-31", "date_to": "2024-01-01"}).content.decode()
        assert "they have been swapped" in page
        assert 'data-result-count="2"' in page

    def test_a_page_past_the_end_shows_the_last_page(self, client, corpus, settings):
        settings.PRESS_PAGE_SIZE = 2
        page = get(client, {"page": str(10**9)}).content.decode()
        assert 'aria-current="page">3<' in page

    def test_overlong_query_is_refused_with_a_message(self, client, corpus):
        page = get(client, {"q": "word " * 100}).content.decode()
        assert "Search: Ensure this value has at most 200 characters" in page

    def test_nul_byte_is_refused_by_the_form(self, client, corpus):
        page = get(client, {"q": "moldova\x00"}).content.decode()
        assert "Null characters are not allowed." in page


class TestQueryCounts:
    @pytest.mark.parametrize("size", [2, 5])
    def test_listing_queries_do_not_grow_with_page_size(
        self, client, corpus, settings, size, django_assert_num_queries
    ):
        for i in range(12):
            make_release(f"Filler {i}", published_at=at(2022, 1, i + 1),
                         tags={"sources": ["secretariat"], "topics": ["youth"]})  # fmt: skip
        settings.PRESS_PAGE_SIZE = size
        settings.PAGE_CACHE_ENABLED = False  # count the work of rendering, not a cache hit
        client.get("/press/")  # warm the caches (navigation, tree index, types)
        # The listing clock with the trees' version (one query), the page and
        # its cards' issuers (on PostgreSQL in the page's own query): the count
        # and the facets come from the listing index.
        expected = 2 if connection.vendor == "postgresql" else 3
        with django_assert_num_queries(expected):
            client.get("/press/?topic=youth")
        with django_assert_num_queries(expected):
            client.get("/press/?topic=youth&page=2")
