"""The newsroom dashboard: the admin's first page, for the person looking at it.

:func:`collect` gathers what ``osce_cms.admin.OsceAdminSite.index`` shows
above the app list (``templates/admin/index.html``):

- *awaiting my review* (publishers only): releases in review, oldest
  submission first, each marked when the person last edited it themselves
  (four eyes: another publisher approves it);
- *my drafts*: drafts the person created or last edited, newest edit first;
- *sent back to me*: those of them a publisher sent back, with the comment;
- *scheduled in the next 7 days*, soonest first, with their embargo links;
- *recently published*;
- a chart of the public releases per week over the last quarter.

Each list is one query of at most :data:`LIMIT` rows (the workflow lists
count their whole length in the same query, a window function); the steps
the lists name (who submitted, who sent back and why) are one more query for
all of them, and the chart one grouped query, its days bucketed into local
weeks here. The page's query count does not depend on how many rows it shows.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, F, OuterRef, Subquery, Window
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from taxonomy import clock

from . import embargo
from .charts import BarChart, Column, columns
from .models import PUBLISH_PERMISSION, PressRelease, Transition
from .notify import person
from .templatetags.press_tags import grouped
from .workflow import last_editor_is

#: Rows a list shows at most; its "see all" link leads to the rest.
LIMIT = 10
#: How far ahead "scheduled" looks.
SCHEDULED_AHEAD = timedelta(days=7)
#: The chart's span: the current week and the twelve before it (a quarter).
CHART_WEEKS = 13

VIEW_PERMISSIONS = ("press.view_pressrelease", "press.change_pressrelease")

# The chart's drawing, in its own units (``viewBox``; it scales to its box):
# room above the tallest bar for its count, below the baseline for the dates.
WIDTH, HEIGHT = 480, 170
LEFT, RIGHT, TOP, BASELINE = 16, 464, 22, 138
#: Every how many weeks a date is written under the axis (the first and the
#: last week are always written: 13 weeks, every other one).
LABEL_EVERY = 2


@dataclass
class Row:
    release: PressRelease
    #: The step that put it where it is (submission, sending back), if recorded.
    step: Transition | None = None
    #: The person looking last edited it (four eyes, for a release in review).
    mine: bool = False
    #: A draft whose last step was a publisher sending it back.
    sent_back: bool = False
    #: A scheduled release's embargo link (absolute), or "".
    embargo_url: str = ""

    @property
    def step_by(self):
        """Who took :attr:`step`, by name ("" when unknown)."""
        return person(self.step.user if self.step else None)

    @property
    def edited_by(self):
        """Who last edited the release, by name ("" when unknown)."""
        return person(self.release.edited_by)


@dataclass
class Section:
    rows: list
    #: How many there are in all (None: not counted, as for the public releases).
    total: int | None = None
    #: The change list's state filter for "see all".
    state: str = ""

    @property
    def more(self):
        """Whether the list shows fewer rows than there are."""
        return self.total is not None and self.total > len(self.rows)


@dataclass
class WeekBar(Column):
    #: The week's Monday (local time).
    monday: object
    iso_week: int
    count: int
    #: "Week of 3 March 2025: 4 press releases", for a screen reader and a tooltip.
    text: str
    #: "3 Mar" under the axis, or "" when the bar is not labelled.
    label: str
    #: "3–9 March 2025", in the table.
    span: str
    current: bool


@dataclass
class WeekChart(BarChart):
    # The dashboard's own units.
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    baseline: int = BASELINE
    #: Where the dates are written (their text's baseline).
    labels_y: int = HEIGHT - 10

    @property
    def counts(self):
        """{Monday: count}, oldest week first."""
        return {bar.monday: bar.count for bar in self.bars}


@dataclass
class Dashboard:
    #: None for a person who may not publish.
    review: Section | None
    drafts: Section
    sent_back: Section
    scheduled: Section
    published: Section
    chart: WeekChart
    now: datetime
    scheduled_until: datetime


def may_see(user):
    return any(user.has_perm(perm) for perm in VIEW_PERMISSIONS)


def _last_step(field_name):
    return Subquery(
        Transition.objects.filter(release=OuterRef("pk"))
        .order_by("-at", "-pk")
        .values(field_name)[:1]
    )


def _counted(queryset):
    """The first :data:`LIMIT` rows, and how many there are in all, in one query."""
    rows = list(queryset.annotate(dashboard_total=Window(Count("pk")))[:LIMIT])
    return rows, (rows[0].dashboard_total if rows else 0)


def local_monday(moment, tz):
    day = timezone.localtime(moment, tz).date()
    return day - timedelta(days=day.weekday())


def week_counts(now, tz=None, weeks=CHART_WEEKS):
    """{Monday: public releases published that ISO week, local time}, the last ``weeks`` weeks.

    The current week counts up to ``now``. One grouped query by local day;
    the days are summed into weeks here (the same on SQLite and PostgreSQL).
    """
    tz = tz or timezone.get_default_timezone()
    first = local_monday(now, tz) - timedelta(weeks=weeks - 1)
    start = datetime.combine(first, time.min, tzinfo=tz)
    days = (
        PressRelease.objects.published(now)
        .filter(published_at__gte=start)
        .order_by()
        .annotate(day=TruncDate("published_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    counts = Counter()
    for day, n in days:
        counts[day - timedelta(days=day.weekday())] += n
    return {first + timedelta(weeks=i): counts[first + timedelta(weeks=i)] for i in range(weeks)}


def _week_span(monday):
    sunday = monday + timedelta(days=6)
    if monday.year != sunday.year:
        start = date_format(monday, "DATE_FORMAT")
    elif monday.month != sunday.month:
        start = date_format(monday, "MONTH_DAY_FORMAT")
    else:
        start = date_format(monday, "j")
    return f"{start}–{date_format(sunday, 'DATE_FORMAT')}"


def week_chart(counts, current):
    """The drawing of ``counts`` ({Monday: releases}); ``current`` is this week's Monday."""
    weeks = sorted(counts)
    total = sum(counts.values())
    most = max(counts.values(), default=0)
    first, last = weeks[0], weeks[-1]
    span = {
        "first": date_format(first, "DATE_FORMAT"),
        "last": date_format(last + timedelta(days=6), "DATE_FORMAT"),
    }
    if most:
        peak = min(week for week in weeks if counts[week] == most)
        description = ngettext(
            "%(total)s public press release in %(weeks)s weeks; the most, %(most)s, "
            "in the week of %(peak)s.",
            "%(total)s public press releases in %(weeks)s weeks; the most, %(most)s, "
            "in the week of %(peak)s.",
            total,
        ) % {
            "total": grouped(total),
            "weeks": len(weeks),
            "most": grouped(most),
            "peak": date_format(peak, "DATE_FORMAT"),
        }
    else:
        description = _("No press release was published in these %(weeks)s weeks.") % {
            "weeks": len(weeks)
        }
    chart = WeekChart(
        title=_("Public press releases per week, %(first)s – %(last)s") % span,
        description=description,
        total=total,
        most=most,
    )
    places = columns(
        [counts[monday] for monday in weeks],
        left=LEFT, right=RIGHT, top=TOP, baseline=BASELINE, fill=0.7,
    )  # fmt: skip
    for i, (monday, place) in enumerate(zip(weeks, places, strict=True)):
        n = counts[monday]
        labelled = i % LABEL_EVERY == 0 or i == len(weeks) - 1
        chart.bars.append(
            WeekBar(
                **place,
                monday=monday,
                iso_week=monday.isocalendar().week,
                count=n,
                text=(
                    ngettext(
                        "Week of %(day)s, so far: %(count)s press release",
                        "Week of %(day)s, so far: %(count)s press releases",
                        n,
                    )
                    if monday == current
                    else ngettext(
                        "Week of %(day)s: %(count)s press release",
                        "Week of %(day)s: %(count)s press releases",
                        n,
                    )
                )
                % {"day": date_format(monday, "DATE_FORMAT"), "count": grouped(n)},
                label=date_format(monday, "j M") if labelled else "",
                span=_week_span(monday),
                current=monday == current,
            )
        )
    return chart


def collect(user, now=None, *, absolute_url=None):
    """What the dashboard shows ``user`` at ``now``, or None when they may not see releases.

    ``absolute_url`` turns a path into an address (``request.build_absolute_uri``)
    for the embargo links.
    """
    if not may_see(user):
        return None
    now = now or clock.now()
    absolute_url = absolute_url or (lambda path: path)
    releases = PressRelease.objects.select_related("type", "edited_by")

    review = None
    rows_by_step = []
    if user.has_perm(PUBLISH_PERMISSION):
        waiting, total = _counted(
            releases.in_review()
            .annotate(step_id=_last_step("pk"), step_at=_last_step("at"))
            .order_by(Coalesce("step_at", "updated_at").asc(), "pk")
        )
        review = Section(
            [Row(r, mine=last_editor_is(r, user)) for r in waiting], total, "in_review"
        )
        rows_by_step += review.rows

    drafts, total = _counted(
        releases.drafts()
        .mine(user)
        .annotate(step_name=_last_step("name"))
        .order_by(F("edited_at").desc(nulls_last=True), "-updated_at", "-pk")
    )
    drafts = Section([Row(r, sent_back=r.step_name == "send_back") for r in drafts], total, "draft")

    sent_back, total = _counted(
        releases.sent_back()
        .mine(user)
        .annotate(step_id=_last_step("pk"), step_at=_last_step("at"))
        .order_by("-step_at", "-pk")
    )
    sent_back = Section([Row(r) for r in sent_back], total, "sent_back")
    rows_by_step += sent_back.rows

    # Who submitted, who sent back and why: one query for both lists.
    step_ids = [row.release.step_id for row in rows_by_step if row.release.step_id]
    steps = Transition.objects.select_related("user").in_bulk(step_ids) if step_ids else {}
    for row in rows_by_step:
        row.step = steps.get(row.release.step_id)

    until = now + SCHEDULED_AHEAD
    scheduled, total = _counted(
        PressRelease.objects.select_related("type")
        .scheduled(now)
        .filter(published_at__lte=until)
        .order_by("published_at", "pk")
    )
    scheduled = Section(
        [
            Row(r, embargo_url=absolute_url(embargo.path(r)) if embargo.has_link(r) else "")
            for r in scheduled
        ],
        total,
        "scheduled",
    )

    public = PressRelease.objects.select_related("type").published(now)
    published = Section(
        [Row(r) for r in public.order_by("-published_at", "-pk")[:LIMIT]],
        None,
        "published",
    )

    tz = timezone.get_default_timezone()
    chart = week_chart(week_counts(now, tz), local_monday(now, tz))
    return Dashboard(
        review=review,
        drafts=drafts,
        sent_back=sent_back,
        scheduled=scheduled,
        published=published,
        chart=chart,
        now=now,
        scheduled_until=until,
    )
