"""Related releases: the public releases sharing the most specific tree nodes with one release.

"Sharing" a node is sitting under it, as a listing filter reads a node: the
node itself or anything below it (a release tagged "Mission to Moldova" is
related to one tagged with a project office of that mission). Each of the
release's telling tags under which a candidate sits counts once; the most
counts first, newest among equals. The listing index answers that in
memory (:meth:`press.listing_index.Index.most_shared`); without it
(``LISTING_INDEX=0``) the read model's rows do, with the same answers.
"""

from django.conf import settings
from django.db.models.expressions import RawSQL

from taxonomy import clock

from . import listing_index, statements
from .dimensions import DIMENSIONS
from .facets import public_totals_of
from .models import ListingRow, PressRelease

#: A node that more than this share of all public releases sit under
#: ("Participating States") says nothing about what a release is about.
COMMON_SHARE = 0.05
#: ... nor does one above this many, however large the archive.
COMMON_MAX = 2000


def related_releases(release, limit=4, *, tags=None):
    """Up to ``limit`` public releases in the release's language, most shared specific
    nodes first, newest among equals, with their types.

    ``tags`` ({dimension: node pks}) saves reading the release's tags again.
    A list, or within ``compiled.overlapped`` a ``compiled.Later`` of one. One
    query: the chosen releases (from the listing index; without it, the choice
    is a subquery of the same query). Not cached: a cache key would cost a
    query of its own (the next scheduled publication).
    """
    conditions = telling_nodes(release, tags)
    if not conditions:
        return []
    if settings.LISTING_INDEX:
        index = listing_index.current()
        base = index.public(release.language, clock.now())
        ids = [pk for pk in index.most_shared(base, conditions, limit + 1) if pk != release.pk][
            :limit
        ]
        # Public still: a request's index may be a moment behind a withdrawal. Within
        # ``compiled.overlapped`` (a release page) read where the page shows them.
        return statements.public_cards_in_order(ids)
    return list(_most_shared(PressRelease.objects.for_cards(), release, conditions, limit))


def telling_nodes(release, tags=None):
    """``[(param, node pk)]``: ``release``'s tags specific enough to relate by, each once.

    Each tag's public total comes from the listing index (else the kept
    totals): the releases under it, in the page's language. Tags under
    which a large part of the archive sits are left out; when every tag is
    that common, the least common one alone is kept, so a release still
    finds its neighbours.
    """
    if tags is None:
        tags = {d: [node.pk for node in getattr(release, d.relation).all()] for d in DIMENSIONS}
    public, totals = public_totals_of({d.param: tags[d] for d in DIMENSIONS})
    limit = min(COMMON_MAX, max(50, int(public * COMMON_SHARE)))
    tags = [(totals.get(d.param, {}).get(pk, 0), d.param, pk) for d in DIMENSIONS for pk in tags[d]]
    kept = [tag for tag in tags if tag[0] <= limit]
    if tags and not kept:
        kept = [min(tags, key=lambda t: t[0])]
    return list(dict.fromkeys((param, pk) for _total, param, pk in kept))


def _most_shared(releases, release, conditions, limit):
    """The related releases of ``release`` from the read model's rows, in one query.

    A subquery over the rows of the conditions' nodes, grouped by release,
    picks them: each telling node's rows are few, so the work does not grow
    with the archive. The same rows, counted for each winner, order them.
    """
    rows = ListingRow._meta.db_table
    table = PressRelease._meta.db_table
    match = " OR ".join(["(r.dimension = %s AND r.value = %s)"] * len(conditions))
    params = [part for condition in conditions for part in condition]
    chosen = f"""
        SELECT r.release_id FROM {rows} r JOIN {table} p ON p.id = r.release_id
        WHERE ({match}) AND r.release_id <> %s AND p.status = 'published'
          AND p.published_at <= %s AND p.language = %s
        GROUP BY r.release_id, p.published_at
        ORDER BY COUNT(*) DESC, p.published_at DESC, r.release_id DESC
        LIMIT %s
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    count = (
        f"SELECT COUNT(*) FROM {rows} r "  # noqa: S608 - as above
        f'WHERE r.release_id = "{table}"."id" AND ({match})'
    )
    return (
        releases.filter(
            pk__in=RawSQL(chosen, [*params, release.pk, clock.now(), release.language, limit])
        )
        .annotate(shared=RawSQL(count, params))
        .order_by("-shared", "-published_at", "-pk")
    )
