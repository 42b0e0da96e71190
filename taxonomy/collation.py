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


def shown_name(node, language="en"):
    """The name readers of ``language`` see: ``name_in(language)`` if the node has it."""
    name_in = getattr(node, "name_in", None)
    return name_in(language) if name_in is not None else node.name


def in_reading_order(nodes, *, alphabetical, language="en", sort_roots=True):
    """``nodes`` (in tree order, each with ``pk``, ``parent_id`` and ``name``), with the
    children of every node sorted by the name ``language`` shows when ``alphabetical``;
    each subtree stays under its parent. Nodes whose parent is not in the list are
    treated as roots; they keep their order unless ``sort_roots``."""
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
        siblings = children.get(parent, ())
        if parent is not None or sort_roots:
            siblings = sorted(
                siblings, key=lambda n: collation_key(shown_name(n, language), language)
            )
        for child in siblings:
            ordered.append(child)
            visit(child.pk)

    visit(None)
    return ordered
