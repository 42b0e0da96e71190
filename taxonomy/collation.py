"""Alphabetical order as readers expect it, not as code points sort.

Python's ``sorted`` puts "Türkiye" after "Turkmenistan" and every capital
before every small letter. The Unicode Collation Algorithm (pyuca, with the
default table that CLDR tailors per language) puts "Türkiye" before
"Turkmenistan" and ignores case and accents at the first level. A leading
English article does not count: "The Netherlands" sorts under N, as the
organisation's own lists do.

The trees whose siblings are read alphabetically (``Node.ALPHABETICAL``,
e.g. countries) are shown in this order by facets, pickers and navigation;
the others keep the order editors gave them.
"""

import functools
import re

from pyuca import Collator

_ARTICLE = re.compile(r"^the\s+", re.IGNORECASE)


@functools.cache
def _collator():
    return Collator()  # loads the table once per process (~0.2 s)


def collation_key(text, language="en"):
    """A sort key for ``text``. ``language`` is accepted for the tailorings to come."""
    return _collator().sort_key(_ARTICLE.sub("", (text or "").strip()))


def in_reading_order(nodes, *, alphabetical, language="en"):
    """``nodes`` (in tree order, each with ``pk``, ``parent_id`` and ``name``), with the
    children of every node sorted by name when ``alphabetical``; each subtree stays
    under its parent. Nodes whose parent is not in the list are treated as roots."""
    nodes = list(nodes)
    if not alphabetical:
        return nodes
    present = {n.pk for n in nodes}
    children = {}
    for node in nodes:
        parent = node.parent_id if node.parent_id in present else None
        children.setdefault(parent, []).append(node)
    ordered = []

    def visit(parent):
        for child in sorted(
            children.get(parent, ()), key=lambda n: collation_key(n.name, language)
        ):
            ordered.append(child)
            visit(child.pk)

    visit(None)
    return ordered
