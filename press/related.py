"""Related releases: the public releases sharing the most tree nodes with one release."""

from django.db import connections

from taxonomy import clock

from .dimensions import RELATIONS
from .models import PressRelease
from .versions import cached_public


def related_releases(release, limit=4):
    """Cached until anything public changes; see :func:`find_related`."""
    ids = cached_public("related", [release.pk, limit], lambda: find_related(release, limit))
    found = PressRelease.objects.filter(pk__in=ids).select_related("type").in_bulk()
    return [found[pk] for pk in ids if pk in found]


def find_related(release, limit):
    """Up to ``limit`` public releases, most shared nodes first, newest among equals.

    One statement: the link rows of this release's nodes, from every tree,
    grouped by release. Nothing is loaded into Python but the winners.
    """
    parts, params = [], []
    for relation in RELATIONS:
        field = PressRelease._meta.get_field(relation)
        through = field.remote_field.through._meta
        release_col = through.get_field(field.m2m_field_name()).column
        node_col = through.get_field(field.m2m_reverse_field_name()).column
        parts.append(
            f"SELECT l.{release_col} AS release_id FROM {through.db_table} l "
            f"WHERE l.{node_col} IN (SELECT {node_col} FROM {through.db_table} "
            f"WHERE {release_col} = %s)"
        )
        params.append(release.pk)
    table = PressRelease._meta.db_table
    sql = f"""
        SELECT s.release_id FROM ({" UNION ALL ".join(parts)}) s
        JOIN {table} p ON p.id = s.release_id
        WHERE s.release_id <> %s AND p.status = 'published' AND p.published_at <= %s
        GROUP BY s.release_id, p.published_at
        ORDER BY COUNT(*) DESC, p.published_at DESC
        LIMIT %s
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    params += [release.pk, clock.now(), limit]
    with connections[PressRelease.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
