"""Public pages name each tag as it was called on the release's date.

A node keeps its identity through renames; a release of 2005 tagged with
today's Programme Office reads "Centre in Lowtown (now: Programme Office in
Hightown)". Filters take a node's former slugs, and ``predecessors=1`` makes
every node filter match the nodes its nodes followed.

The nodes here are made up (Lowtown, Hightown, Ruritania): the shipped trees
carry the organisation's real history, whose names and former slugs would
answer for the real nodes. Everything is built in the tests with literal
names and days; every expectation is written out by hand.
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from taxonomy import history
from taxonomy.models import NodeLink, Structure

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")

ATOM = "{http://www.w3.org/2005/Atom}"
OFFICE_URL = "/structures/field-operations/programme-office-in-hightown/"
STRELSAU_URL = "/structures/field-operations/office-in-strelsau/"
DUMMY_CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    for alias in django_settings.CACHES
}


def at(year, month, day, hour=12, minute=0):
    """An instant in the site's time zone (Vienna)."""
    return timezone.make_aware(datetime(year, month, day, hour, minute))


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_ENABLED = False


@pytest.fixture
def office():
    """Centre in Lowtown (1998-07-23 to 2007-06-20, French name given), Centre in Hightown
    (2007-06-21 to 2014-12-31, no French name), Programme Office in Hightown (from 2015)."""
    field_operations = Structure.objects.get(slug="field-operations")
    node = Structure.objects.create(
        name="Centre in Lowtown",
        name_fr="Centre de Lowtown",
        slug="centre-in-lowtown",
        parent=field_operations,
        opened_on=date(1998, 7, 23),
    )
    history.rename(node, "Centre in Hightown", date(2007, 6, 21))
    history.rename(
        node,
        "Programme Office in Hightown",
        date(2015, 1, 1),
        names={"fr": "Bureau de programme de Hightown"},
    )
    node.refresh_from_db()
    assert node.slug == "programme-office-in-hightown"
    return node


@pytest.fixture
def ruritania():
    """Assistance Group in Ruritania (closed 1996) → Mission to Ruritania (closed 2007) →
    Office in Strelsau, with one release each, and one release of none of them."""
    field_operations = Structure.objects.get(slug="field-operations")
    closed = Structure.objects.get(slug="closed-field-activities")
    group = Structure.objects.create(
        name="Assistance Group in Ruritania", slug="assistance-group-in-ruritania", parent=closed
    )
    mission = Structure.objects.create(
        name="Mission to Ruritania", slug="mission-to-ruritania", parent=closed
    )
    office = Structure.objects.create(
        name="Office in Strelsau", slug="office-in-strelsau", parent=field_operations
    )
    history.close(group, date(1996, 12, 31), successor=mission)
    history.close(mission, date(2007, 12, 31), successor=office, kind=NodeLink.SUCCEEDED_BY)
    make_release(
        "Group report",
        slug="group-report",
        published_at=at(1995, 5, 1),
        tags={"structures": ["assistance-group-in-ruritania"], "topics": ["youth"]},
    )
    make_release(
        "Mission report",
        slug="mission-report",
        published_at=at(2005, 5, 1),
        tags={"structures": ["mission-to-ruritania"], "topics": ["elections"]},
    )
    make_release(
        "Office report",
        slug="office-report",
        published_at=at(2009, 5, 1),
        tags={"structures": ["office-in-strelsau"], "topics": ["elections"]},
    )
    make_release(
        "Unrelated report",
        slug="unrelated-report",
        published_at=at(2009, 6, 1),
        tags={"topics": ["elections"]},
    )


def tagged(title, when, *, slug, language="en", status="published"):
    """A release issued by the office (source) and tagged with it (structure)."""
    return make_release(
        title,
        slug=slug,
        published_at=when,
        status=status,
        language=language,
        tags={
            "sources": ["programme-office-in-hightown"],
            "structures": ["programme-office-in-hightown"],
            "topics": ["elections"],
        },
    )


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def json_ld(html):
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def result_count(html):
    return int(re.search(r'data-result-count="(\d+)"', html).group(1))


def card_titles(html):
    return re.findall(r'<h3><a href="/(?:fr/)?press/[^"]+/">([^<]+)</a></h3>', html)


def chips(html):
    """The labels of the "Active filters" chips."""
    block = re.search(r'<ul class="chips" aria-label="Active filters">(.*?)</ul>', html, re.S)
    return re.findall(r">([^<>]+)</a></li>", block.group(1)) if block else []


def rss_items(content):
    """{title: [categories]} of an RSS feed."""
    root = ET.fromstring(content)
    return {
        item.findtext("title"): [c.text for c in item.findall("category")]
        for item in root.find("channel").findall("item")
    }


THEN_LOWTOWN = (
    '<span class="then-name">Centre in Lowtown</span> <span class="now">(now: '
    f'<a href="{OFFICE_URL}">Programme Office in Hightown</a>)</span>'
)
THEN_HIGHTOWN = (
    '<span class="then-name">Centre in Hightown</span> <span class="now">(now: '
    f'<a href="{OFFICE_URL}">Programme Office in Hightown</a>)</span>'
)
TODAY = f'<a href="{OFFICE_URL}">Programme Office in Hightown</a>'


class TestReleasePage:
    def test_a_release_before_the_renames_names_the_centre_then_and_links_today(
        self, client, office
    ):
        release = tagged("Lowtown seminar", at(2005, 3, 1), slug="lowtown-seminar")
        html = page(client, release.get_absolute_url())
        # The source, in the release's meta line.
        assert f"<dt>Source:</dt> <dd>{THEN_LOWTOWN}</dd>" in html
        # The structure tag, among the tags.
        assert f'<li class="then">{THEN_LOWTOWN}</li>' in html
        assert '<li><a href="/topics/elections/">Elections</a></li>' in html

    def test_a_release_between_the_renames_has_the_second_name(self, client, office):
        release = tagged("Hightown seminar", at(2010, 3, 1), slug="hightown-seminar")
        html = page(client, release.get_absolute_url())
        assert f'<li class="then">{THEN_HIGHTOWN}</li>' in html
        assert "Centre in Lowtown" not in html

    def test_the_day_of_a_rename_is_read_in_the_site_time_zone(self, client, office):
        # 00:30 on 21 June 2007 in Vienna is still 20 June in UTC: the new name.
        release = tagged("Just renamed", at(2007, 6, 21, 0, 30), slug="just-renamed")
        html = page(client, release.get_absolute_url())
        assert f'<li class="then">{THEN_HIGHTOWN}</li>' in html
        # 23:30 on 20 June 2007 in Vienna: the last day of the first name.
        release = tagged("Last day", at(2007, 6, 20, 23, 30), slug="last-day")
        html = page(client, release.get_absolute_url())
        assert f'<li class="then">{THEN_LOWTOWN}</li>' in html

    def test_a_release_after_the_last_rename_has_today_name_as_a_plain_link(self, client, office):
        release = tagged("Office seminar", at(2016, 3, 1), slug="office-seminar")
        html = page(client, release.get_absolute_url())
        assert f"<dt>Source:</dt> <dd>{TODAY}</dd>" in html
        assert f"<li>{TODAY}</li>" in html
        assert "(now:" not in html and 'class="then"' not in html

    def test_a_draft_without_a_date_previews_today_names(self, client, office, comms_user):
        release = tagged("Undated draft", None, slug="undated-draft", status="draft")
        client.force_login(comms_user)
        html = page(client, release.get_absolute_url())
        assert f"<li>{TODAY}</li>" in html
        assert "Centre in Lowtown" not in html and "Centre in Hightown" not in html

    def test_json_ld_keywords_have_the_names_then_and_today(self, client, office):
        release = tagged("Lowtown seminar", at(2005, 3, 1), slug="lowtown-seminar")
        data = json_ld(page(client, release.get_absolute_url()))
        assert data["keywords"] == [
            "Elections",
            "Centre in Lowtown",
            "Programme Office in Hightown",
        ]
        release = tagged("Office seminar", at(2016, 3, 1), slug="office-seminar")
        data = json_ld(page(client, release.get_absolute_url()))
        assert data["keywords"] == ["Elections", "Programme Office in Hightown"]


class TestCards:
    def test_listing_cards_name_who_issued_each_release_as_then(self, client, office):
        tagged("Lowtown seminar", at(2005, 3, 1), slug="lowtown-seminar")
        tagged("Hightown seminar", at(2010, 3, 1), slug="hightown-seminar")
        tagged("Office seminar", at(2016, 3, 1), slug="office-seminar")
        html = page(client, "/press/")
        label = '<span class="visually-hidden">Source: </span>'
        assert f'<p class="issuer">{label}{THEN_LOWTOWN}</p>' in html
        assert f'<p class="issuer">{label}{THEN_HIGHTOWN}</p>' in html
        assert f'<p class="issuer">{label}{TODAY}</p>' in html

    def test_home_and_node_page_cards_too(self, client, office):
        tagged("Lowtown seminar", at(2005, 3, 1), slug="lowtown-seminar")
        assert THEN_LOWTOWN in page(client, "/")
        assert THEN_LOWTOWN in page(client, "/topics/elections/")

    def test_a_release_without_a_source_names_its_most_specific_structure_tags(
        self, client, office
    ):
        make_release(
            "Tagged only",
            slug="tagged-only",
            published_at=at(2005, 3, 1),
            tags={"structures": ["field-operations", "programme-office-in-hightown"]},
        )
        html = page(client, "/press/")
        label = '<span class="visually-hidden">Structures: </span>'
        # Field operations contains the office: the office alone says more.
        assert f'<p class="issuer">{label}{THEN_LOWTOWN}</p>' in html

    def test_a_card_names_two_sources_at_most(self, client, office):
        make_release(
            "Joint statement",
            slug="joint-statement",
            published_at=at(2005, 3, 1),
            tags={"sources": ["programme-office-in-hightown", "secretariat", "chairpersonship"]},
        )
        html = page(client, "/press/")
        (line,) = re.findall(r'<p class="issuer">(.*?)</p>', html)
        assert len(re.findall(r"<a href=", line)) == 2
        assert line.endswith(' <span class="more">and 1 more</span>')

    def test_a_release_with_neither_has_no_issuer_line(self, client, office):
        make_release("Untagged", slug="untagged", published_at=at(2005, 3, 1))
        assert '<p class="issuer">' not in page(client, "/press/")


class TestFeeds:
    def test_rss_items_carry_their_tags_as_named_on_their_date(self, client, office):
        tagged("Lowtown seminar", at(2005, 3, 1), slug="lowtown-seminar")
        tagged("Office seminar", at(2016, 3, 1), slug="office-seminar")
        items = rss_items(client.get("/press/feed/").content)
        # The names of then, then today's name of what was renamed since.
        assert items["Lowtown seminar"] == [
            "Press release",
            "Centre in Lowtown",
            "Elections",
            "Programme Office in Hightown",
        ]
        assert items["Office seminar"] == [
            "Press release",
            "Programme Office in Hightown",
            "Elections",
        ]

    def test_atom_entries_too(self, client, office):
        tagged("Hightown seminar", at(2010, 3, 1), slug="hightown-seminar")
        root = ET.fromstring(client.get("/press/feed/atom/").content)
        (entry,) = root.findall(f"{ATOM}entry")
        terms = [c.get("term") for c in entry.findall(f"{ATOM}category")]
        assert terms == [
            "Press release",
            "Centre in Hightown",
            "Elections",
            "Programme Office in Hightown",
        ]


class TestLanguages:
    def test_french_page_has_the_french_former_name_and_today_french_name(self, client, office):
        release = tagged("Séminaire de Lowtown", at(2005, 3, 1), slug="lowtown-fr", language="fr")
        html = page(client, "/fr/press/lowtown-fr/")
        assert '<span class="then-name">Centre de Lowtown</span>' in html
        assert f'<a href="/fr{OFFICE_URL}">Bureau de programme de Hightown</a>)</span>' in html
        assert json_ld(html)["keywords"][1:] == [
            "Centre de Lowtown",
            "Bureau de programme de Hightown",
        ]
        assert release.get_absolute_url() == "/fr/press/lowtown-fr/"

    def test_a_former_name_without_french_falls_back_to_its_english(self, client, office):
        tagged("Séminaire de Hightown", at(2010, 3, 1), slug="hightown-fr", language="fr")
        html = page(client, "/fr/press/hightown-fr/")
        assert '<span class="then-name">Centre in Hightown</span>' in html
        assert f'<a href="/fr{OFFICE_URL}">Bureau de programme de Hightown</a>)</span>' in html
        # The French listing's card and feed name it alike.
        assert '<span class="then-name">Centre in Hightown</span>' in page(client, "/fr/press/")
        items = rss_items(client.get("/fr/press/feed/").content)
        assert "Centre in Hightown" in items["Séminaire de Hightown"]


class TestFormerSlugs:
    @pytest.mark.parametrize("slug", ["centre-in-lowtown", "centre-in-hightown"])
    def test_a_former_slug_filters_by_the_node_named_as_today(self, client, office, slug):
        tagged("Lowtown seminar", at(2005, 3, 1), slug="lowtown-seminar")
        tagged("Office seminar", at(2016, 3, 1), slug="office-seminar")
        make_release("Elsewhere", slug="elsewhere", published_at=at(2016, 4, 1))
        html = page(client, f"/press/?structure={slug}")
        assert result_count(html) == 2
        assert sorted(card_titles(html)) == ["Lowtown seminar", "Office seminar"]
        assert chips(html) == ["Programme Office in Hightown"]
        assert "Nothing is called" not in html
        # The office's own checkbox is the one ticked.
        assert re.search(
            r'<input type="checkbox" id="f-structure-programme-office-in-hightown" '
            r'name="structure" value="programme-office-in-hightown" checked>',
            html,
        )
        feed = client.get(f"/press/feed/?structure={slug}").content
        assert sorted(rss_items(feed)) == ["Lowtown seminar", "Office seminar"]
        title = ET.fromstring(feed).find("channel").findtext("title")
        assert title == "Press releases: Programme Office in Hightown"

    def test_an_unknown_slug_is_still_named_and_matches_nothing(self, client, office):
        html = page(client, "/press/?structure=centre-in-nowhere")
        assert result_count(html) == 0
        assert "Nothing is called “centre-in-nowhere”" in html


class TestPredecessors:
    def test_off_the_filter_matches_the_node_alone(self, client, ruritania):
        html = page(client, "/press/?structure=office-in-strelsau")
        assert result_count(html) == 1
        assert card_titles(html) == ["Office report"]

    def test_on_it_matches_every_node_it_followed_transitively(self, client, ruritania):
        html = page(client, "/press/?structure=office-in-strelsau&predecessors=1")
        assert result_count(html) == 3
        assert card_titles(html) == ["Office report", "Mission report", "Group report"]
        assert chips(html) == ["Office in Strelsau", "with predecessors"]
        # The chip takes the parameter away and keeps the rest.
        assert (
            '<a href="/press/?structure=office-in-strelsau" '
            'aria-label="Remove filter: with predecessors">with predecessors</a>'
        ) in html

    def test_the_counts_agree_with_the_results(self, client, ruritania):
        html = page(client, "/press/?structure=office-in-strelsau&predecessors=1")
        # The topic facet counts the three releases: two on elections, one on youth.
        assert re.search(r'value="elections"[^>]*>.*?<span class="n">2</span>', html, re.S)
        assert re.search(r'value="youth"[^>]*>.*?<span class="n">1</span>', html, re.S)
        # And with a second filter, the read model's count and the results agree.
        html = page(client, "/press/?structure=office-in-strelsau&predecessors=1&topic=elections")
        assert result_count(html) == 2
        assert card_titles(html) == ["Office report", "Mission report"]
        html = page(client, "/press/?structure=office-in-strelsau&predecessors=1&year=2005")
        assert result_count(html) == 1
        assert card_titles(html) == ["Mission report"]

    def test_a_predecessor_chosen_has_no_successors_added(self, client, ruritania):
        html = page(client, "/press/?structure=mission-to-ruritania&predecessors=1")
        assert card_titles(html) == ["Mission report", "Group report"]

    def test_on_node_page_filters(self, client, ruritania):
        html = page(client, "/topics/elections/?structure=office-in-strelsau&predecessors=1")
        assert result_count(html) == 2
        assert card_titles(html) == ["Office report", "Mission report"]
        html = page(client, "/topics/elections/?structure=office-in-strelsau")
        assert card_titles(html) == ["Office report"]

    def test_feeds_follow_it(self, client, ruritania):
        rss = client.get("/press/feed/?structure=office-in-strelsau&predecessors=1").content
        assert list(rss_items(rss)) == ["Office report", "Mission report", "Group report"]
        title = ET.fromstring(rss).find("channel").findtext("title")
        assert title == "Press releases: Office in Strelsau, with predecessors"
        atom = ET.fromstring(
            client.get("/press/feed/atom/?structure=office-in-strelsau&predecessors=1").content
        )
        titles = [e.findtext(f"{ATOM}title") for e in atom.findall(f"{ATOM}entry")]
        assert titles == ["Office report", "Mission report", "Group report"]
        rss = client.get("/press/feed/?structure=office-in-strelsau").content
        assert list(rss_items(rss)) == ["Office report"]

    @pytest.mark.parametrize("value", ["yes", "0", "2", "true", "<script>", "1" * 500, "%00"])
    def test_any_other_value_is_ignored_without_an_error(self, client, ruritania, value):
        url = f"/press/?structure=office-in-strelsau&predecessors={value}"
        html = page(client, url)
        assert result_count(html) == 1
        assert chips(html) == ["Office in Strelsau"]
        # The canonical address and the feed link leave it out.
        assert (
            '<link rel="canonical" href="http://testserver/press/?structure=office-in-strelsau">'
        ) in html
        assert '<a href="/press/feed/?structure=office-in-strelsau">' in html
        feed = client.get(f"/press/feed/?structure=office-in-strelsau&predecessors={value}")
        assert feed.status_code == 200
        assert list(rss_items(feed.content)) == ["Office report"]

    def test_alone_it_changes_nothing_and_can_be_removed(self, client, ruritania):
        html = page(client, "/press/?predecessors=1")
        assert result_count(html) == 4
        assert chips(html) == ["with predecessors"]


class TestQueryCounts:
    def queries(self, client, url):
        client.get(url)  # per-process memos only: no cache survives
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    @pytest.mark.parametrize(
        "url",
        [
            "/",
            "/press/",
            "/press/?structure=centre-in-lowtown",
            "/press/?structure=programme-office-in-hightown&predecessors=1",
            "/topics/elections/",
            "/press/feed/",
            "/press/feed/atom/",
        ],
    )
    def test_flat_in_the_number_of_cards(self, client, office, url):
        with override_settings(CACHES=DUMMY_CACHES):
            tagged("First", at(2005, 3, 1), slug="first")
            few = self.queries(client, url)
            for i in range(7):
                tagged(f"More {i}", at(2003 + 2 * i, 3, 1), slug=f"more-{i}")
            html = page(client, url)
            assert html.count("Centre in Lowtown") >= 2 or "feed" in url
            assert self.queries(client, url) == few
