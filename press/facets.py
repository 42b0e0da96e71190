"""Facet counts: how many results each choice would give with the other filters.

Counts come from the read model (:mod:`press.listing_model`): a grouped
count of its rows for the releases the other filters leave, never one query
per option and no walk over the trees (a release under a node has a row for
it). Facets whose own parameter is not chosen share one set of other
filters, so they share one query; each chosen parameter needs its own. The
unfiltered listing reads the kept totals instead.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.http import QueryDict
from django.utils.translation import get_language

from taxonomy import clock
from taxonomy.index import tree_index

from . import languages, listing_index
from .dimensions import BY_PARAM, DIMENSIONS
from .filters import PREDECESSORS, PressReleaseFilterSet
from .listing_model import (
    TYPE,
    YEAR,
    grouped_counts,
    public_counts_under,
    public_counts_with,
    public_totals,
)
from .models import release_types
from .selection import selection
from .type_names import type_name
from .versions import cached_public, per_request


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool = False
    level: int = 0
    closed: bool = False
    parent: str | None = None  # the parent node's slug, in a tree

    is_context = False


@dataclass
class Context:
    """Where the next options sit in the tree, when their parent is listed elsewhere."""

    label: str
    level: int

    is_context = True


# A long facet (dozens of countries) shows its busiest options and every
# chosen one; the rest wait behind "Show all", so the filters stay short on a
# phone without a scroll area of their own.
LONG_FACET = 10
TOP_OPTIONS = 6


@dataclass
class Facet:
    param: str
    label: str
    options: list = field(default_factory=list)

    @property
    def selected(self):
        return [o for o in self.options if o.selected]

    @cached_property
    def _shown(self):
        """Positions of the options shown before "Show all", in the facet's order.

        The busiest options (ties: the first in the tree) and every selected
        one. A node counts at least as many releases as any node under it,
        so a busy child comes with its parent; where a parent is listed in
        the other part, a ``Context`` row names it.
        """
        positions = range(len(self.options))
        if len(self.options) < LONG_FACET:
            return set(positions)
        busiest = sorted(positions, key=lambda i: (-self.options[i].count, i))[:TOP_OPTIONS]
        return set(busiest) | {i for i in positions if self.options[i].selected}

    @property
    def top(self):
        return self._with_context([o for i, o in enumerate(self.options) if i in self._shown])

    @property
    def more(self):
        return self._with_context([o for i, o in enumerate(self.options) if i not in self._shown])

    def _with_context(self, options):
        """``options`` with a ``Context`` row before each run of options whose parent
        is not among them ("Participating States" above "Andorra, Armenia" under
        "Show all"), so that indentation never puts a node under the wrong parent."""
        by_value = {o.value: o for o in self.options}
        present = {o.value for o in options}
        rows, context = [], None
        for option in options:
            missing = []  # the ancestors not in ``options``, nearest first
            parent = by_value.get(option.parent)
            while parent is not None and parent.value not in present:
                missing.append(parent)
                parent = by_value.get(parent.parent)
            if missing:
                needed = Context(" › ".join(p.label for p in reversed(missing)), missing[-1].level)
                if needed != context:
                    rows.append(needed)
                    context = needed
            elif context is not None and option.level <= context.level:
                context = None  # the run under that context has ended
            rows.append(option)
        return rows


def _without(data, param):
    data = data.copy()
    data.pop(param, None)
    data.pop("page", None)
    return data


def _ids_sql(queryset):
    compiler = queryset.values("pk").order_by().query.get_compiler(queryset.db)
    return compiler.as_sql()


def value_counts(queryset, params):
    """{param: {value: releases in ``queryset``}} for the facet ``params``, in one query."""
    try:
        ids_sql, args = _ids_sql(queryset)
    except EmptyResultSet:  # the other filters already match nothing
        return {param: {} for param in params}
    return grouped_counts(ids_sql, args, params, using=queryset.db)


def facet_params(fixed_param=None):
    """The facets of a listing, in the order shown: the dimensions, type, year."""
    return [d.param for d in DIMENSIONS if d.param != fixed_param] + [TYPE, YEAR]


def indexed_counts(conditions, params):
    """{param: {value: public releases}} in the page's language meeting every read-model
    condition ``(dimension, values)``, from the listing index; None with it off."""
    if not settings.LISTING_INDEX:
        return None
    index = listing_index.current()
    bits = index.public_under(languages.current(), clock.now(), conditions)
    return {param: index.counts(param, bits) for param in params}


def all_public_totals():
    """Every facet's counts in the page's language, as the public sees them now: from the
    listing index, else the kept totals (read once a request)."""
    indexed = indexed_counts([], facet_params())
    if indexed is not None:
        return indexed
    language = languages.current()
    return per_request(
        f"public-totals:{language}",
        lambda: cached_public(
            "totals",
            [],
            lambda: public_totals(facet_params(), now=clock.now(), language=language),
        ),
    )


def public_totals_of(nodes):
    """``(public releases, {param: {pk: public releases under it}})`` in the page's
    language, for just ``nodes`` ({param: [pks]}): from the listing index one
    popcount a node, else from every facet's totals (``all_public_totals``)."""
    if not settings.LISTING_INDEX:
        totals = all_public_totals()
        return sum(totals[TYPE].values()), totals
    index = listing_index.current()
    public = index.public(languages.current(), clock.now())
    totals = {
        param: {pk: listing_index.count(public & index.under(param, [pk])) for pk in pks}
        for param, pks in nodes.items()
    }
    return listing_index.count(public), totals


def counts_with(dimension, value):
    """Every facet's public counts under one value in the page's language, from the
    listing index, else the kept pairs (read once a request)."""
    others = [param for param in facet_params() if param != dimension]
    indexed = indexed_counts([(dimension, [value])], others)
    if indexed is not None:
        return indexed
    language = languages.current()
    return per_request(
        f"pairs:{language}:{dimension}:{value}",
        lambda: cached_public(
            "pairs",
            [dimension, value],
            lambda: public_counts_with(
                dimension, value, others, now=clock.now(), language=language
            ),
        ),
    )


def row_conditions(filterset):
    """The filterset's active filters as read-model conditions [(dimension, values)].

    None when one of them is not in the read model (a search, a date range):
    those need the releases themselves. A node filter's values are the nodes
    it resolves to (``NodeFilter.resolve``: former slugs name their node; with
    ``predecessors=1`` the nodes they followed come too), exactly as the
    listing filters, so the counts agree with the results.
    """
    conditions = []
    for name, value in filterset.cleaned.items():
        if value in (None, "", []) or name in ("sort", PREDECESSORS):
            continue  # predecessors: read by the node filters' resolve()
        if name in BY_PARAM:
            known, _unknown = filterset.filters[name].resolve(value)
            conditions.append((name, [ref.pk for ref in known]))
        elif name == TYPE:
            conditions.append((TYPE, [t.pk for t in release_types() if t.slug in value]))
        elif name == YEAR:
            conditions.append((YEAR, [value]))
        else:
            return None
    return conditions


def _model_conditions(filterset, base_rows):
    """The base's and the filterset's read-model conditions together, or None.

    None when either is not in the read model (``base_rows`` None, a search,
    a date range).
    """
    conditions = row_conditions(filterset)
    if base_rows is None or conditions is None:
        return None
    return [*base_rows, *conditions]


def _counts_under(conditions, params):
    """{param: {value: count}} of public releases meeting read-model ``conditions``.

    The kept totals when nothing is filtered, the kept pairs under one value
    (a node page, ?meeting=…), else the rows.
    """
    if not conditions:
        everything = all_public_totals()
        return {param: everything[param] for param in params}
    if len(conditions) == 1 and len(conditions[0][1]) == 1 and conditions[0][0] not in params:
        ((dimension, (value,)),) = conditions
        under = counts_with(dimension, value)
        return {param: under[param] for param in params}
    language = languages.current()
    return cached_public(
        "rows",
        [params, conditions],
        lambda: public_counts_under(conditions, params, now=clock.now(), language=language),
    )


def counts_for(filterset, params, *, base_rows, fallback_key):
    """{param: {value: count}} of the facet ``params`` over what ``filterset`` selects.

    ``base_rows`` are the base's own conditions (``[]``: every public release;
    None: a base the read model cannot express). With read-model filters only,
    the counts come from the read model (``_counts_under``); otherwise from
    the releases the filterset selects.
    """
    conditions = _model_conditions(filterset, base_rows)
    if conditions is not None:
        return _counts_under(conditions, params)
    return cached_public(
        "facet", [params, *fallback_key], lambda: value_counts(filterset.qs, params)
    )


def rows_count(filterset, *, base_rows):
    """How many releases the listing holds, when the read model can tell; else None.

    Each release has one type row, so its type counts add up to it. Under
    two single values of different dimensions, the kept pair says it (the
    facets read the same pairs in the same request).
    """
    conditions = _model_conditions(filterset, base_rows)
    if conditions is None:
        return None
    if len(conditions) == 2 and all(len(values) == 1 for _d, values in conditions):
        (first, (a,)), (second, (b,)) = conditions
        if first != second:
            return counts_with(first, a)[second].get(b, 0)
    return sum(_counts_under(conditions, [TYPE])[TYPE].values())


def count_all_facets(chosen, *, fixed_param=None, base_key="all", base_rows=None):
    """{param: {value: count}} for every facet, with each facet's other filters.

    ``chosen`` is the listing's filterset over its base queryset;
    ``base_key`` names that base; ``base_rows`` are its read-model conditions
    (``[]`` for every public release). The facets that share all the
    filters count over ``chosen`` itself; a chosen facet counts over a
    filterset without its own parameter.
    """
    data, base_queryset = chosen.data or QueryDict(), chosen.queryset
    active = {name for name, _value in chosen.active_params()}
    params = facet_params(fixed_param)
    # A chosen facet counts without its own filter; the others share all filters.
    groups = [[p] for p in params if p in active]
    shared = [p for p in params if p not in active]
    if shared:
        groups.append(shared)
    counts = {}
    chosen_bits = selection(chosen, base_rows)
    if chosen_bits is not None:  # the listing index: no query at all
        for group in groups:
            own = group[0] if group[0] in active else None
            counts.update(chosen_bits.counts(group, without=own))
        return counts
    for group in groups:
        own = group[0] if group[0] in active else None
        rest_data = _without(data, own)
        rest = sorted(
            (k, sorted(rest_data.getlist(k))) for k in rest_data if k not in ("page", "sort")
        )
        others = PressReleaseFilterSet(rest_data, queryset=base_queryset) if own else chosen
        counts.update(counts_for(others, group, base_rows=base_rows, fallback_key=[base_key, rest]))
    return counts


def build_facets(filterset, *, fixed_param=None, base_key="all", base_rows=None):
    """Every facet of the listing that ``filterset`` (GET data over a base queryset) filters.

    Counts are cached until anything public changes (``cached_public``), but
    each is cheap without the cache too. ``base_key`` names the filterset's
    base queryset (e.g. the node of a node page; "all" for every public
    release).
    """
    facets = []
    # The chosen values as the filters read them ("Moldova " is "moldova"):
    # each stays chosen in the form whatever the counts, even at zero.
    chosen = filterset.cleaned
    counts = count_all_facets(
        filterset, fixed_param=fixed_param, base_key=base_key, base_rows=base_rows
    )
    labels = PressReleaseFilterSet.base_filters
    language = get_language()  # once: each option is named in it

    for param in facet_params(fixed_param)[:-2]:
        found = counts.get(param, {})
        model = BY_PARAM[param].model
        index = tree_index(model)
        # A former slug (a renamed node's) chooses the node: its option is checked.
        selected = {ref.slug for ref in map(index.find, chosen.get(param) or ()) if ref}
        # Countries alphabetically by the names this language shows, an
        # order the index keeps (collation keys cost milliseconds).
        refs = index.in_reading_order(model.ALPHABETICAL, language)
        options = [
            Option(
                value=ref.slug,
                label=ref.name_in(language),
                count=found.get(ref.pk, 0),
                selected=ref.slug in selected,
                level=ref.level,
                closed=not ref.is_active,
                parent=index.by_pk[ref.parent_id].slug if ref.parent_id else None,
            )
            for ref in refs
            if found.get(ref.pk) or ref.slug in selected
        ]
        facets.append(Facet(param, labels[param].label, options))

    selected = set(chosen.get("type") or ())
    found = counts.get(TYPE, {})
    facets.append(
        Facet(
            "type",
            labels["type"].label,
            [
                Option(t.slug, type_name(t.name), found.get(t.pk, 0), t.slug in selected)
                for t in release_types()
                if found.get(t.pk) or t.slug in selected
            ],
        )
    )

    year = chosen.get("year")
    years = dict(counts.get(YEAR, {}))
    if year is not None:
        years.setdefault(year, 0)  # no release that year with the other filters
    facets.append(
        Facet(
            "year",
            labels["year"].label,
            [Option(str(y), str(y), n, y == year) for y, n in sorted(years.items(), reverse=True)],
        )
    )
    return facets
