"""RSS and Atom feeds: what they hold, what they are called, where they say they live.

Feeds are read here the way a feed reader reads them: parsed as XML (and by
feedparser), never by looking for substrings.
"""

import sys
import threading
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser
from xml.dom import minidom
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from press.feeds import PressAtomFeed, PressFeed, ReadableRssFeed

from .conftest import AXE, CHROMIUM, make_release

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
VIENNA = ZoneInfo("Europe/Vienna")


def channel(response):
    """The RSS <channel> of a feed response (or its bytes), checked to be RSS 2.0."""
    root = ET.fromstring(getattr(response, "content", response))
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel")


def rss_self_link(channel):
    (link,) = [e for e in channel.findall(f"{ATOM}link") if e.get("rel") == "self"]
    return link.get("href")


def atom_links(response):
    """{rel: href} of an Atom feed's own links."""
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return {e.get("rel"): e.get("href") for e in root.findall(f"{ATOM}link")}


def stylesheet_instructions(content):
    """The <?xml-stylesheet?> instructions before the root element, as {attribute: value}."""
    document = minidom.parseString(content)
    found = []
    for node in document.childNodes:
        if node.nodeType == node.PROCESSING_INSTRUCTION_NODE and node.target == "xml-stylesheet":
            pseudo = minidom.parseString(f"<pi {node.data}/>").documentElement
            found.append(dict(pseudo.attributes.items()))
    return found


class FeedLinks(HTMLParser):
    """The feeds an HTML page announces: {media type: href} of its <link rel="alternate">
    (those with a media type: the others name the page in other languages)."""

    def __init__(self, html):
        super().__init__()
        self.feeds = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate" and "type" in attrs:
            self.feeds[attrs["type"]] = attrs["href"]


class TestWhatAFeedHolds:
    def test_rss_honours_filters(self, client):
        make_release("About Moldova", tags={"countries": ["moldova"]})
        make_release("About Japan", tags={"countries": ["japan"]})
        items = channel(client.get("/press/feed/?country=moldova")).iter("item")
        assert [i.findtext("title") for i in items] == ["About Moldova"]

    def test_atom_honours_filters(self, client):
        make_release("Elections everywhere", tags={"topics": ["elections"]})
        make_release("Youth", tags={"topics": ["youth"]})
        root = ET.fromstring(client.get("/press/feed/atom/?topic=elections").content)
        titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
        assert titles == ["Elections everywhere"]

    def test_feed_never_shows_drafts(self, client):
        make_release("Secret", status="draft")
        make_release("Public")
        items = channel(client.get("/press/feed/")).iter("item")
        assert [i.findtext("title") for i in items] == ["Public"]

    def test_items_are_dated_in_the_sites_time_zone(self, client):
        make_release("Late news", published_at=datetime(2024, 5, 17, 23, 30, tzinfo=VIENNA))
        item = channel(client.get("/press/feed/")).find("item")
        # 23:30 in Vienna is still 17 May there, though 21:30 UTC.
        assert item.findtext("pubDate") == "Fri, 17 May 2024 23:30:00 +0200"

    @pytest.mark.parametrize(
        "query", ["country=atlantis", "date_from=nope", "q=%00", "page=x", "q=a%01b%1F"]
    )
    def test_feed_survives_bad_input(self, client, query):
        response = client.get(f"/press/feed/?{query}")
        assert response.status_code == 200
        channel(response)


class TestTitles:
    @pytest.mark.parametrize(
        ("query", "title"),
        [
            ("", "OSCE press releases"),
            ("q=&topic=&year=", "OSCE press releases"),
            ("topic=elections&country=moldova", "Press releases: Elections, Moldova"),
            # The FilterSet's order, whatever the order in the address.
            ("country=moldova&topic=elections", "Press releases: Elections, Moldova"),
            ("country=moldova&country=serbia", "Press releases: Moldova or Serbia"),
            ("structure=secretariat&type=news", "Press releases: Secretariat, News"),
            ("q=ceasefire&year=2024", "Press releases: “ceasefire”, 2024"),
            (
                "country=moldova&date_from=2024-01-01&date_to=2024-03-31",
                "Press releases: Moldova, 1 January 2024 to 31 March 2024",
            ),
            (
                "date_from=2024-03-31&date_to=2024-01-01",
                "Press releases: 1 January 2024 to 31 March 2024",
            ),
            ("date_from=2024-01-01", "Press releases: from 1 January 2024"),
            ("date_to=2024-03-31", "Press releases: until 31 March 2024"),
            (
                "meeting=ministerial-council-meetings&page=3&sort=date",
                "Press releases: Ministerial Council meetings",
            ),
            ("country=atlantis", "Press releases: atlantis"),
            ("date_from=nope&country=moldova", "Press releases: Moldova"),
        ],
    )
    def test_a_feed_says_what_it_holds(self, client, query, title):
        assert channel(client.get(f"/press/feed/?{query}")).findtext("title") == title
        root = ET.fromstring(client.get(f"/press/feed/atom/?{query}").content)
        assert root.findtext(f"{ATOM}title") == title


class TestSelfLinks:
    def test_rss_links_carry_the_filters(self, client):
        feed = channel(client.get("/press/feed/?country=moldova&page=2&topic=elections"))
        assert (
            rss_self_link(feed) == "http://testserver/press/feed/?country=moldova&topic=elections"
        )
        assert feed.findtext("link") == "http://testserver/press/?country=moldova&topic=elections"

    def test_atom_links_carry_the_filters(self, client):
        links = atom_links(client.get("/press/feed/atom/?year=2024&q=vote&sort=date"))
        assert links == {
            "self": "http://testserver/press/feed/atom/?year=2024&q=vote&sort=date",
            "alternate": "http://testserver/press/?year=2024&q=vote&sort=date",
        }

    def test_repeated_values_keep_their_order(self, client):
        feed = channel(client.get("/press/feed/?country=serbia&country=moldova"))
        assert rss_self_link(feed) == "http://testserver/press/feed/?country=serbia&country=moldova"

    def test_empty_and_bad_parameters_are_left_out(self, client):
        feed = channel(client.get("/press/feed/?q=&topic=&country=moldova&year=&date_from=nope"))
        assert rss_self_link(feed) == "http://testserver/press/feed/?country=moldova"
        links = atom_links(client.get("/press/feed/atom/?q=&topic="))
        assert links["self"] == "http://testserver/press/feed/atom/"
        assert links["alternate"] == "http://testserver/press/"

    @pytest.mark.parametrize(
        "page",
        [
            "/press/?topic=elections&country=moldova&sort=date",
            "/countries/moldova/",
            "/countries/moldova/?topic=elections&year=2024",
        ],
    )
    def test_feeds_a_page_announces_name_themselves_alike(self, client, page):
        announced = FeedLinks(client.get(page).content.decode()).feeds
        rss_href = announced["application/rss+xml"]
        atom_href = announced["application/atom+xml"]
        assert rss_self_link(channel(client.get(rss_href))) == f"http://testserver{rss_href}"
        assert atom_links(client.get(atom_href))["self"] == f"http://testserver{atom_href}"

    def test_listing_links_its_feeds(self, client):
        page = client.get("/press/?topic=elections").content.decode()
        assert '<link rel="alternate" type="application/rss+xml"' in page
        assert "/press/feed/atom/?topic=elections" in page


@pytest.mark.parametrize("feed_class", [PressFeed, PressAtomFeed])
def test_a_request_leaves_nothing_on_the_shared_feed(rf, feed_class):
    feed = feed_class()  # as the URLconf holds it, for every request
    response = feed(rf.get("/press/feed/?country=moldova"))
    assert response.status_code == 200
    assert vars(feed) == {}


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_see_each_others_filters(taxonomy, live_server, settings):
    """One Feed instance serves every thread; each response must describe its own request.

    Thread switches are made very frequent (sys.setswitchinterval) so that any
    state shared between requests shows: on the code that kept the request on
    the Feed instance, 8 to 27 of these 100 responses (in each of 5 runs)
    linked to another request's country.
    """
    settings.PAGE_CACHE_ENABLED = False  # every response rendered, none replayed
    countries = {
        "moldova": "Moldova",
        "serbia": "Serbia",
        "japan": "Japan",
        "albania": "Albania",
        "georgia": "Georgia",
    }
    slugs = list(countries)
    seen = []

    def reader(n):
        for i in range(5):
            slug = slugs[(n + i) % len(slugs)]
            with urllib.request.urlopen(f"{live_server.url}/press/feed/?country={slug}") as r:
                feed = channel(r.read())
            seen.append((slug, feed.findtext("title"), feed.findtext("link"), rss_self_link(feed)))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=reader, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)

    assert len(seen) == 100
    wrong = [
        row
        for row in seen
        if row[1:]
        != (
            f"Press releases: {countries[row[0]]}",
            f"{live_server.url}/press/?country={row[0]}",
            f"{live_server.url}/press/feed/?country={row[0]}",
        )
    ]
    assert wrong == []


class TestReadableInABrowser:
    @pytest.mark.parametrize("url", ["/press/feed/?country=moldova", "/press/feed/atom/"])
    def test_feed_names_its_stylesheet_and_the_stylesheet_is_served(self, client, url):
        response = client.get(url)
        (instruction,) = stylesheet_instructions(response.content)
        assert instruction["type"] == "text/xsl"
        stylesheet = client.get(instruction["href"])
        assert stylesheet.status_code == 200
        assert stylesheet["Content-Type"].startswith("text/xsl")
        root = ET.fromstring(stylesheet.content)
        assert root.tag == "{http://www.w3.org/1999/XSL/Transform}stylesheet"

    def test_the_pages_css_is_served_by_the_static_files(self, client):
        xsl = ET.fromstring(client.get("/press/feed/style.xsl").content)
        css = [e.get("href") for e in xsl.iter("link") if e.get("rel") == "stylesheet"]
        assert css == ["/static/css/site.css", "/static/feeds/feed.css"]
        for href in css:
            response = client.get(href)
            assert response.status_code == 200
            assert response["Content-Type"].startswith("text/css")

    def test_served_as_xml_so_browsers_apply_the_stylesheet(self, client):
        for url in ("/press/feed/", "/press/feed/atom/"):
            assert client.get(url)["Content-Type"] == "application/xml; charset=utf-8"


class TestAFeedReaderReadsThem:
    """feedparser, as used by many readers, takes the feeds as served (application/xml)."""

    def read(self, client, url):
        response = client.get(url)
        return feedparser.parse(
            response.content, response_headers={"content-type": response["Content-Type"]}
        )

    def test_rss(self, client):
        make_release("Mission to Moldova supports local elections", tags={"countries": ["moldova"]})
        parsed = self.read(client, "/press/feed/?country=moldova")
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == "rss20"
        assert parsed.feed.title == "Press releases: Moldova"
        assert [e.title for e in parsed.entries] == ["Mission to Moldova supports local elections"]
        assert parsed.entries[0].link == (
            "http://testserver/press/mission-to-moldova-supports-local-elections/"
        )

    def test_atom(self, client):
        make_release("Mission to Moldova supports local elections", tags={"countries": ["moldova"]})
        parsed = self.read(client, "/press/feed/atom/?country=moldova")
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == "atom10"
        assert parsed.feed.title == "Press releases: Moldova"
        assert [e.title for e in parsed.entries] == ["Mission to Moldova supports local elections"]


class ReaderView(HTMLParser):
    """What a reader shows for one of feedparser's values: its text and any elements in it."""

    def __init__(self, detail):
        super().__init__(convert_charrefs=True)
        self.text, self.elements = "", []
        if detail.type == "text/plain":
            self.text = detail.value
        else:
            assert detail.type in ("text/html", "application/xhtml+xml"), detail.type
            self.feed(detail.value)
            self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)

    def handle_data(self, data):
        self.text += data


# Typed into the admin as plain text: a reader must show it as typed.
HOSTILE_SUMMARY = '"><img src=x onerror=alert(1)>'
PLAIN_TITLES = ["AT&T <b>", "Talks <i>on</i> AT&amp;T", '"><img src=x onerror=alert(1)></img>']


def read_feed(content):
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


class TestPlainTextStaysPlainText:
    """A release's title and summary are plain text: a reader shows them as typed.

    Read with feedparser, which gives each value with its type and, for HTML,
    sanitised markup: that markup must hold no element at all.
    """

    @pytest.mark.parametrize("url", ["/press/feed/", "/press/feed/atom/"])
    @pytest.mark.parametrize("title", PLAIN_TITLES)
    def test_title_and_summary_read_as_typed(self, client, url, title):
        make_release(title, summary=HOSTILE_SUMMARY)
        (entry,) = read_feed(client.get(url).content).entries
        summary = ReaderView(entry.summary_detail)
        assert summary.text == '"><img src=x onerror=alert(1)>'
        assert summary.elements == []
        shown_title = ReaderView(entry.title_detail)
        assert shown_title.text == title
        assert shown_title.elements == []

    @pytest.mark.parametrize("url", ["/press/feed/", "/press/feed/atom/"])
    def test_a_body_without_summary_reads_as_its_text(self, client, url):
        make_release(
            "Quoted",
            summary="",
            body="<p>AT&amp;T wrote &lt;img src=x onerror=alert(1)&gt; <em>here</em>.</p>",
        )
        (entry,) = read_feed(client.get(url).content).entries
        summary = ReaderView(entry.summary_detail)
        assert summary.text == "AT&T wrote <img src=x onerror=alert(1)> here."
        assert summary.elements == []

    @pytest.mark.parametrize("url", ["/press/feed/", "/press/feed/atom/"])
    def test_a_feed_title_holding_the_query_reads_as_typed(self, client, url):
        parsed = read_feed(client.get(url, {"q": "AT&T <i>x</i>"}).content)
        shown = ReaderView(parsed.feed.title_detail)
        assert shown.text == "Press releases: “AT&T <i>x</i>”"
        assert shown.elements == []

    @pytest.mark.parametrize("generator", [Rss201rev2Feed, Atom1Feed])
    def test_positive_control_text_escaped_once_reads_as_markup(self, generator):
        """Django's own generators, given the text as is (the feeds before they
        escaped it), hand a reader an <img> element: the checks above can see one."""
        feed = generator(title="Feed", link="http://testserver/", description="Feed")
        feed.add_item(
            title="Talks <i>on</i> AT&amp;T",
            link="http://testserver/press/x/",
            description=HOSTILE_SUMMARY,
        )
        (entry,) = read_feed(feed.writeString("utf-8")).entries
        assert "img" in ReaderView(entry.summary_detail).elements
        assert ReaderView(entry.summary_detail).text != HOSTILE_SUMMARY
        if generator is Rss201rev2Feed:  # Atom titles are text by default
            assert ReaderView(entry.title_detail).elements == ["i"]


# --- in a real browser --------------------------------------------------------
BROWSER_RELEASE = {
    "title": "Mission to Moldova supports local elections",
    "summary": "Election officials from 35 districts trained in Chisinau.",
    "published_at": datetime(2024, 5, 17, 10, 0, tzinfo=VIENNA),
    "tags": {"countries": ["moldova"], "topics": ["elections"]},
}


@pytest.fixture
def feed_site(taxonomy, live_server):
    make_release(**BROWSER_RELEASE)
    make_release("Youth forum in Vienna", tags={"countries": ["austria"]})
    return live_server.url


# What the page itself may not contain under the site's CSP: style attributes,
# style or script elements, inline event handlers. Chromium's own XSLT notice
# (hidden by feed.css) is not the page's.
INLINE_CODE = """() => [...document.querySelectorAll('*')]
    .filter(e => !e.closest('xslt-warning-banner'))
    .filter(e => ['STYLE', 'SCRIPT'].includes(e.tagName)
        || [...e.attributes].some(a => a.name === 'style' || a.name.startsWith('on')))
    .map(e => e.outerHTML.slice(0, 80))"""


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed")
@pytest.mark.django_db(transaction=True)
class TestInChromium:
    @pytest.mark.parametrize("width", [1280, 375])
    @pytest.mark.parametrize("path", ["/press/feed/", "/press/feed/atom/"])
    def test_a_feed_reads_as_a_page(self, page, feed_site, path, width):
        page.set_viewport_size({"width": width, "height": 800})
        url = f"{feed_site}{path}?topic=elections&country=moldova"
        page.goto(url)
        assert page.locator("h1").inner_text() == "Press releases: Elections, Moldova"
        assert page.locator(".about-feed").inner_text().startswith("This is a feed.")
        assert page.locator(".feed-address").inner_text() == url
        link = page.locator(".feed-items h2 a")
        assert link.all_inner_texts() == ["Mission to Moldova supports local elections"]
        assert link.get_attribute("href") == (
            f"{feed_site}/press/mission-to-moldova-supports-local-elections/"
        )
        assert page.locator(".feed-items .date").inner_text() == "17 May 2024"
        assert page.locator(".feed-items .summary").inner_text() == BROWSER_RELEASE["summary"]
        # Nothing covers the release: a click on its title reaches its link.
        link.scroll_into_view_if_needed()
        on_top = link.evaluate(
            """a => {
                const word = a.getClientRects()[0];  // the title's first line
                const x = word.left + 4, y = word.top + word.height / 2;
                return document.elementFromPoint(x, y).closest('a')?.href;
            }"""
        )
        assert on_top == f"{feed_site}/press/mission-to-moldova-supports-local-elections/"
        # The page's stylesheets load under the site's Content-Security-Policy...
        tint = page.evaluate(
            "getComputedStyle(document.querySelector('.about-feed')).backgroundColor"
        )
        assert tint == "rgb(243, 246, 249)"
        # ...and the page needs nothing that policy blocks.
        assert page.evaluate(INLINE_CODE) == []
        notice = page.locator("xslt-warning-banner").count() > 0
        errors = [e for e in page.console_errors if not (notice and "Content Security" in e)]
        assert errors == []

    def test_served_as_a_feed_type_chromium_shows_only_source(
        self, page, feed_site, settings, monkeypatch
    ):
        """The control for serving feeds as application/xml (see press/feeds.py)."""
        settings.PAGE_CACHE_ENABLED = False
        monkeypatch.setattr(ReadableRssFeed, "content_type", "application/rss+xml; charset=utf-8")
        page.goto(f"{feed_site}/press/feed/?country=moldova")
        assert page.locator("h1").count() == 0
        assert "<?xml-stylesheet" in page.locator("body").inner_text()

    @pytest.mark.parametrize("path", ["/press/feed/", "/press/feed/atom/"])
    def test_release_text_stays_text(self, browser, feed_site, path):
        payload = '<img src="/x" onerror="window.pwned = 1">'
        make_release(payload, summary=payload, tags={"countries": ["moldova"]})
        # Escapes written as text come out as written, whatever RSS escaped.
        amp = "AT&T <b> &amp;lt; &lt;i&gt;"
        make_release(amp, summary=amp, tags={"countries": ["moldova"]})
        # Without the CSP, so that only the stylesheet stands between the payload and the page.
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        page.goto(f"{feed_site}{path}?country=moldova")
        titles = page.locator(".feed-items h2 a").all_inner_texts()
        assert payload in titles
        assert amp in titles
        summaries = page.locator(".feed-items .summary").all_inner_texts()
        assert payload in summaries
        assert amp in summaries
        assert page.locator(".feed-items img, .feed-items b, .feed-items i").count() == 0
        assert page.evaluate("window.pwned") is None
        # Positive control: the same text taken as markup does run.
        page.evaluate("p => document.body.insertAdjacentHTML('beforeend', p)", payload)
        page.wait_for_function("window.pwned === 1")
        context.close()

    @pytest.mark.skipif(not AXE.exists(), reason="run `npm install` for axe-core")
    @pytest.mark.parametrize("width", [1280, 375])
    def test_no_accessibility_violations(self, browser, feed_site, width):
        # axe-core comes in as an inline script, which the site's policy forbids.
        context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{feed_site}/press/feed/?country=moldova")
        assert page.locator("h1").count() == 1  # the feed was turned into a page
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        context.close()
        assert [(v["id"], v["impact"]) for v in result["violations"]] == []


class _DjangosWriter(ReadableRssFeed):
    """The same feed, its items written by Django's own XML writer."""

    write_items = Rss201rev2Feed.write_items


def written(feed_class, items):
    feed = feed_class(title="A & B", link="https://example.org/", description="<d>")
    for item in items:
        feed.add_item(**item)
    return feed.writeString("utf-8")


#: Items as the feed makes them, and as it never does (an author, an enclosure): every
#: kind of text Django's writer escapes or leaves empty.
WRITER_ITEMS = [
    {
        "title": 'Ammunition & "depots" <cleared> in Bishkek',
        "link": "https://example.org/press/ammunition-d%C3%A9p%C3%B4ts/",
        "description": "Experts <b>met</b> & agreed: 'safely' > before",
        "unique_id": "https://example.org/press/ammunition-d%C3%A9p%C3%B4ts/",
        "pubdate": datetime(2024, 5, 17, 9, 30, tzinfo=VIENNA),
        "updateddate": datetime(2024, 5, 18, 10, 0, tzinfo=VIENNA),
        "categories": ["Press release", "Mission to Moldova & Co", "Миссия ОБСЕ в Молдове"],
    },
    {"title": "", "link": "https://example.org/x/", "description": None, "categories": []},
    {
        "title": "Миссия ОБСЕ",
        "link": "https://example.org/ru/press/x/",
        "description": "",
        "pubdate": datetime(2010, 1, 1, 0, 0, tzinfo=VIENNA),
        "unique_id": "u",
        "categories": ["", "A"],
    },
    {
        "title": "With an author",
        "link": "https://example.org/a/",
        "description": "d",
        "author_name": "Press & Media",
        "unique_id": "https://example.org/a/",
        "unique_id_is_permalink": False,
    },
    {"title": "A flag", "link": "https://example.org/f/", "description": "f",
     "unique_id": "https://example.org/f/", "unique_id_is_permalink": False},  # alone
    {"title": "No comments", "link": "https://example.org/c/", "description": "c",
     "comments": ""},  # empty, not None: Django writes <comments/>
    {"title": "Last", "link": "https://example.org/z/", "description": "z", "categories": ["z"]},
]  # fmt: skip


def test_items_are_written_as_djangos_writer_writes_them():
    """``ReadableRssFeed.write_items`` writes the very bytes of Django's XML writer, for
    plain items and, through that writer, for an item with an author, in order."""
    mine = written(ReadableRssFeed, WRITER_ITEMS)
    assert mine == written(_DjangosWriter, WRITER_ITEMS)
    items = channel(mine.encode()).findall("item")
    assert [i.findtext("title") for i in items] == [
        'Ammunition &amp; "depots" &lt;cleared&gt; in Bishkek',  # plain text, as HTML
        "",
        "Миссия ОБСЕ",
        "With an author",
        "A flag",
        "No comments",
        "Last",
    ]
    assert '<guid isPermaLink="false">https://example.org/f/</guid>' in mine
    assert "<comments/>" in mine
    assert "<title/>" in mine and "<description/>" in mine  # empty, as Django writes it
    assert items[0].findtext("pubDate") == "Fri, 17 May 2024 09:30:00 +0200"
    assert [c.text for c in items[0].findall("category")][2] == "Миссия ОБСЕ в Молдове"


def test_a_control_character_is_refused_as_djangos_writer_refuses_it():
    """Text XML 1.0 cannot carry is an error in both writers (the feed strips it before)."""
    from django.utils.xmlutils import UnserializableContentError

    item = {"title": "bell\x07", "link": "https://example.org/", "description": "d"}
    for feed_class in (ReadableRssFeed, _DjangosWriter):
        with pytest.raises(UnserializableContentError):
            written(feed_class, [item])
