"""A read-only picture of each tree, kept per process: slug → position in the tree.

Listing filters and facet counts need each node's ``tree_id``/``lft``/
``rght`` by slug. The trees are small and change rarely, so each process
keeps the whole picture under the trees' version (``taxonomy.versions``,
stored in the database and changed by every tree write): a listing request
resolves its slugs without a query whatever the cache backend, and the
first request after an edit in any process builds it afresh. Release
writes never touch it.
"""

from dataclasses import dataclass

from . import subtree
from .versions import tree_version


@dataclass(frozen=True)
class NodeRef:
    pk: int
    slug: str
    name: str
    tree_id: int
    lft: int
    rght: int
    level: int
    parent_id: int | None
    is_active: bool

    @property
    def has_children(self):
        return self.rght - self.lft > 1

    def contains(self, other):
        return subtree.contains(self, other)


class TreeIndex:
    """Shared by every request of a process until the trees change: read only."""

    def __init__(self, refs):
        self.refs = tuple(refs)  # in tree order
        self.by_slug = {r.slug: r for r in self.refs}
        self.by_pk = {r.pk: r for r in self.refs}

    def ancestors_and_self(self, ref):
        return [r for r in self.refs if r.contains(ref)]

    def path(self, ref, separator=" › "):
        return separator.join(r.name for r in self.ancestors_and_self(ref))


#: model label → (trees' version, TreeIndex), this process's copies.
_indexes = {}


def tree_index(model):
    version = tree_version()
    label = model._meta.label_lower
    held = _indexes.get(label)
    if held is not None and version is not None and held[0] == version:
        return held[1]
    index = TreeIndex(
        NodeRef(*row)
        for row in model._base_manager.order_by("tree_id", "lft").values_list(
            "pk", "slug", "name", "tree_id", "lft", "rght", "level", "parent_id", "is_active"
        )
    )
    if version is not None:  # no version row: nothing can say when it goes stale
        _indexes[label] = (version, index)
    return index
