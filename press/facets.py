"""Facet counts: how many results each choice would give with the other filters.

One grouped query per dimension, never one per option. For a tree
dimension the query joins each node to its descendants by ``lft``/``rght``
and counts *distinct* releases, so a release tagged twice in one subtree
counts once (django-mptt's ``add_related_count(cumulative=True)`` runs a
subquery per node and double-counts).
"""

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count
from django.db.models.functions import ExtractYear

from taxonomy.collation import in_reading_order
from taxonomy.index import tree_index

from .filters import NODE_MODELS, PressReleaseFilterSet
from .models import NODE_RELATIONS, PressRelease, release_types
from .versions import cached_public


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


def node_counts(queryset, param):
    """{node pk: distinct releases in ``queryset`` linked to the node or below it}."""
    model = NODE_MODELS[param]
    relation = PressRelease._meta.get_field(NODE_RELATIONS[param])
    through = relation.remote_field.through._meta
    release_col = through.get_field(relation.m2m_field_name()).column
    node_col = through.get_field(relation.m2m_reverse_field_name()).column
    node_table = model._meta.db_table
    try:
        ids_sql, params = _ids_sql(queryset)
    except EmptyResultSet:  # the other filters already match nothing
        return {}
    sql = f"""
        SELECT a.id, COUNT(DISTINCT l.{release_col})
        FROM {node_table} a
        JOIN {node_table} d ON d.tree_id = a.tree_id AND d.lft BETWEEN a.lft AND a.rght
        JOIN {through.db_table} l ON l.{node_col} = d.id
        WHERE l.{release_col} IN ({ids_sql})
        GROUP BY a.id
    """  # noqa: S608 - identifiers come from model metadata, values are parameters
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


@lru_cache(maxsize=32)
def _in_reading_order(refs, alphabetical):
    """The tree's nodes as readers expect them (countries alphabetically).

    Collation keys cost milliseconds per tree; a tree changes rarely, so the
    order is kept per version of its nodes (``NodeRef`` is immutable).
    """
    return tuple(in_reading_order(refs, alphabetical=alphabetical))


def build_facets(data, base_queryset, *, fixed_param=None, base_key="all"):
    """Every facet of the listing for GET ``data`` over ``base_queryset``.

    Each dimension's counts are cached until anything public changes
    (``cached_public``): the same filters give the same counts until a write
    or a scheduled publication, so only the first visitor pays for them.
    ``base_key`` names ``base_queryset`` (e.g. the node of a node page).
    """
    facets = []
    # The chosen values as the filters read them ("Moldova " is "moldova"):
    # each stays chosen in the form whatever the counts, even at zero.
    chosen = PressReleaseFilterSet(data, queryset=base_queryset).cleaned

    def other_filters(param):
        return PressReleaseFilterSet(_without(data, param), queryset=base_queryset).qs

    def counted(param, compute):
        rest = sorted(
            (k, sorted(data.getlist(k))) for k in data if k not in (param, "page", "sort")
        )
        return cached_public("facet", [param, base_key, rest], compute)

    for param in ("topic", "country", "structure", "meeting"):
        if param == fixed_param:
            continue
        selected = set(chosen.get(param) or ())
        counts = counted(param, lambda p=param: node_counts(other_filters(p), p))
        model = NODE_MODELS[param]
        index = tree_index(model)
        refs = _in_reading_order(tuple(index.refs), model.ALPHABETICAL)
        options = [
            Option(
                value=ref.slug,
                label=ref.name,
                count=counts.get(ref.pk, 0),
                selected=ref.slug in selected,
                level=ref.level,
                closed=not ref.is_active,
                parent=index.by_pk[ref.parent_id].slug if ref.parent_id else None,
            )
            for ref in refs
            if counts.get(ref.pk) or ref.slug in selected
        ]
        label = PressReleaseFilterSet.base_filters[param].label
        facets.append(Facet(param, label, options))

    selected = set(chosen.get("type") or ())
    counts = counted(
        "type",
        lambda: dict(
            other_filters("type")
            .order_by()
            .values("type_id")
            .annotate(n=Count("pk"))
            .values_list("type_id", "n")
        ),
    )
    facets.append(
        Facet(
            "type",
            PressReleaseFilterSet.base_filters["type"].label,
            [
                Option(t.slug, t.name, counts.get(t.pk, 0), t.slug in selected)
                for t in release_types()
                if counts.get(t.pk) or t.slug in selected
            ],
        )
    )

    year = chosen.get("year")
    rows = counted(
        "year",
        lambda: list(
            other_filters("year")
            .order_by()
            .annotate(y=ExtractYear("published_at"))
            .values("y")
            .annotate(n=Count("pk"))
            .values_list("y", "n")
        ),
    )
    years = dict(rows)
    if year is not None:
        years.setdefault(year, 0)  # no release that year with the other filters
    facets.append(
        Facet(
            "year",
            PressReleaseFilterSet.base_filters["year"].label,
            [Option(str(y), str(y), n, y == year) for y, n in sorted(years.items(), reverse=True)],
        )
    )
    return facets
