"""The newsroom dashboard on the admin's first page (``/admin/``).

Every expectation is written out by hand: the titles each list shows, in
their order; the weeks of the chart and their counts, worked out from the
dates the releases are given (Europe/Vienna, ISO weeks starting on Monday).
The time is fixed with time-machine: Wednesday 12 March 2025, 10:00 in
Vienna (09:00 UTC), in ISO week 11, whose Monday is 10 March.
"""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from osce_cms.roles import COMMUNICATIONS_STAFF, PUBLISHERS, SITE_ADMINISTRATORS
from press import dashboard, workflow

from .conftest import make_release, make_user

pytestmark = pytest.mark.usefixtures("taxonomy")

VIENNA = ZoneInfo("Europe/Vienna")
#: Wednesday 12 March 2025, 10:00 in Vienna.
NOW = datetime(2025, 3, 12, 10, 0, tzinfo=VIENNA)
#: The bound on the index page's queries, whatever the lists hold: the session
#: and the user (2), their permissions (2), the recent actions (1), and the
#: dashboard's 7 (in review, my drafts, sent back, the steps they name,
#: scheduled, recently published, the chart), with room for a savepoint.
MAX_QUERIES = 13


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


def vienna(*args):
    return datetime(*args, tzinfo=VIENNA)


def draft(title, *, by, edited_by=None, edited_at=None, **fields):
    """A draft created by ``by``, last edited by ``edited_by`` (``by`` unless told)."""
    return make_release(
        title,
        status="draft",
        created_by=by,
        edited_by=edited_by or by,
        edited_at=edited_at or NOW - timedelta(days=1),
        **fields,
    )


def perform_at(moment, pk, name, user, **kwargs):
    with time_machine.travel(moment, tick=False):
        return workflow.perform(pk, name, user, **kwargs)


def page(client, user):
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def section(text, name):
    """The HTML of the dashboard's section ``name`` ("review", "drafts", ...), or None."""
    found = re.search(rf'<section [^>]*id="dashboard-{name}".*?</section>', text, re.S)
    return found.group(0) if found else None


def titles(text, name):
    block = section(text, name)
    assert block is not None, f"no {name} section"
    return [
        html.unescape(title)
        for title in re.findall(r'class="newsroom-title"[^>]*>(.*?)</a>', block, re.S)
    ]


def item(text, name, title):
    """The list item of ``title`` in section ``name``."""
    block = section(text, name)
    for chunk in re.findall(r"<li\b.*?</li>", block, re.S):
        if f">{html.escape(title)}</a>" in chunk:
            return chunk
    raise AssertionError(f"{title!r} is not in {name}")


@pytest.fixture
def writer(db):
    return make_user("writer", group=COMMUNICATIONS_STAFF)


@pytest.fixture
def colleague(db):
    return make_user("colleague", group=COMMUNICATIONS_STAFF)


@pytest.fixture
def publisher(db):
    user = make_user("pub", group=PUBLISHERS)
    user.first_name, user.last_name = "Paula", "Publisher"
    user.save()
    return user


@pytest.fixture
def publisher2(db):
    return make_user("pub2", group=PUBLISHERS)


# --- awaiting my review ---------------------------------------------------------------


def test_awaiting_review_oldest_submission_first_with_who_and_the_four_eyes_mark(
    client, writer, publisher, publisher2
):
    second = draft("Second submitted", by=writer)
    first = draft("First submitted", by=writer)
    mine = draft("Edited by the publisher", by=writer, edited_by=publisher)
    perform_at(NOW - timedelta(hours=5), second.pk, "submit", writer)
    perform_at(NOW - timedelta(days=2), first.pk, "submit", writer)
    perform_at(NOW - timedelta(hours=1), mine.pk, "submit", publisher)
    draft("Still a draft", by=writer)

    text = page(client, publisher)
    assert titles(text, "review") == [
        "First submitted",
        "Second submitted",
        "Edited by the publisher",
    ]
    first_item = item(text, "review", "First submitted")
    assert "Submitted by writer on 10 March 2025, 10:00 CET" in first_item
    assert f'href="/admin/press/pressrelease/{first.pk}/review/"' in first_item
    assert "data-four-eyes" not in first_item
    assert "data-four-eyes" not in item(text, "review", "Second submitted")
    mark = item(text, "review", "Edited by the publisher")
    assert "data-four-eyes" in mark
    assert "You last edited it: another publisher approves it." in mark
    assert "Submitted by Paula Publisher on 12 March 2025, 09:00 CET" in mark

    # Another publisher may approve it: no mark for them.
    other = page(client, publisher2)
    assert titles(other, "review") == [
        "First submitted",
        "Second submitted",
        "Edited by the publisher",
    ]
    assert "data-four-eyes" not in section(other, "review")


def test_staff_do_not_see_awaiting_review(client, writer):
    release = draft("Submitted", by=writer)
    workflow.perform(release.pk, "submit", writer)
    text = page(client, writer)
    assert "data-dashboard" in text
    assert section(text, "review") is None
    assert "Awaiting my review" not in text


def test_site_administrators_see_awaiting_review(client, writer):
    admin = make_user("siteadmin", group=SITE_ADMINISTRATORS)
    release = draft("Submitted", by=writer)
    workflow.perform(release.pk, "submit", writer)
    assert titles(page(client, admin), "review") == ["Submitted"]


# --- my drafts ---------------------------------------------------------------------------


def test_my_drafts_are_those_i_created_or_last_edited_newest_edit_first(client, writer, colleague):
    draft("Mine, edited a week ago", by=writer, edited_at=NOW - timedelta(days=7))
    draft("Mine, edited an hour ago", by=writer, edited_at=NOW - timedelta(hours=1))
    draft(
        "Created by me, edited by a colleague",
        by=writer,
        edited_by=colleague,
        edited_at=NOW - timedelta(days=2),
    )
    draft(
        "Created by a colleague, edited by me",
        by=colleague,
        edited_by=writer,
        edited_at=NOW - timedelta(days=3),
    )
    draft("A colleague's draft", by=colleague)
    submitted = draft("Mine, in review", by=writer)
    workflow.perform(submitted.pk, "submit", writer)
    make_release("Mine, published", created_by=writer, edited_by=writer)

    text = page(client, writer)
    assert titles(text, "drafts") == [
        "Mine, edited an hour ago",
        "Created by me, edited by a colleague",
        "Created by a colleague, edited by me",
        "Mine, edited a week ago",
    ]
    assert "Last edited by colleague on 10 March 2025" in item(
        text, "drafts", "Created by me, edited by a colleague"
    )
    assert "Last edited by you on 12 March 2025, 09:00 CET" in item(
        text, "drafts", "Mine, edited an hour ago"
    )
    # The colleague sees only theirs (their own draft was edited a day ago).
    assert titles(page(client, colleague), "drafts") == [
        "A colleague's draft",
        "Created by me, edited by a colleague",
        "Created by a colleague, edited by me",
    ]


def test_lists_are_capped_with_their_total_and_a_see_all_link(client, writer):
    for n in range(12):
        draft(f"Draft {n:02d}", by=writer, edited_at=NOW - timedelta(hours=n + 1))
    text = page(client, writer)
    assert titles(text, "drafts") == [f"Draft {n:02d}" for n in range(10)]
    block = section(text, "drafts")
    assert '<span class="newsroom-count">12</span>' in block
    assert 'href="/admin/press/pressrelease/?state=draft&amp;mine=1"' in block
    # "See all" lists every draft of mine and nobody else's.
    draft("Somebody else's draft", by=make_user("somebody", group="Communications staff"))
    listing = client.get("/admin/press/pressrelease/?state=draft&mine=1").content.decode()
    assert all(f"Draft {n:02d}" in listing for n in range(12))
    assert "Somebody else" not in listing


# --- sent back to me ---------------------------------------------------------------------


def test_sent_back_to_me_with_the_comment_and_who(client, writer, colleague, publisher):
    mine = draft("Needs a date", by=writer)
    perform_at(NOW - timedelta(days=1), mine.pk, "submit", writer)
    perform_at(NOW - timedelta(hours=2), mine.pk, "send_back", publisher, comment="Add the <date>.")
    theirs = draft("A colleague's, sent back", by=colleague)
    workflow.perform(theirs.pk, "submit", colleague)
    workflow.perform(theirs.pk, "send_back", publisher, comment="Shorter.")
    again = draft("Sent back, then submitted again", by=writer)
    workflow.perform(again.pk, "submit", writer)
    workflow.perform(again.pk, "send_back", publisher, comment="Fix it.")
    workflow.perform(again.pk, "submit", writer)
    draft("Never submitted", by=writer)

    text = page(client, writer)
    assert titles(text, "sent-back") == ["Needs a date"]
    row = item(text, "sent-back", "Needs a date")
    assert "Sent back by Paula Publisher on 12 March 2025, 08:00 CET" in row
    assert "Add the &lt;date&gt;." in row
    assert "data-comment" in row
    # In "my drafts" too, marked.
    assert "Sent back" in item(text, "drafts", "Needs a date")
    assert "Sent back" not in item(text, "drafts", "Never submitted")
    assert 'href="/admin/press/pressrelease/?state=sent_back&amp;mine=1"' in section(
        text, "sent-back"
    )


# --- scheduled in the next 7 days --------------------------------------------------------


def test_scheduled_in_the_next_seven_days_soonest_first_with_embargo_links(
    client, writer, publisher, publisher2
):
    releases = {}
    for title, days in (("In two days", 2), ("Tomorrow", 1), ("In eight days", 8)):
        release = draft(title, by=writer)
        workflow.perform(release.pk, "submit", writer)
        workflow.perform(release.pk, "approve", publisher, at=NOW + timedelta(days=days))
        releases[title] = release
    make_release("Public already", published_at=NOW - timedelta(hours=1))

    text = page(client, publisher2)
    assert titles(text, "scheduled") == ["Tomorrow", "In two days"]
    row = item(text, "scheduled", "Tomorrow")
    assert "Goes out on 13 March 2025, 10:00 CET" in row
    link = re.search(r'<a href="([^"]+)" data-embargo-link', row).group(1)
    assert link.startswith("http://testserver/press/embargo/")
    # Whoever holds it reads that release under its embargo banner, without logging in.
    from django.test import Client

    embargoed = Client().get(link.removeprefix("http://testserver"))
    assert embargoed.status_code == 200
    assert "Embargoed until" in embargoed.content.decode()
    assert "<h1>Tomorrow</h1>" in embargoed.content.decode()
    # Staff see the schedule too.
    assert titles(page(client, writer), "scheduled") == ["Tomorrow", "In two days"]


def test_a_scheduled_release_without_an_embargo_key_has_no_link(client, writer):
    make_release("Scheduled by hand", published_at=NOW + timedelta(days=3))
    text = page(client, writer)
    assert titles(text, "scheduled") == ["Scheduled by hand"]
    assert "data-embargo-link" not in section(text, "scheduled")


# --- recently published ------------------------------------------------------------------


def test_recently_published_lists_public_releases_only_newest_first(client, writer):
    make_release("Yesterday", published_at=NOW - timedelta(days=1))
    make_release("Last week", published_at=NOW - timedelta(days=7), language="fr")
    make_release("An hour ago", published_at=NOW - timedelta(hours=1))
    make_release("Scheduled", published_at=NOW + timedelta(hours=1))
    make_release("Withdrawn", status="withdrawn", published_at=NOW - timedelta(days=2),
                 withdrawn_at=NOW - timedelta(hours=3), withdrawal_note="Wrong.")  # fmt: skip
    draft("A draft", by=writer)
    text = page(client, writer)
    assert titles(text, "published") == ["An hour ago", "Yesterday", "Last week"]
    assert "11 March 2025, 10:00 CET" in item(text, "published", "Yesterday")
    assert "Français" in item(text, "published", "Last week")
    assert 'href="/admin/press/pressrelease/?state=published"' in section(text, "published")


def test_recently_published_shows_ten(client, writer):
    for n in range(12):
        make_release(f"Public {n:02d}", published_at=NOW - timedelta(days=n + 1))
    assert titles(page(client, writer), "published") == [f"Public {n:02d}" for n in range(10)]


# --- the chart ---------------------------------------------------------------------------

#: The thirteen Mondays of the chart: 16 December 2024 to 10 March 2025.
MONDAYS = [datetime(2024, 12, 16).date() + timedelta(weeks=i) for i in range(13)]


def test_the_chart_counts_public_releases_per_local_iso_week(client, writer):
    # Monday 10 March, 00:30 in Vienna: still Sunday in UTC, counted on the 10th.
    make_release("Just after midnight", published_at=vienna(2025, 3, 10, 0, 30))
    make_release("This Tuesday", published_at=vienna(2025, 3, 11, 9, 0))
    # Sunday 2 March, 23:30 in Vienna (22:30 UTC): the week of 24 February.
    make_release("Sunday night", published_at=vienna(2025, 3, 2, 23, 30))
    # The first week's first minutes, and the minute before it (not counted).
    make_release("First week", published_at=vienna(2024, 12, 16, 0, 10))
    make_release("Before the quarter", published_at=vienna(2024, 12, 15, 23, 50))
    # Not public: never counted.
    make_release("Later today", published_at=NOW + timedelta(hours=2))
    make_release("Withdrawn", status="withdrawn", published_at=vienna(2025, 3, 4, 12, 0),
                 withdrawn_at=NOW, withdrawal_note="Wrong.")  # fmt: skip
    draft("A draft", by=writer)

    expected = dict.fromkeys(MONDAYS, 0)
    expected[datetime(2025, 3, 10).date()] = 2
    expected[datetime(2025, 2, 24).date()] = 1
    expected[datetime(2024, 12, 16).date()] = 1

    data = dashboard.collect(writer, NOW)
    assert data.chart.counts == expected
    assert [bar.iso_week for bar in data.chart.bars] == [51, 52, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert [bar.current for bar in data.chart.bars] == [False] * 12 + [True]

    text = page(client, writer)
    chart = section(text, "chart")
    drawn = dict(
        re.findall(
            r'<g class="week-chart-week[^"]*" data-week="([\d-]+)" data-count="(\d+)"', chart
        )
    )
    assert drawn == {monday.isoformat(): str(n) for monday, n in expected.items()}
    table = dict(re.findall(r'<tr data-week="([\d-]+)">.*?data-count="(\d+)"', chart))
    assert table == drawn
    assert "<details" in chart and "<svg" in chart
    assert (
        "4 public press releases in 13 weeks; the most, 2, in the week of 10 March 2025." in chart
    )
    # The tallest bar is the whole plot's height; the others in proportion.
    heights = re.findall(
        r'<rect class="week-chart-bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"',
        chart,
    )
    assert sorted(float(h) for h in heights) == [58.0, 58.0, 116.0]
    # Each week named in words, the current one as counted so far.
    assert "<title>Week of 10 March 2025, so far: 2 press releases</title>" in chart
    assert "<title>Week of 24 February 2025: 1 press release</title>" in chart
    assert "<title>Week of 3 March 2025: 0 press releases</title>" in chart
    assert "10–16 March 2025 (so far)" in chart
    assert "30 December 2024–5 January 2025" in chart


def test_the_chart_of_an_empty_quarter(client, writer):
    make_release("Long ago", published_at=vienna(2020, 1, 1, 12, 0))
    text = page(client, writer)
    assert "No press release was published in these 13 weeks." in section(text, "chart")
    assert 'class="week-chart-bar"' not in section(text, "chart")


# --- empty states, links, permissions, queries ------------------------------------------


def test_empty_states(client, publisher):
    text = page(client, publisher)
    for name, sentence in (
        ("review", "Nothing is waiting for review."),
        ("drafts", "You have no drafts."),
        ("sent-back", "Nothing of yours has been sent back."),
        ("scheduled", "Nothing is scheduled for the next 7 days."),
        ("published", "Nothing has been published yet."),
    ):
        assert sentence in section(text, name), name
        assert titles(text, name) == []
    assert 'href="/admin/press/pressrelease/?state=in_review"' in section(text, "review")


@pytest.mark.parametrize("groups", [[], ["taxonomy-only"]])
def test_no_dashboard_without_press_permissions(client, groups):
    from django.contrib.auth.models import Group

    user = make_user("outsider")
    if groups:
        group = Group.objects.create(name="Tree editors")
        group.permissions.add(Permission.objects.get(codename="view_topic"))
        user.groups.add(group)
    make_release("Public")
    text = page(client, user)
    assert "data-dashboard" not in text
    assert "My drafts" not in text and "Recently published" not in text
    assert 'class="week-chart' not in text
    # The app list is still there.
    assert 'class="newsroom-apps"' in text
    assert dashboard.collect(user, NOW) is None


def test_no_inline_styles_or_scripts_in_the_dashboard(client, writer, publisher):
    release = draft("Submitted", by=writer)
    workflow.perform(release.pk, "submit", writer)
    workflow.perform(release.pk, "approve", publisher, at=NOW + timedelta(days=1))
    make_release("Public", published_at=NOW - timedelta(days=3))
    text = page(client, publisher)
    board = text.split("data-dashboard", 1)[1].split('class="newsroom-apps"', 1)[0]
    assert " style=" not in board and "<style" not in board
    assert "<script" not in board
    assert not re.search(r"<[^>]+\son[a-z]+=", board)


def fill_every_list(writer, publisher, n):
    """``n`` rows in each of the dashboard's lists."""
    for i in range(n):
        submitted = draft(f"Review {n}-{i}", by=writer)
        workflow.perform(submitted.pk, "submit", writer)
        back = draft(f"Back {n}-{i}", by=writer)
        workflow.perform(back.pk, "submit", writer)
        workflow.perform(back.pk, "send_back", publisher, comment="Again.")
        scheduled = draft(f"Scheduled {n}-{i}", by=writer)
        workflow.perform(scheduled.pk, "submit", writer)
        workflow.perform(scheduled.pk, "approve", publisher, at=NOW + timedelta(days=1, hours=i))
        make_release(f"Public {n}-{i}", published_at=NOW - timedelta(days=i, hours=1))


def index_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    return len(queries)


def test_the_index_makes_few_queries_however_full_the_lists(
    client, writer, publisher, django_assert_max_num_queries
):
    client.force_login(publisher)
    fill_every_list(writer, publisher, 1)
    few = index_queries(client)
    fill_every_list(writer, publisher, 12)
    with django_assert_max_num_queries(MAX_QUERIES):
        text = client.get("/admin/").content.decode()
    assert len(titles(text, "review")) == 10
    assert index_queries(client) == few
    # Staff: the same lists but one.
    client.force_login(writer)
    with django_assert_max_num_queries(MAX_QUERIES):
        text = client.get("/admin/").content.decode()
    assert len(titles(text, "drafts")) == 10 and len(titles(text, "sent-back")) == 10
