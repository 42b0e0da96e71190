"""The listing's filter form and search boxes: what the visitor chose stays chosen.

Chosen values survive a combination with no result, every search box holds
the current query, a submitted form's empty parameters are redirected away,
long facets stay short, countries read alphabetically.
"""

import re
from datetime import datetime

import pytest
from django.utils import timezone

from press.models import ReleaseType
from press.querystring import without_empty_params

from .factories import PressReleaseFactory

pytestmark = pytest.mark.usefixtures("taxonomy")


def at(y, m, d):
    return timezone.make_aware(datetime(y, m, d, 12, 0))


@pytest.fixture
def releases():
    news = ReleaseType.objects.get(slug="news")
    PressReleaseFactory(
        title="Mission to Moldova observes local elections",
        published_at=at(2023, 11, 5),
        tags={"countries": ["moldova"], "topics": ["elections"]},
    )
    PressReleaseFactory(
        title="Youth forum in Chisinau",
        published_at=at(2024, 3, 1),
        type=news,
        tags={"countries": ["moldova"], "topics": ["youth"]},
    )


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def chips(html):
    """{label: href} of the removable chips of the active filters."""
    bar = re.search(r'<ul class="chips" aria-label="Active filters">(.*?)</ul>', html, re.S)
    assert bar, "no chips"
    return {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', bar.group(1))
    }


def filter_form(html):
    return re.search(r'<form class="filters".*?</form>', html, re.S).group(0)


class TestChosenValuesSurviveNoResult:
    """Elections and 2024 share no release: nothing chosen may drop out."""

    URL = (
        "/press/?q=moldova&topic=elections&country=moldova&year=2024&type=news"
        "&date_from=2023-01-01&date_to=2024-12-31&sort=date"
    )

    def test_the_result_is_zero(self, client, releases):
        html = page(client, self.URL)
        assert 'data-result-count="0"' in html
        assert "0 press releases" in html

    def test_the_year_stays_selected_in_its_dropdown(self, client, releases):
        form = filter_form(page(client, self.URL))
        assert '<option value="2024" selected>2024 (0)</option>' in form
        assert re.findall(r"<option [^>]*selected", form) == [
            '<option value="2024" selected',
            '<option value="date" selected',
        ]

    def test_every_other_value_stays_chosen_in_the_form(self, client, releases):
        form = filter_form(page(client, self.URL))
        checked = re.findall(r'name="(\w+)" value="([^"]+)" checked', form)
        assert sorted(checked) == [("country", "moldova"), ("topic", "elections"), ("type", "news")]
        assert 'id="id_q" name="q" value="moldova"' in form
        assert 'name="date_from" value="2023-01-01"' in form
        assert 'name="date_to" value="2024-12-31"' in form

    def test_each_choice_is_a_chip_that_removes_only_itself(self, client, releases):
        assert chips(page(client, self.URL)) == {
            "“moldova”": "/press/?topic=elections&country=moldova&type=news"
            "&date_from=2023-01-01&date_to=2024-12-31&year=2024&sort=date",
            "Elections": "/press/?q=moldova&country=moldova&type=news"
            "&date_from=2023-01-01&date_to=2024-12-31&year=2024&sort=date",
            "Moldova": "/press/?q=moldova&topic=elections&type=news"
            "&date_from=2023-01-01&date_to=2024-12-31&year=2024&sort=date",
            "News": "/press/?q=moldova&topic=elections&country=moldova"
            "&date_from=2023-01-01&date_to=2024-12-31&year=2024&sort=date",
            "from 1 January 2023": "/press/?q=moldova&topic=elections&country=moldova&type=news"
            "&date_to=2024-12-31&year=2024&sort=date",
            "until 31 December 2024": "/press/?q=moldova&topic=elections&country=moldova&type=news"
            "&date_from=2023-01-01&year=2024&sort=date",
            "2024": "/press/?q=moldova&topic=elections&country=moldova&type=news"
            "&date_from=2023-01-01&date_to=2024-12-31&sort=date",
            "Sort: Oldest first": "/press/?q=moldova&topic=elections&country=moldova&type=news"
            "&date_from=2023-01-01&date_to=2024-12-31&year=2024",
        }

    def test_a_year_without_any_release_stays_selected(self, client, releases):
        form = filter_form(page(client, "/press/?year=1999"))
        assert '<option value="1999" selected>1999 (0)</option>' in form

    def test_a_value_is_chosen_as_the_filter_reads_it(self, client, releases):
        # The filter matches "Moldova" as "moldova": the box must be ticked too.
        form = filter_form(page(client, "/press/?country=Moldova"))
        assert 'name="country" value="moldova" checked' in form

    def test_the_filter_control_counts_the_active_filters(self, client, releases):
        html = page(client, self.URL)
        assert re.search(r'<summary class="filter-toggle">Filter \(7\)</summary>', html)
        assert '<summary class="filter-toggle">Filter (0)</summary>' in page(client, "/press/")


class TestSearchBoxesHoldTheQuery:
    def test_header_and_form_hold_the_query_on_the_result_page(self, client, releases):
        html = page(client, "/press/?q=local+elections")
        assert re.search(r'<input id="site-search"[^>]* value="local elections"', html)
        assert re.search(r'<input [^>]*id="id_q" name="q" value="local elections"', html)

    def test_a_refused_query_is_still_shown_back(self, client, releases):
        typed = "word " * 50  # over the 200 characters allowed
        html = page(client, "/press/?" + "q=" + typed.replace(" ", "+"))
        assert "Search: Ensure this value has at most 200 characters" in html
        assert f'value="{typed}"' in html

    def test_the_query_is_escaped(self, client, releases):
        html = page(client, '/press/?q="><script>alert(1)</script>')
        assert "<script>alert(1)" not in html
        assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html

    def test_node_pages_hold_the_query_too(self, client, releases):
        html = page(client, "/countries/moldova/?q=forum")
        assert re.search(r'<input id="site-search"[^>]* value="forum"', html)
        assert 'data-result-count="1"' in html

    def test_other_pages_have_an_empty_header_box(self, client, releases):
        html = page(client, "/")
        assert re.search(r'<input id="site-search"[^>]* value=""', html)


class TestEmptyParametersRedirect:
    @pytest.mark.parametrize(
        ("url", "clean"),
        [
            ("/press/?q=&topic=&year=", "/press/"),
            ("/press/?q=&country=moldova&year=", "/press/?country=moldova"),
            ("/press/?year=2024&q=+&country=moldova&country=", "/press/?year=2024&country=moldova"),
            ("/press/?q=%C3%A9lection&date_from=", "/press/?q=%C3%A9lection"),
            ("/press/?topic=elections&page=", "/press/?topic=elections"),
            ("/countries/moldova/?q=&topic=&year=", "/countries/moldova/"),
            ("/countries/moldova/?q=&topic=youth", "/countries/moldova/?topic=youth"),
            (
                "/structures/secretariat/?structure=&sort=date",
                "/structures/secretariat/?sort=date",
            ),
        ],
    )
    def test_redirects_to_the_same_address_without_them(self, client, releases, url, clean):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == clean

    def test_the_clean_address_is_served(self, client, releases):
        assert client.get("/press/?country=moldova&topic=youth").status_code == 200
        assert client.get("/press/").status_code == 200

    def test_following_the_redirect_keeps_the_filter(self, client, releases):
        response = client.get("/press/?q=&country=moldova&year=", follow=True)
        assert response.redirect_chain == [("/press/?country=moldova", 302)]
        assert 'data-result-count="2"' in response.content.decode()

    def test_unencoded_characters_are_encoded_as_a_browser_would(self, rf):
        from press.querystring import redirect_without_empty_params

        # A raw "é" (UTF-8) in the address reaches Django as its bytes read as latin-1.
        request = rf.get("/press/")
        request.META["QUERY_STRING"] = "q=\u00c3\u00a9lection&x=&y=a b"
        response = redirect_without_empty_params(request)
        assert response["Location"] == "/press/?q=%C3%A9lection&y=a%20b"

    def test_a_form_post_is_not_redirected(self, rf):
        from press.querystring import redirect_without_empty_params

        assert redirect_without_empty_params(rf.post("/press/?q=")) is None

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("", None),
            ("a=1&b=2", None),
            ("a=&b=", ""),
            ("a=1&b=&c=3", "a=1&c=3"),
            ("c=3&a=1&b=", "c=3&a=1"),  # order kept
            ("q=%ZZ&x=", "q=%ZZ"),  # kept byte for byte, even when malformed
            ("q=a+b&x=%20", "q=a+b"),  # a blank value is empty
            ("flag&a=1", "a=1"),
            ("a=1&&b=2", "a=1&b=2"),
        ],
    )
    def test_without_empty_params(self, query, expected):
        assert without_empty_params(query) == expected


class TestLongFacets:
    def test_a_long_facet_shows_its_busiest_entries_and_show_all(self, client):
        countries = ["moldova", "serbia", "albania", "georgia", "ukraine", "armenia",
                     "kazakhstan", "mongolia", "norway", "malta"]  # fmt: skip
        for i, slug in enumerate(countries):
            for _ in range(len(countries) - i):  # moldova 10 releases ... malta 1
                PressReleaseFactory(tags={"countries": [slug]})
        form = filter_form(page(client, "/press/?country=malta"))
        fieldset = re.search(r"<legend>Country</legend>(.*?)</fieldset>", form, re.S).group(1)
        top, more = fieldset.split('<details class="facet-more">')
        shown = re.findall(r'name="country" value="([^"]+)"', top)
        # The six busiest (Participating States counts them all) and the
        # chosen one, in the facet's alphabetical order; then the rest.
        assert shown == ["participating-states", "albania", "georgia", "malta", "moldova",
                         "serbia", "ukraine"]  # fmt: skip
        assert "<summary>Show all (11)</summary>" in more
        hidden = re.findall(r'name="country" value="([^"]+)"', more)
        assert hidden == ["armenia", "kazakhstan", "mongolia", "norway"]
        # Their parent is listed above "Show all": it is named again here,
        # so that the indentation does not put them under another node.
        assert re.sub(r"\s+", " ", more).startswith(
            ' <summary>Show all (11)</summary> <ul class="facet-list"> '
            '<li class="facet-context level-0">Participating States</li>'
            '<li class="level-1"><input type="checkbox" id="f-country-armenia"'
        )

    def test_a_short_facet_has_no_show_all(self, client, releases):
        form = filter_form(page(client, "/press/"))
        assert "facet-more" not in form


class TestCountriesAlphabetical:
    def test_country_facet_lists_countries_in_collation_order(self, client):
        for slug in ["turkmenistan", "turkiye", "norway", "north-macedonia", "the-netherlands",
                     "montenegro", "belgium", "belarus", "austria"]:  # fmt: skip
            PressReleaseFactory(tags={"countries": [slug]})
        form = filter_form(page(client, "/press/"))
        order = re.findall(r'name="country" value="([^"]+)"', form)
        assert order == [
            "participating-states",
            "austria",
            "belarus",
            "belgium",
            "montenegro",
            "the-netherlands",  # "The" does not count: under N
            "north-macedonia",
            "norway",
            "turkiye",
            "turkmenistan",
        ]


def test_show_all_names_the_ancestors_listed_above_it():
    from press.facets import Facet, Option

    facet = Facet(
        "structure",
        "Structure",
        [
            Option("field-operations", "Field operations", 40),
            Option("south-east", "South-Eastern Europe", 30, level=1, parent="field-operations"),
            Option("serbia", "Mission to Serbia", 20, level=2, parent="south-east"),
            Option("skopje", "Mission to Skopje", 1, level=2, parent="south-east"),
            Option("east", "Eastern Europe", 5, level=1, parent="field-operations"),
            Option("moldova", "Mission to Moldova", 2, level=2, parent="east"),
            Option("secretariat", "Secretariat", 25),
            Option("cpc", "Conflict Prevention Centre", 24, level=1, parent="secretariat"),
            Option("ttd", "Transnational Threats Department", 1, level=1, parent="secretariat"),
            Option("odihr", "ODIHR", 3, selected=True),
            Option("hcnm", "HCNM", 1),
        ],
    )

    def rows(part):
        return [(r.label if r.is_context else r.value) for r in part]

    # The six busiest, and ODIHR because it is chosen.
    assert rows(facet.top) == [
        "field-operations", "south-east", "serbia", "east", "secretariat", "cpc", "odihr",
    ]  # fmt: skip
    assert rows(facet.more) == [
        "Field operations › South-Eastern Europe", "skopje",
        "Field operations › Eastern Europe", "moldova",
        "Secretariat", "ttd",
        "hcnm",
    ]  # fmt: skip
