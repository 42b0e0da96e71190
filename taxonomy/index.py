"""A cached, read-only picture of each tree: slug → position in the tree.

Listing filters and facet counts need each node's ``tree_id``/``lft``/
``rght`` by slug. The trees are small and change rarely, so the whole picture
is cached under the content version (any tree write bumps it): a listing
request resolves its slugs without a query.
"""

from dataclasses import dataclass

from django.core.cache import cache

from osce_cms.content import content_version


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
        return self.tree_id == other.tree_id and self.lft <= other.lft <= self.rght


class TreeIndex:
    def __init__(self, refs):
        self.refs = refs  # in tree order
        self.by_slug = {r.slug: r for r in refs}
        self.by_pk = {r.pk: r for r in refs}

    def ancestors_and_self(self, ref):
        return [r for r in self.refs if r.contains(ref)]

    def path(self, ref, separator=" › "):
        return separator.join(r.name for r in self.ancestors_and_self(ref))


def tree_index(model):
    key = f"tree-index:{model._meta.label_lower}:{content_version()}"
    refs = cache.get(key)
    if refs is None:
        refs = [
            NodeRef(*row)
            for row in model._base_manager.order_by("tree_id", "lft").values_list(
                "pk", "slug", "name", "tree_id", "lft", "rght", "level", "parent_id", "is_active"
            )
        ]
        cache.set(key, refs, timeout=60 * 60)
    return TreeIndex(refs)
