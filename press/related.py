"""Related releases: the public releases sharing the most specific tree nodes with one release."""

from django.db import connections

from taxonomy import clock

from .bulk import link_columns
from .dimensions import DIMENSIONS
from .facets import public_totals_of
from .models import PressRelease

#: A node that more than this share of all public releases sit under
#: ("Participating States") says nothing about what a release is about.
COMMON_SHARE = 0.05
#: ... nor does one above this many, however large the archive.
COMMON_MAX = 2000


def related_releases(release, limit=4, *, tags=None):
    """The related releases themselves (:func:`find_related`), in order.

    ``tags`` ({dimension: node pks}) saves reading the release's tags again.
    Not cached: the tags' totals come from the listing index and the choice
    is one query over a few nodes' links, where a cache key would cost a
    query of its own (the next scheduled publication, ``public_state``).
    """
    ids = find_related(release, limit, tags=tags)
    found = PressRelease.objects.filter(pk__in=ids).select_related("type").in_bulk()
    return [found[pk] for pk in ids if pk in found]


def telling_nodes(release, tags=None):
    """``({dimension: node pks}, None)`` of ``release``'s tags specific enough to relate by.

    Each tag's public total comes from the listing's kept totals. Tags under
    which a large part of the archive sits are left out; when every tag is
    that common, ``(None, (total, dimension, pk))`` names the least common
    one instead, so a release still finds its neighbours.
    """
    if tags is None:
        tags = {d: [node.pk for node in getattr(release, d.relation).all()] for d in DIMENSIONS}
    public, totals = public_totals_of({d.param: tags[d] for d in DIMENSIONS})
    limit = min(COMMON_MAX, max(50, int(public * COMMON_SHARE)))
    tags = [(totals.get(d.param, {}).get(pk, 0), d, pk) for d in DIMENSIONS for pk in tags[d]]
    kept = [tag for tag in tags if tag[0] <= limit]
    if tags and not kept:
        return None, min(tags, key=lambda t: t[0])
    nodes = {}
    for _total, dimension, pk in kept:
        nodes.setdefault(dimension, []).append(pk)
    return nodes, None


def find_related(release, limit, *, tags=None):
    """Up to ``limit`` public releases in the release's language, most shared specific
    nodes first, newest among equals.

    One statement over the link rows of the release's telling nodes (see
    :func:`telling_nodes`), grouped by release: each node's links are few, so
    the work does not grow with the archive. Nothing is loaded into Python
    but the winners.
    """
    telling, common = telling_nodes(release, tags)
    if common:
        return _newest_sharing(release, *common[1:], limit)
    parts, params = [], []
    for dimension, pks in telling.items():
        links, release_col, node_col = link_columns(dimension.relation)
        marks = ", ".join(["%s"] * len(pks))
        parts.append(
            f"SELECT l.{release_col} AS release_id FROM {links} l WHERE l.{node_col} IN ({marks})"
        )
        params += pks
    if not parts:
        return []
    table = PressRelease._meta.db_table
    sql = f"""
        SELECT s.release_id FROM ({" UNION ALL ".join(parts)}) s
        JOIN {table} p ON p.id = s.release_id
        WHERE s.release_id <> %s AND p.status = 'published' AND p.published_at <= %s
          AND p.language = %s
        GROUP BY s.release_id, p.published_at
        ORDER BY COUNT(*) DESC, p.published_at DESC
        LIMIT %s
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    params += [release.pk, clock.now(), release.language, limit]
    with connections[PressRelease.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _newest_sharing(release, dimension, pk, limit):
    """The newest public releases tagged ``pk``, for a release whose every tag is common.

    They all share exactly that one node, so there is nothing to count: the
    public releases newest first, each checked for the link, stop at
    ``limit``. A common node holds a fair share of the archive, so few are
    checked; grouping its thousands of links would read them all.
    """
    links, release_col, node_col = link_columns(dimension.relation)
    sql = f"""
        SELECT p.id FROM {PressRelease._meta.db_table} p
        WHERE p.language = %s AND p.status = 'published' AND p.published_at <= %s
          AND p.id <> %s AND EXISTS (SELECT 1 FROM {links} l
                      WHERE l.{release_col} = p.id AND l.{node_col} = %s)
        ORDER BY p.published_at DESC, p.id DESC
        LIMIT %s
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    with connections[PressRelease.objects.db].cursor() as cursor:
        cursor.execute(sql, [release.language, clock.now(), release.pk, pk, limit])
        return [row[0] for row in cursor.fetchall()]
