"""A node page tells the node's past and charts its releases per year.

The timeline (``includes/node_history.html``): the names it had with their
years, when it opened and closed, the nodes it followed and those that
followed it (each link's kind read from this end), the history note and the
sources. The chart (``press.charts``, ``press_tags.year_chart_figure``): the
node's public releases per year in the page's language, one bar a year from
the first to the last year with releases, each bar with releases a link to
that year's listing, and the same numbers in a table. A node that followed
others links to the listing of its releases with theirs.

Every history here is written by the test itself (the real one, as the
shipped data file gives it, where there is one), so the expectations do not
depend on the data file.
"""

import datetime
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from taxonomy.history import former_slugs
from taxonomy.models import Country, CountryLink, NodeLink, Structure, StructureLink, Topic

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")

D = datetime.date
ASTANA = "/structures/field-operations/programme-office-in-astana/"
CROATIA = "/structures/closed-field-activities/mission-to-croatia/"
ZAGREB = "/structures/closed-field-activities/office-in-zagreb/"
CSFR = "/countries/czech-and-slovak-federal-republic/"
DUMMY_CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    for alias in django_settings.CACHES
}


# --- a small HTML reader --------------------------------------------------------

VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Element:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    @property
    def raw_text(self):
        return "".join(c if isinstance(c, str) else c.raw_text for c in self.children)

    @property
    def text(self):
        """The text inside, whitespace collapsed."""
        return " ".join(self.raw_text.split())

    def all(self, tag=None, cls=None):
        """Every element below with this tag and/or class, in document order."""
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if (tag is None or child.tag == tag) and (
                cls is None or cls in child.attrs.get("class", "").split()
            ):
                found.append(child)
            found.extend(child.all(tag, cls))
        return found

    def one(self, tag=None, cls=None):
        found = self.all(tag, cls)
        assert len(found) == 1, (tag, cls, len(found))
        return found[0]


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#root", {})

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def read(html):
    reader = _Reader()
    reader.feed(html)
    return reader.root


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def timeline(client, url):
    """The page's history section, or None."""
    sections = read(page(client, url)).all("section", "node-history")
    assert len(sections) <= 1
    return sections[0] if sections else None


def facts(section):
    """The timeline's list as [(term, [each description's text])], in the page's order.

    A description holding a list (the names) gives each item's text.
    """
    rows = []
    for element in section.one("dl").children:
        if isinstance(element, str):
            continue
        if element.tag == "dt":
            rows.append((element.text, []))
        elif element.tag == "dd":
            items = element.all("li")
            rows[-1][1].extend([li.text for li in items] if items else [element.text])
    return rows


def chart(client, url):
    """The page's chart figure, or None."""
    figures = read(page(client, url)).all("figure", "year-chart")
    assert len(figures) <= 1
    return figures[0] if figures else None


# --- history written by the tests ----------------------------------------------


def give_history(node, *, names=(), opened=None, closed=None, note="", dates_source=""):
    """``node``'s history is exactly this: its dated names, dates and note; no links.

    ``names`` are (name, French name, first day, last day, source); the last
    one without a last day is the current name (the node's own).
    """
    node.dated_names.all().delete()
    node.links_out.all().delete()
    node.links_in.all().delete()
    node.opened_on, node.closed_on = opened, closed
    node.history_note, node.dates_source = note, dates_source
    if closed is not None:
        node.is_active = False
    node.save()
    for name, name_fr, start, end, source in names:
        node.dated_names.create(
            name=name, name_fr=name_fr, valid_from=start, valid_to=end, source_url=source
        )
    node.save()  # the current name's row takes the node's names
    former_slugs(node)
    return node


def no_history(node):
    return give_history(node)


SPLIT_SOURCE = "https://example.org/csfr-split"


@pytest.fixture
def czechoslovakia():
    """Three dated names, opened and closed, split into Czechia and Slovakia."""
    csfr = Country.objects.get(slug="czech-and-slovak-federal-republic")
    give_history(
        csfr,
        names=[
            ("Czechoslovak Socialist Republic", "République socialiste tchécoslovaque",
             D(1973, 7, 3), D(1990, 3, 28), "https://example.org/cssr"),
            ("Czechoslovak Federative Republic", "",
             D(1990, 3, 29), D(1990, 4, 22), ""),
            ("Czech and Slovak Federal Republic", "", D(1990, 4, 23), None, ""),
        ],
        opened=D(1973, 7, 3),
        closed=D(1992, 12, 31),
        note="It ceased to exist at the end of 1992.",
        dates_source="https://example.org/csfr-dates",
    )  # fmt: skip
    for slug in ("czechia", "slovakia"):
        successor = no_history(Country.objects.get(slug=slug))
        CountryLink.objects.create(
            source=csfr,
            target=successor,
            kind=NodeLink.SPLIT_INTO,
            date=D(1993, 1, 1),
            source_url=SPLIT_SOURCE,
        )
    return csfr


@pytest.fixture
def croatia_and_zagreb():
    """The Mission to Croatia, succeeded by the Office in Zagreb on 1 January 2008."""
    croatia = give_history(
        Structure.objects.get(slug="mission-to-croatia"),
        opened=D(1996, 4, 18),
        closed=D(2007, 12, 31),
    )
    zagreb = give_history(
        Structure.objects.get(slug="office-in-zagreb"),
        opened=D(2008, 1, 1),
        closed=D(2012, 1, 17),
    )
    StructureLink.objects.create(
        source=croatia, target=zagreb, kind=NodeLink.SUCCEEDED_BY, date=D(2008, 1, 1)
    )
    return croatia, zagreb


@pytest.fixture
def astana():
    """Programme Office in Astana: its three names from 1998, still open."""
    return give_history(
        Structure.objects.get(slug="programme-office-in-astana"),
        names=[
            ("Centre in Almaty", "", D(1998, 7, 23), D(2007, 6, 20), ""),
            ("Centre in Astana", "Centre d'Astana", D(2007, 6, 21), D(2014, 12, 31), ""),
            ("Programme Office in Astana", "", D(2015, 1, 1), None, ""),
        ],
        opened=D(1998, 7, 23),
    )


# --- the timeline ----------------------------------------------------------------


def test_timeline_of_a_node_with_three_names_and_successors(client, czechoslovakia):
    section = timeline(client, CSFR)
    assert section.one("h2").text == "History"
    assert facts(section) == [
        ("Opened", ["3 July 1973"]),
        (
            "Names",
            [
                "Czechoslovak Socialist Republic · 1973–1990 "
                "source: Czechoslovak Socialist Republic",
                "Czechoslovak Federative Republic · 1990–1990",
                "Czech and Slovak Federal Republic · 1990–1992",
            ],
        ),
        ("Closed", ["31 December 1992 source: the dates"]),
        (
            "Split into",
            [
                "Czechia, 1 January 1993 source: Czechia",
                "Slovakia, 1 January 1993 source: Slovakia",
            ],
        ),
    ]
    names = section.one("ol", "history-names").all("li")
    assert [li.one("span", "history-name").text for li in names] == [
        "Czechoslovak Socialist Republic",
        "Czechoslovak Federative Republic",
        "Czech and Slovak Federal Republic",
    ]
    # Each end is a <time> with the full day; the last name ends with the closing.
    assert [[t.attrs["datetime"] for t in li.all("time")] for li in names] == [
        ["1973-07-03", "1990-03-28"],
        ["1990-03-29", "1990-04-22"],
        ["1990-04-23", "1992-12-31"],
    ]
    links = {a.text: a.attrs["href"] for dd in section.all("dd") for a in dd.all("a")}
    assert links["Czechia"] == "/countries/czechia/"
    assert links["Slovakia"] == "/countries/slovakia/"
    sources = [a.attrs["href"] for a in section.all("a", "history-source")]
    assert sources == [
        "https://example.org/cssr",
        "https://example.org/csfr-dates",
        SPLIT_SOURCE,
        SPLIT_SOURCE,
    ]
    assert section.one("p", "history-note").text == "It ceased to exist at the end of 1992."


def test_the_successor_reads_the_link_from_its_end(client, czechoslovakia):
    section = timeline(client, "/countries/czechia/")
    assert facts(section) == [
        (
            "Split from",
            [
                "Czech and Slovak Federal Republic, 1 January 1993 "
                "source: Czech and Slovak Federal Republic"
            ],
        ),
    ]
    link = section.one("dd").all("a")[0]
    assert link.attrs["href"] == CSFR


@pytest.mark.parametrize(
    ("kind", "from_the_source", "from_the_target"),
    [
        (NodeLink.SUCCEEDED_BY, "Succeeded by", "Preceded by"),
        (NodeLink.MERGED_INTO, "Merged into", "Absorbed"),
        (NodeLink.SPLIT_INTO, "Split into", "Split from"),
    ],
)
def test_each_kind_of_link_is_named_from_each_end(
    client, croatia_and_zagreb, kind, from_the_source, from_the_target
):
    StructureLink.objects.filter(source__slug="mission-to-croatia").update(kind=kind)
    # A queryset update sends no signal: save one link so the trees' version moves.
    StructureLink.objects.get(source__slug="mission-to-croatia").save()
    assert facts(timeline(client, CROATIA)) == [
        ("Opened", ["18 April 1996"]),
        ("Closed", ["31 December 2007"]),
        (from_the_source, ["Office in Zagreb, 1 January 2008"]),
    ]
    assert facts(timeline(client, ZAGREB)) == [
        (from_the_target, ["Mission to Croatia, 1 January 2008"]),
        ("Opened", ["1 January 2008"]),
        ("Closed", ["17 January 2012"]),
    ]


def test_the_timeline_in_french(client, czechoslovakia):
    section = timeline(client, "/fr" + CSFR)
    assert section.one("h2").text == "Historique"
    names = section.one("ol", "history-names").all("li")
    shown = [li.one("span", "history-name") for li in names]
    assert [(name.text, name.attrs.get("lang")) for name in shown] == [
        ("République socialiste tchécoslovaque", None),
        # No French name for it: the English one, marked as English.
        ("Czechoslovak Federative Republic", "en"),
        ("République fédérative tchèque et slovaque", None),
    ]
    dates = [dd.one("time").text for dd in section.all("dd") if not dd.all("ol")][:2]
    assert dates == ["3 juillet 1973", "31 décembre 1992"]
    links = [a.text for a in section.all("a") if "history-source" not in a.attrs.get("class", "")]
    # Links of one kind and day in the alphabetical order of the page's language.
    assert links == ["Slovaquie", "Tchéquie"]


def test_the_current_name_of_an_open_node_runs_until_today(client, astana):
    section = timeline(client, ASTANA)
    names = section.one("ol", "history-names").all("li")
    assert [li.text for li in names] == [
        "Centre in Almaty · 1998–2007",
        "Centre in Astana · 2007–2014",
        "Programme Office in Astana · 2015–today",
    ]


def test_a_node_without_history_shows_no_timeline(client):
    no_history(Topic.objects.get(slug="youth"))
    html = page(client, "/topics/youth/")
    assert "node-history" not in html
    assert ">History<" not in html
    assert timeline(client, "/topics/youth/") is None


def test_a_note_alone_shows_the_note_and_no_empty_list(client):
    give_history(Topic.objects.get(slug="youth"), note="A field of work since 2011.")
    section = timeline(client, "/topics/youth/")
    assert section.all("dl") == []
    assert section.one("p", "history-note").text == "A field of work since 2011."


def test_unknown_dates_are_said_and_nothing_breaks(client):
    mission = Structure.objects.get(slug="mission-to-estonia")
    give_history(
        mission,
        names=[
            ("CSCE Mission to Estonia", "", None, D(1994, 12, 31), ""),
            ("Mission to Estonia", "", D(1995, 1, 1), None, ""),
        ],
    )
    mission.is_active = False  # closed, on a day nobody recorded
    mission.save()
    response = client.get(mission.get_absolute_url())
    assert response.status_code == 200
    section = timeline(client, mission.get_absolute_url())
    assert facts(section) == [
        (
            "Names",
            ["CSCE Mission to Estonia · ?unknown–1994", "Mission to Estonia · 1995–?unknown"],
        ),
        ("Closed", ["date unknown"]),
    ]
    unknown = section.all("span", "history-unknown")
    assert [u.one("span", "visually-hidden").text for u in unknown] == ["unknown", "unknown"]


def test_a_former_name_slug_redirects_to_the_node(client, astana):
    response = client.get("/structures/field-operations/centre-in-almaty/")
    assert response.status_code == 301
    assert response["Location"] == ASTANA
    response = client.get("/structures/field-operations/centre-in-astana/?year=2005")
    assert response.status_code == 301
    assert response["Location"] == ASTANA + "?year=2005"


# --- the chart --------------------------------------------------------------------


def at(year, month=6):
    return timezone.make_aware(datetime.datetime(year, month, 15, 12))


def astana_release(title, year, **fields):
    return make_release(
        title, published_at=at(year), tags={"structures": ["programme-office-in-astana"]}, **fields
    )


@pytest.fixture
def astana_releases(astana):
    """English: two in 2019, none in 2020, three in 2021. French: one each in 2020 and 2021."""
    for i in range(2):
        astana_release(f"Astana 2019 number {i}", 2019)
    for i in range(3):
        astana_release(f"Astana 2021 number {i}", 2021)
    astana_release("Un communiqué d'Astana 2020", 2020, language="fr")
    astana_release("Un communiqué d'Astana 2021", 2021, language="fr")
    # Not public: no bar counts them.
    astana_release("A draft of 2020", 2020, status="draft")


def bars(figure):
    return {
        int(rect.attrs["data-year"]): (int(rect.attrs["data-count"]), float(rect.attrs["height"]))
        for rect in figure.all("rect", "year-chart-bar")
    }


def table(figure):
    return [
        (row.one("th").text, row.one("td").text)
        for row in figure.one("table").one("tbody").all("tr")
    ]


def test_the_chart_has_a_bar_a_year_links_and_a_table(client, astana_releases):
    figure = chart(client, ASTANA)
    found = bars(figure)
    assert sorted(found) == [2019, 2020, 2021]
    assert [found[year][0] for year in (2019, 2020, 2021)] == [2, 0, 3]
    # The gap year is a bar of no height; the others in proportion.
    assert found[2020][1] == 0
    assert found[2019][1] == pytest.approx(found[2021][1] * 2 / 3, abs=0.1)
    links = [(a.attrs["href"], a.attrs["aria-label"]) for a in figure.all("a", "year-chart-link")]
    assert links == [
        (ASTANA + "?year=2019", "2019: 2 press releases"),
        (ASTANA + "?year=2021", "2021: 3 press releases"),
    ]
    assert table(figure) == [("2019", "2"), ("2020", "0"), ("2021", "3")]
    rows = figure.one("table").all("a")
    assert [a.attrs["href"] for a in rows] == [ASTANA + "?year=2019", ASTANA + "?year=2021"]
    graphic = figure.one("g")
    assert graphic.attrs["role"] == "img"
    assert graphic.one("title").text == (
        "Press releases per year: Programme Office in Astana, 2019–2021"
    )
    assert graphic.one("desc").text == ("5 press releases from 2019 to 2021; the most, 3, in 2021.")
    svg = figure.one("svg")
    assert svg.attrs["viewbox"] == "0 0 480 180"  # the reader lowercases attribute names
    assert svg.attrs["width"] == "100%"


def test_a_long_span_writes_round_years_and_its_ends(client, astana):
    astana_release("Astana in 2001", 2001)
    astana_release("Astana in 2024", 2024)
    figure = chart(client, ASTANA)
    assert len(bars(figure)) == 24  # 2001 to 2024, the years between at zero
    years = [t.text for t in figure.all("text", "year-chart-year")]
    assert years == ["2001", "2005", "2010", "2015", "2020", "2024"]
    # Too many bars to write a count on each: the scale says the highest.
    assert [t.text for t in figure.all("text", "year-chart-count")] == []
    assert figure.one("text", "year-chart-scale").text == "1"


def test_a_short_span_writes_every_year_and_each_count(client, astana_releases):
    figure = chart(client, ASTANA)
    assert [t.text for t in figure.all("text", "year-chart-year")] == ["2019", "2020", "2021"]
    assert [t.text for t in figure.all("text", "year-chart-count")] == ["2", "3"]


def test_a_bar_leads_to_that_years_listing(client, astana_releases):
    html = page(client, ASTANA + "?year=2019")
    assert "Astana 2019 number 0" in html
    assert "Astana 2021 number 0" not in html
    figure = chart(client, ASTANA + "?year=2019")
    # The chart still shows every year, and marks the one chosen.
    assert table(figure) == [("2019", "2"), ("2020", "0"), ("2021", "3")]
    chosen = [
        r.attrs["data-year"]
        for r in figure.all("rect")
        if "is-selected" in r.attrs.get("class", "")
    ]
    assert chosen == ["2019"]


def test_the_chart_in_french_counts_french_releases(client, astana_releases):
    figure = chart(client, "/fr" + ASTANA)
    assert table(figure) == [("2020", "1"), ("2021", "1")]
    links = [a.attrs["href"] for a in figure.all("a", "year-chart-link")]
    assert links == ["/fr" + ASTANA + "?year=2020", "/fr" + ASTANA + "?year=2021"]


def test_a_node_without_public_releases_has_no_chart(client, astana):
    astana_release("A draft of 2020", 2020, status="draft")
    html = page(client, ASTANA)
    assert "year-chart" not in html
    assert chart(client, ASTANA) is None


def test_the_chart_escapes_the_node_name(client, astana_releases):
    astana = Structure.objects.get(slug="programme-office-in-astana")
    astana.name = 'Office <b>"&'
    astana.save()
    html = page(client, ASTANA)
    assert "Office <b>" not in html
    assert "Press releases per year: Office &lt;b&gt;&quot;&amp;, 2019–2021" in html


# --- the predecessors' releases -----------------------------------------------------


def test_a_node_that_followed_another_links_to_their_releases_together(client, croatia_and_zagreb):
    links = read(page(client, ZAGREB)).all("p", "predecessors-link")
    assert [(p.one("a").attrs["href"], p.text) for p in links] == [
        (
            "/press/?structure=office-in-zagreb&predecessors=1",
            "Press releases of Office in Zagreb and of its predecessors",
        )
    ]
    french = read(page(client, "/fr" + ZAGREB)).all("p", "predecessors-link")
    assert [p.one("a").attrs["href"] for p in french] == [
        "/fr/press/?structure=office-in-zagreb&predecessors=1"
    ]


def test_a_node_without_predecessors_has_no_such_link(client, croatia_and_zagreb):
    assert "predecessors-link" not in page(client, CROATIA)
    assert "predecessors=1" not in page(client, CROATIA)


def test_the_predecessors_link_lists_a_predecessors_release(client, croatia_and_zagreb):
    make_release(
        "Mission to Croatia reports",
        published_at=at(2005),
        tags={"structures": ["mission-to-croatia"]},
    )
    make_release(
        "Office in Zagreb reports", published_at=at(2009), tags={"structures": ["office-in-zagreb"]}
    )
    together = page(client, "/press/?structure=office-in-zagreb&predecessors=1")
    assert "Mission to Croatia reports" in together
    assert "Office in Zagreb reports" in together
    alone = page(client, "/press/?structure=office-in-zagreb")
    assert "Mission to Croatia reports" not in alone
    # The filter form keeps the parameter when the visitor narrows further.
    assert '<input type="hidden" name="predecessors" value="1">' in together
    assert 'name="predecessors"' not in alone


def test_the_node_page_itself_widens_with_predecessors(client, croatia_and_zagreb):
    make_release(
        "Mission to Croatia reports",
        published_at=at(2005),
        tags={"structures": ["mission-to-croatia"]},
    )
    make_release(
        "Office in Zagreb reports", published_at=at(2009), tags={"structures": ["office-in-zagreb"]}
    )
    assert "Mission to Croatia reports" not in page(client, ZAGREB)
    widened = page(client, ZAGREB + "?predecessors=1")
    assert "Mission to Croatia reports" in widened and "Office in Zagreb reports" in widened
    assert 'data-result-count="2"' in widened


# --- what it costs ----------------------------------------------------------------------


def queries(client, url):
    client.get(url)  # per-process memos warm, no cache
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture
def uncached(settings):
    settings.PAGE_CACHE_ENABLED = False
    with override_settings(CACHES=DUMMY_CACHES):
        yield


def test_the_timeline_costs_one_query_for_its_sources_only_with_names_or_links(
    client, czechoslovakia, uncached
):
    with_history = queries(client, CSFR)
    csfr = Country.objects.get(slug="czech-and-slovak-federal-republic")
    give_history(csfr, opened=D(1973, 7, 3), closed=D(1992, 12, 31), note="Dates only.")
    dates_only = queries(client, CSFR)
    assert with_history == dates_only + 1
    no_history(csfr)
    assert queries(client, CSFR) == dates_only


def test_the_chart_reads_the_counts_the_listing_reads(
    client, astana_releases, uncached, monkeypatch
):
    pages = [ASTANA, ASTANA + "?year=2019", ASTANA + "?type=press-release", ASTANA + "?q=astana"]
    with_chart = [queries(client, url) for url in pages]
    monkeypatch.setattr("press.nodes.year_counts", lambda param, pk: {})
    assert chart(client, ASTANA) is None
    without_chart = [queries(client, url) for url in pages]
    # The node's counts by year come from the listing index the facets read in
    # the same request, searched or not: no query more.
    assert [a - b for a, b in zip(with_chart, without_chart, strict=True)] == [0, 0, 0, 0]
