"""A release's tags and sources in one query, named from the trees' index.

The release page shows every node a release is tagged with, in each tree's
order, with its name and address; related releases weigh the same nodes.
Prefetching the five relations would read five link tables and build a
model instance per node; the link rows alone, in one ``UNION ALL``, and the
index this process keeps of each tree (``taxonomy.index``) say the same.
"""

from django.db import connections

from taxonomy.index import tree_index
from taxonomy.models import Structure
from taxonomy.navigation import ref_url

from .bulk import link_columns
from .dimensions import DIMENSIONS
from .models import PressRelease

#: Relation -> tree model, for every relation a release page shows: sources first.
SHOWN = {"sources": Structure, **{d.relation: d.model for d in DIMENSIONS}}


def tag_refs(release):
    """{relation: [NodeRef]} of ``release``, in tree order (as the relations' own ordering)."""
    parts, params = [], []
    for relation in SHOWN:
        table, release_col, node_col = link_columns(relation)
        parts.append(f"SELECT %s, {node_col} FROM {table} WHERE {release_col} = %s")  # noqa: S608
        params += [relation, release.pk]
    found = {relation: set() for relation in SHOWN}
    with connections[PressRelease.objects.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for relation, pk in cursor.fetchall():
            found[relation].add(pk)
    tags = {}
    for relation, model in SHOWN.items():
        index = tree_index(model)
        tags[relation] = [ref for ref in index.refs if ref.pk in found[relation]]
    return tags


def ref_links(model, refs):
    """What a page shows of each node: its name, address and whether it is closed."""
    return [
        {"name": ref.name, "url": ref_url(model, ref), "closed": not ref.is_active} for ref in refs
    ]
