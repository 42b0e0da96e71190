"""A read-only picture of each tree, kept per process: slug → position in the tree.

Listing filters and facet counts need each node's ``tree_id``/``lft``/
``rght`` by slug. The trees are small and change rarely, so each process
keeps the whole picture under the trees' version (``taxonomy.versions``,
stored in the database and changed by every tree write): a listing request
resolves its slugs without a query whatever the cache backend, and the
first request after an edit in any process builds it afresh. Release
writes never touch it.

Each entry carries the node's name in every language (``taxonomy.languages``,
decided once when the index is built): ``ref.name`` is the page's.
"""

from dataclasses import dataclass

from . import subtree
from .collation import in_reading_order
from .history import NameSpan, lineage, links_of, local_day, span_on, spans_by_node
from .languages import LANGUAGES, NAME_FIELDS, language_slot, names_of
from .versions import tree_version


@dataclass(frozen=True)
class NodeRef:
    pk: int
    slug: str
    #: The name in each of ``taxonomy.languages.LANGUAGES``, English first.
    names: tuple[str, ...]
    tree_id: int
    lft: int
    rght: int
    level: int
    parent_id: int | None
    is_active: bool
    #: Its dated names, oldest first (``taxonomy.history``); empty if never dated.
    history: tuple[NameSpan, ...] = ()

    @property
    def name(self):
        """The name in the page's language (``get_language()``)."""
        return self.names[language_slot()]

    def name_in(self, language):
        """The name in ``language``: in a loop, ask for the language once and pass it."""
        return self.names[language_slot(language)]

    def names_on(self, day):
        """The names it had on ``day`` (a date; None: today), one per language.

        Most nodes were never renamed: they answer without reading the day.
        A caller naming many nodes on one day passes a date, converted once.
        """
        if not self.history or day is None:
            return self.names
        span = span_on(self.history, local_day(day))
        return self.names if span is None else span.names

    def name_on(self, day, language=None):
        """Its name on ``day`` in ``language`` (default: the page's)."""
        return self.names_on(day)[language_slot(language)]

    def former_name_on(self, day, language=None):
        """Its name on ``day`` if that is not today's name (in ``language``), else None."""
        slot = language_slot(language)
        then = self.names_on(day)[slot]
        return then if then != self.names[slot] else None

    @property
    def has_children(self):
        return self.rght - self.lft > 1

    def contains(self, other):
        return subtree.contains(self, other)


class TreeIndex:
    """Shared by every request of a process until the trees change: read only."""

    def __init__(self, refs, links=(), former_slugs=None):
        self.refs = tuple(refs)  # in tree order
        self.by_slug = {r.slug: r for r in self.refs}
        self.by_pk = {r.pk: r for r in self.refs}
        #: (source pk, target pk, kind, date) of every link between its nodes.
        self.links = tuple(links)
        #: Former slugs (renamed, merged, former names) -> the node that answers for them.
        self.by_former_slug = {
            slug: self.by_pk[pk] for slug, pk in (former_slugs or {}).items() if pk in self.by_pk
        }
        self._reading_orders = {}

    def find(self, slug):
        """The node with this slug now or formerly, or None."""
        return self.by_slug.get(slug) or self.by_former_slug.get(slug)

    def predecessors(self, ref):
        """The nodes ``ref`` followed (succeeded, absorbed, split from), transitively."""
        return [self.by_pk[pk] for pk in lineage(self.links, ref.pk) if pk in self.by_pk]

    def with_predecessors(self, refs):
        """``refs``, then the nodes they followed (transitively), each once."""
        followed = [other for ref in refs for other in self.predecessors(ref)]
        return list(dict.fromkeys([*refs, *followed]))

    def successors(self, ref):
        """The nodes that followed ``ref``, transitively, nearest first."""
        return [
            self.by_pk[pk]
            for pk in lineage(self.links, ref.pk, backwards=False)
            if pk in self.by_pk
        ]

    def ancestors_and_self(self, ref):
        return [r for r in self.refs if r.contains(ref)]

    def path(self, ref, separator=" › "):
        language = language_slot()
        return separator.join(r.names[language] for r in self.ancestors_and_self(ref))

    def in_reading_order(self, alphabetical, language=None):
        """The refs as readers of ``language`` (default: the page's) expect them: a tuple.

        Alphabetical trees (countries) are sorted by the names that language
        shows ("Allemagne" among the A in French); collation keys cost
        milliseconds, so each order is kept with the index.
        """
        if not alphabetical:
            return self.refs
        slot = language_slot(language)
        order = self._reading_orders.get(slot)
        if order is None:
            order = tuple(in_reading_order(self.refs, alphabetical=True, language=LANGUAGES[slot]))
            self._reading_orders[slot] = order
        return order


#: model label → (trees' version, TreeIndex), this process's copies.
_indexes = {}


def tree_index(model):
    version = tree_version()
    label = model._meta.label_lower
    held = _indexes.get(label)
    if held is not None and version is not None and held[0] == version:
        return held[1]
    index = TreeIndex(_refs(model), links_of(model), _former_slugs(model))
    if version is not None:  # no version row: nothing can say when it goes stale
        _indexes[label] = (version, index)
    return index


def _former_slugs(model):
    from .models import OldNodeSlug

    return dict(
        OldNodeSlug.objects.filter(tree=model._meta.model_name).values_list("slug", "node_id")
    )


def _refs(model):
    """Every node of ``model`` as a ``NodeRef``, in tree order, from two queries."""
    history = spans_by_node(model)
    has_iso = any(f.name == "iso_code" for f in model._meta.concrete_fields)
    fields = ["pk", "slug", "name", *NAME_FIELDS, *(["iso_code"] if has_iso else [])]
    position = ["tree_id", "lft", "rght", "level", "parent_id", "is_active"]
    naming = len(fields)
    for row in model._base_manager.order_by("tree_id", "lft").values_list(*fields, *position):
        pk, slug, name, *translations = row[:naming]
        iso_code = translations.pop() if has_iso else ""
        names = names_of(name, translations, iso_code)
        spans = tuple(
            # Today's name is the node's own (a country's from the CLDR).
            NameSpan(span.valid_from, None, names) if span.is_current else span
            for span in history.get(pk, ())
        )
        yield NodeRef(pk, slug, names, *row[naming:], spans)
