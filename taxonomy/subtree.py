"""The one descendant rule of the trees, in the three forms code needs it.

A node's subtree is the node itself and every node of the same tree whose
``lft`` lies between the node's ``lft`` and ``rght`` (django-mptt's nested
sets). "Under Participating States" means exactly this everywhere: in the
listing's read model, in facet counts, in the admin's filters, in node
pages, in merging and in deleting. Python code asks :func:`contains`, ORM
queries :func:`subtree_q`, raw SQL :func:`contains_sql`; nothing else spells
the rule out.
"""

from django.db.models import Q


def contains(ancestor, node):
    """Whether ``node`` is ``ancestor`` or lies under it (nodes or ``NodeRef``)."""
    return ancestor.tree_id == node.tree_id and ancestor.lft <= node.lft <= ancestor.rght


def strictly_contains(ancestor, node):
    """Whether ``node`` lies under ``ancestor`` and is not ``ancestor`` itself."""
    return contains(ancestor, node) and ancestor.lft != node.lft


def subtree_q(nodes, prefix=""):
    """A ``Q``: the node at ``prefix`` (e.g. ``"topics__"``) lies in one of ``nodes``' subtrees.

    An empty ``nodes`` matches nothing.
    """
    condition = Q(pk__in=[])
    for node in nodes:
        condition |= Q(
            **{
                f"{prefix}tree_id": node.tree_id,
                f"{prefix}lft__gte": node.lft,
                f"{prefix}lft__lte": node.rght,
            }
        )
    return condition


def contains_sql(ancestor, node):
    """SQL: the row aliased ``node`` is the row aliased ``ancestor`` or lies under it."""
    same_tree = f"{node}.tree_id = {ancestor}.tree_id"
    return f"{same_tree} AND {node}.lft BETWEEN {ancestor}.lft AND {ancestor}.rght"
