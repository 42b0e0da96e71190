"""What a set of listing parameters holds, in words: "Elections, Moldova".

Feed titles say which releases a feed carries; the words come from the same
places the page's chips take them from (the tree index for nodes, the
release types, the query as typed), so a feed and its listing name a filter
alike.
"""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from taxonomy.index import tree_index

from .dimensions import BY_PARAM
from .filters import PREDECESSORS
from .models import release_types
from .type_names import type_name

# The public pages write dates this way too: the language's own date format
# ("17 May 2024", "17 mai 2024", "17. Mai 2024", "17 мая 2024 г.").
DATE_FORMAT = "DATE_FORMAT"


def describe(params):
    """Phrases for the active parameters [(name, value)], in the order given.

    Values of one parameter are alternatives (``country=a&country=b`` is
    either), so they read "Moldova or Serbia"; a date range reads as one
    phrase. An unknown slug is named as typed: the feed does filter by it.
    """
    values = {}
    for name, value in params:
        values.setdefault(name, []).append(value)
    if not values:
        return []  # nothing to name: no need for the names of the types
    label = labeller()
    phrases = []
    for name, given in values.items():
        if name in ("date_from", "date_to"):
            if name == "date_to" and "date_from" in values:
                continue  # said with date_from, as one range
            phrases.append(_date_range(values.get("date_from"), values.get("date_to")))
            continue
        phrases.append(_either([label(name, v) for v in given]))
    return phrases


def labeller():
    """A function naming one parameter value as a reader would: (name, value) -> words.

    Node slugs (current or former) become node names as they are today, type
    slugs type names, a query goes in quotes, a date reads "from 17 May
    2024", ``predecessors=1`` "with predecessors". The listing's chips and the feed
    titles both use it, so a page and its feed name a filter alike. An
    unknown slug is named as typed.
    """
    types = {t.slug: type_name(t.name) for t in release_types()}

    def label(name, value):
        if name in BY_PARAM:
            # A former slug names the node too: by today's name.
            ref = tree_index(BY_PARAM[name].model).find(value)
            return ref.name if ref else value
        if name == PREDECESSORS:
            # Translators: a filter chip and feed titles: every chosen node's
            # releases and those of the nodes it succeeded ("predecessors=1").
            return _("with predecessors")
        if name == "type":
            return types.get(value, value)
        if name == "q":
            # Translators: a search query named in a feed title or a filter chip.
            return _("“%(query)s”") % {"query": value}
        if name == "date_from":
            return _("from %(date)s") % {"date": _day(value)}
        if name == "date_to":
            return _("until %(date)s") % {"date": _day(value)}
        return value

    return label


def _either(labels):
    if len(labels) == 1:
        return labels[0]
    return _("%(items)s or %(last)s") % {"items": ", ".join(labels[:-1]), "last": labels[-1]}


def _date_range(start, end):
    start = _day(start[0]) if start else None
    end = _day(end[0]) if end else None
    if start and end:
        return _("%(start)s to %(end)s") % {"start": start, "end": end}
    if start:
        return _("from %(date)s") % {"date": start}
    return _("until %(date)s") % {"date": end}


def _day(iso):
    return date_format(datetime.date.fromisoformat(iso), DATE_FORMAT)
