"""A subscription's filter set: the listing's own parameters, canonical, in words, as keys.

The subscribe form takes exactly what a listing address holds (``/press/?…``
→ ``/alerts/?…``) and reads it with the listing's one FilterSet, so an alert
means what its listing shows. Stored canonical: only the filters (no sort,
no page), node slugs as they are today, values sorted, so one set has one
spelling. Keys are the values of the read model (``press.ListingRow``) that
meet each filter: a node filter is met by a release with a row for that node
(its rows hold every ancestor of its tags, so descendants are included), a
type or a year filter likewise; words and dates the keys cannot decide are
left to the FilterSet itself when a release is matched.
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from django.http import QueryDict
from django.utils.translation import gettext as _

from press.dimensions import BY_PARAM
from press.filter_labels import describe
from press.filters import PREDECESSORS, PressReleaseFilterSet
from press.models import release_types

from .models import QUERY_LENGTH

#: The parameters a subscription keeps: the listing's filters, not its order or page.
PARAMS = tuple(name for name in PressReleaseFilterSet.base_filters if name != "sort")
#: Filters the keys cannot decide: a matching release is checked by the FilterSet.
CHECKED = ("q", "date_from", "date_to")


@dataclass
class FilterSet:
    """What a request's listing parameters ask for, read as the listing reads them."""

    #: [(param, value)] canonical: the order of ``PARAMS``, values sorted, current slugs.
    params: list = field(default_factory=list)
    #: Sentences for what cannot be subscribed to (a bad date, a slug naming nothing).
    errors: list = field(default_factory=list)

    @property
    def query(self):
        """The canonical query string (``country=moldova&topic=elections``)."""
        data = QueryDict(mutable=True)
        for name, value in self.params:
            data.appendlist(name, value)
        return data.urlencode()

    def phrases(self):
        """The filter set in words, one phrase per parameter, in the current language."""
        return describe(self.params)

    def words(self):
        """One line: "Elections; Moldova or Serbia", or "All press releases"."""
        return "; ".join(self.phrases()) or _("All press releases")


def read(data):
    """The filter set in ``data`` (a QueryDict of GET or POST): other keys are ignored."""
    given = QueryDict(mutable=True)
    for name in PARAMS:
        values = [v for v in data.getlist(name) if v.strip()]
        if values:
            given.setlist(name, values)
    filterset = PressReleaseFilterSet(given)
    filterset.check()  # puts swapped dates right
    errors = list(filterset.errors_for_display)
    errors += [sentence for _param, sentence in filterset.unknown_values()]
    found = FilterSet(params=_canonical(filterset), errors=errors)
    if len(found.query) > QUERY_LENGTH:
        found.errors.append(_("These filters are too many to follow: choose fewer."))
    return found


def from_query(query):
    """The filter set a subscription stored (its canonical ``query``), as stored.

    Not read again: a value that names nothing today (a node deleted since
    the subscription was made) stays, and is named as it was written, so the
    subscription never passes for one to "All press releases".
    """
    return FilterSet(params=parse_qsl(query))


def _canonical(filterset):
    data = filterset.cleaned
    params = []
    for name in PARAMS:
        value = data.get(name)
        if value in (None, "", []):
            continue
        if name in BY_PARAM:
            known, _unknown = filterset.filters[name].resolve(value, predecessors=False)
            values = sorted({ref.slug for ref in known})
        elif name == "type":
            values = sorted(set(value))
        elif name == "q":
            values = [" ".join(value.split())]
        elif name == PREDECESSORS:
            values = ["1"]
        else:
            values = [value.isoformat() if hasattr(value, "isoformat") else str(value)]
        params += [(name, v) for v in values]
    return params


def keys(query):
    """``(keys, conditions, needs_check)`` of a stored filter set.

    ``keys`` is the set of ``(dimension, value)`` that meet its filters:
    every node its node filters name (with the nodes they followed, under
    ``predecessors=1``), every type, the year. A release meets the set's
    keyed filters when, for each of the ``conditions`` parameters, one of its
    read model's rows is among that parameter's keys. ``needs_check``: it
    also has words or dates, which the FilterSet decides.
    """
    filterset = PressReleaseFilterSet(QueryDict(query))
    data = filterset.cleaned
    found, conditions = set(), 0
    for name in BY_PARAM:
        if data.get(name):
            conditions += 1
            known, _unknown = filterset.filters[name].resolve(data[name])
            found |= {(name, ref.pk) for ref in known}
    if data.get("type"):
        conditions += 1
        found |= {("type", t.pk) for t in release_types() if t.slug in data["type"]}
    if data.get("year"):
        conditions += 1
        found.add(("year", int(data["year"])))
    needs_check = any(data.get(name) for name in CHECKED)
    return found, conditions, needs_check
