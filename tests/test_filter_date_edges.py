"""Dates and years at the ends of the calendar, on every page the FilterSet serves.

A date filter is a whole day in the site's time zone, both ends included.
Any day Python's calendar holds (1 January of year 1 to 31 December 9999)
is accepted; at the ends of that calendar, where midnight has no UTC
instant a database could store, the bound means what the visitor meant:
``date_from=0001-01-01`` "since the beginning", ``date_to=9999-12-31``
"until the end". A year outside the archive's range is refused with a
message, and the page still answers with the other filters applied.
"""

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from press.filters import PressReleaseFilterSet
from press.models import PressRelease

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")

VIENNA = ZoneInfo("Europe/Vienna")
# The site's zone, and the zones furthest east (+14) and west (-12) of UTC.
ZONES = ["Europe/Vienna", "Pacific/Kiritimati", "Etc/GMT+12", "UTC"]
LISTINGS = ["/press/", "/countries/moldova/", "/topics/media-freedom-and-development/"]
FEEDS = ["/press/feed/", "/press/feed/atom/"]


@pytest.fixture
def releases():
    tags = {"countries": ["moldova"], "topics": ["safety-of-journalists"]}
    return [
        make_release("Autumn release", published_at=datetime(2023, 11, 5, 12, tzinfo=VIENNA),
                     tags=tags),
        make_release("Spring release", published_at=datetime(2024, 3, 1, 12, tzinfo=VIENNA),
                     tags=tags),
    ]  # fmt: skip


def shown(client, url, query):
    """How many releases a listing or a feed answers with, after checking it answered 200."""
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200, (url, query)
    if url in FEEDS:
        root = ET.fromstring(response.content)
        return len(root.findall(".//item")) + len(
            root.findall("{http://www.w3.org/2005/Atom}entry")
        )
    return int(re.search(r'data-result-count="(\d+)"', response.content.decode()).group(1))


@pytest.mark.parametrize("url", LISTINGS + FEEDS)
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date_to=9999-12-31", 2),  # until the end: everything
        ("date_from=0001-01-01", 2),  # since the beginning: everything
        ("date_from=0001-01-01&date_to=9999-12-31", 2),
        ("date_from=9999-12-31&date_to=0001-01-01", 2),  # swapped, then everything
        ("date_from=9999-12-31", 0),
        ("date_to=0001-01-01", 0),
        ("date_from=2024-01-01&date_to=9999-12-31", 1),
        ("date_from=0001-01-01&date_to=2023-12-31", 1),
        ("date_to=9999-12-31T23:59:59", 2),  # refused (not a day), so no filter
        ("date_from=0001-01-01T00:00:00", 2),
        ("year=9999", 2),  # refused, so no filter
        ("year=1", 2),
        ("year=0", 2),
        ("year=10000", 2),
        ("year=2024&date_to=9999-12-31", 1),
    ],
)
def test_calendar_edges_answer_on_every_page(client, releases, url, query, expected):
    assert shown(client, url, query) == expected


@pytest.mark.parametrize("value", ["0", "1", "9999", "10000", "-1"])
def test_a_year_outside_the_archive_is_explained(client, releases, value):
    page = client.get(f"/press/?year={value}").content.decode()
    assert "Year: Ensure this value is" in page


def test_a_time_is_refused_with_the_date_message(client, releases):
    page = client.get("/press/?date_to=9999-12-31T23:59:59").content.decode()
    assert "To: Enter a valid date." in page


def test_the_edges_are_named_as_typed(client, releases):
    """The chips say what the page filters by: the visitor's own bounds."""
    page = client.get("/press/?date_from=0001-01-01&date_to=9999-12-31").content.decode()
    assert "31 December 9999" in page


HYPOTHESIS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
near_the_edges = st.one_of(
    days,
    st.dates(max_value=date(1, 1, 10)),
    st.dates(min_value=date(9999, 12, 20)),
    st.sampled_from([date(2023, 11, 4), date(2023, 11, 5), date(2023, 11, 6),
                     date(2024, 2, 29), date(2024, 3, 1), date(2024, 3, 2)]),
)  # fmt: skip


def expected_titles(releases, zone, start, end):
    """The oracle: a release's day in ``zone``, compared with the inclusive bounds."""
    low, high = sorted([start, end]) if start and end else (start, end)
    titles = set()
    for release in releases:
        day = release.published_at.astimezone(ZoneInfo(zone)).date()
        if (low is None or day >= low) and (high is None or day <= high):
            titles.add(release.title)
    return titles


@HYPOTHESIS
@given(
    zone=st.sampled_from(ZONES),
    start=st.one_of(st.none(), near_the_edges),
    end=st.one_of(st.none(), near_the_edges),
)
def test_any_day_in_any_zone_filters_by_whole_days(releases, zone, start, end):
    data = {}
    if start:
        data["date_from"] = start.isoformat()
    if end:
        data["date_to"] = end.isoformat()
    with override_settings(TIME_ZONE=zone):
        filterset = PressReleaseFilterSet(data, queryset=PressRelease.objects.published())
        got = {r.title for r in filterset.qs}
    assert got == expected_titles(releases, zone, start, end)


@settings(HYPOTHESIS, max_examples=25)
@given(
    url=st.sampled_from(LISTINGS + FEEDS),
    param=st.sampled_from(["date_from", "date_to"]),
    day=st.one_of(st.dates(max_value=date(1, 1, 3)), st.dates(min_value=date(9999, 12, 29))),
)
def test_the_calendar_ends_never_break_a_page(client, releases, url, param, day):
    assert shown(client, url, f"{param}={day.isoformat()}") in (0, 2)


@HYPOTHESIS
@given(year=st.one_of(st.integers(), st.integers(min_value=-2, max_value=10_001)))
def test_any_year_answers(client, releases, year):
    expected = {2023: 1, 2024: 1}.get(year, 0) if 1973 <= year <= 2100 else 2
    assert shown(client, "/press/", f"year={year}") == expected
