"""A node page's small chart: its public releases per year, drawn on the server.

The counts are the listing's own: the read model's year rows under the node
in the page's language (``press.facets.counts_with``), the very numbers the
node page's year facet shows and read in the same request, so the chart adds
no query to a node page without filters (and one, at most, to a filtered
one). :func:`year_chart` works out the geometry; the template tag
``year_chart_figure`` (``press_tags``) draws it as inline SVG, every value
escaped there, and gives the same numbers as a table.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .facets import counts_with
from .listing_model import YEAR
from .templatetags.press_tags import grouped

#: The drawing's own units (``viewBox``): it scales to the width it is given.
WIDTH, HEIGHT = 480, 180
#: The plot's edges: room on the left for the scale, above the tallest bar
#: for its count, below the baseline for the years, and on the right for
#: half the last year's label.
LEFT, RIGHT, TOP, BASELINE = 40, 462, 26, 146
#: Years labelled under the axis at most (each a few characters wide even at
#: a phone's larger type), and the steps between labelled years.
MAX_LABELS = 6
#: The room a year's label takes (four digits at a phone's larger type).
LABEL_ROOM = 48
STEPS = (1, 2, 5, 10, 20, 25, 50, 100)
#: Up to this many years, each bar carries its count.
COUNTS_UP_TO = 12


@dataclass
class Column:
    """Where one bar stands in a chart's units (the node page's, the dashboard's)."""

    x: float
    width: float
    y: float
    height: float
    #: The whole column, the link's or tooltip's target however short the bar.
    slot_x: float
    slot_width: float
    center: float


def columns(counts, *, left, right, top, baseline, fill, widest=40):
    """A :class:`Column` (as keyword arguments) for each of ``counts``, side by side.

    The columns share ``left``..``right`` evenly; a bar takes ``fill`` of its
    column (``widest`` units at most) and rises from ``baseline`` in
    proportion to the largest count, which reaches ``top``.
    """
    most = max(counts, default=0)
    slot = (right - left) / len(counts)
    width = min(slot * fill, widest)
    plot = baseline - top
    for i, n in enumerate(counts):
        height = round(plot * n / most, 1) if most else 0
        slot_x = left + i * slot
        yield {
            "x": round(slot_x + (slot - width) / 2, 1),
            "width": round(width, 1),
            "y": round(baseline - height, 1),
            "height": height,
            "slot_x": round(slot_x, 1),
            "slot_width": round(slot, 1),
            "center": round(slot_x + slot / 2, 1),
        }


@dataclass
class Bar(Column):
    year: int
    count: int
    url: str
    #: Its words for a screen reader and a tooltip: "2005: 3 press releases".
    text: str
    labelled: bool
    selected: bool


@dataclass
class BarChart:
    """What a template draws of a bar chart: its words, its bars (``columns``) and its
    drawing's units; a chart with other units gives them as its defaults."""

    title: str
    description: str
    bars: list = field(default_factory=list)
    total: int = 0
    most: int = 0
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    baseline: int = BASELINE


@dataclass
class YearChart(BarChart):
    show_counts: bool = False
    top: int = TOP
    #: Where the years are written (their text's baseline).
    years_y: int = HEIGHT - 10
    #: A bar's link covers its column down to just below the axis (its frame
    #: when focused stays clear of the year written under it).
    link_height: int = BASELINE + 4

    @property
    def most_label(self):
        return grouped(self.most)


def year_counts(param, pk):
    """{year: public releases in the page's language} under the node ``pk`` of ``param``."""
    return dict(counts_with(param, pk)[YEAR])


def label_step(years):
    """Every how many years a year is written under the axis."""
    return next((s for s in STEPS if years <= s * MAX_LABELS), STEPS[-1])


def labelled_years(years, slot):
    """The years written under the axis.

    Every year, or every other one from the first (so the first is); beyond,
    round years (2005, 2010), and the first and the last where they leave
    room (``LABEL_ROOM``) to their neighbours, so the span reads at a glance.
    """
    first, last = years[0], years[-1]
    step = label_step(len(years))
    if step <= 2:
        return {year for year in years if (year - first) % step == 0}
    shown = {year for year in years if year % step == 0}
    for end in (first, last):
        if all(abs(end - year) * slot >= LABEL_ROOM for year in shown):
            shown.add(end)
    return shown


def year_chart(counts, *, path, name, selected=None):
    """The chart of ``counts`` ({year: releases}), or None when there is nothing to draw.

    The years run from the first with a release to the last; a year between
    without one is a bar of no height, so the years keep an even pace. Each
    bar with releases links to ``path`` (the node page) for that year.
    """
    counts = {int(year): int(n) for year, n in counts.items() if n}
    if not counts:
        return None
    first, last = min(counts), max(counts)
    years = list(range(first, last + 1))
    most = max(counts.values())
    total = sum(counts.values())
    peak = min(year for year in years if counts.get(year) == most)
    show_counts = len(years) <= COUNTS_UP_TO
    # The scale's room on the left is needed only without counts on the bars.
    left = 8 if show_counts else LEFT
    slot = (RIGHT - left) / len(years)
    shown = labelled_years(years, slot)
    chart = YearChart(
        title=_("Press releases per year: %(name)s, %(first)s–%(last)s")
        % {"name": name, "first": first, "last": last},
        description=ngettext(
            "%(total)s press release from %(first)s to %(last)s; the most, %(most)s, in %(peak)s.",
            "%(total)s press releases from %(first)s to %(last)s; the most, %(most)s, in %(peak)s.",
            total,
        )
        % {
            "total": grouped(total),
            "first": first,
            "last": last,
            "most": grouped(most),
            "peak": peak,
        },
        total=total,
        most=most,
        show_counts=show_counts,
        left=left,
    )
    places = columns(
        [counts.get(year, 0) for year in years],
        left=left, right=RIGHT, top=TOP, baseline=BASELINE, fill=0.72,
    )  # fmt: skip
    for year, place in zip(years, places, strict=True):
        n = counts.get(year, 0)
        chart.bars.append(
            Bar(
                **place,
                year=year,
                count=n,
                url=f"{path}?{urlencode({'year': year})}",
                text=ngettext(
                    "%(year)s: %(count)s press release",
                    "%(year)s: %(count)s press releases",
                    n,
                )
                % {"year": year, "count": grouped(n)},
                labelled=year in shown,
                selected=year == selected,
            )
        )
    return chart
