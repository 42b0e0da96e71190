"""A release's tags and sources in one query, named from the trees' index.

The release page shows every node a release is tagged with, in each tree's
order, with its name and address; related releases weigh the same nodes.
Prefetching the five relations would read five link tables and build a
model instance per node; the link rows alone, in one ``UNION ALL``, and the
index this process keeps of each tree (``taxonomy.index``) say the same.

A list of releases (the cards of a page, a feed's items) reads the tags
of all its releases in one such query too (:func:`tags_of_releases`), after
the releases; or, on PostgreSQL, as array columns of the releases' own
statement (``press.statements``: compiled once, they cost nothing to build),
handed over as ``linked`` (:func:`linked_of_cards`).

Every public page names a node as it was named on the release's date
(:func:`ref_links`): a 2010 release tagged with today's Programme Office in
Astana reads "Centre in Astana (now: Programme Office in Astana)".
"""

from django.db import connections
from django.utils.translation import get_language

from taxonomy.history import local_day
from taxonomy.index import tree_index
from taxonomy.models import Structure
from taxonomy.navigation import ref_urls

from .bulk import link_columns
from .dimensions import DIMENSIONS
from .models import PressRelease

#: Relation -> tree model, for every relation a release page shows: sources first.
SHOWN = {"sources": Structure, **{d.relation: d.model for d in DIMENSIONS}}
#: What a release's card names of its tags: who issued it (``press_tags.card_issuers``).
CARD_RELATIONS = ("sources", "structures")


def _linked(release_ids, relations):
    """{(release pk, relation): {node pk}} of ``release_ids``, from one ``UNION ALL`` query."""
    release_ids = list(dict.fromkeys(release_ids))
    found = {}
    if not release_ids or not relations:
        return found
    connection = connections[PressRelease.objects.db]
    # PostgreSQL takes the ids as one array: fifty placeholders a part cost
    # more to send than the query takes.
    array = connection.vendor == "postgresql"
    marks = "= ANY(%s)" if array else f"IN ({', '.join(['%s'] * len(release_ids))})"
    parts, params = [], []
    for relation in relations:
        table, release_col, node_col = link_columns(relation)
        parts.append(
            f"SELECT %s, {release_col}, {node_col} FROM {table} "  # noqa: S608
            f"WHERE {release_col} {marks}"
        )
        params += [relation, release_ids] if array else [relation, *release_ids]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for relation, release_id, pk in cursor.fetchall():
            found.setdefault((release_id, relation), set()).add(pk)
    return found


def tags_of_releases(release_ids, relations=tuple(SHOWN), linked=None):
    """{release pk: {relation: [NodeRef]}} for many releases, in tree order, from one query.

    Each release has an entry for each of ``relations`` (keys of
    :data:`SHOWN`), empty when it has no such tag: a page of cards or a
    feed's items cost one query whatever their number. ``linked``, the
    {(release pk, relation): node pks} a caller has already read (a page's
    cards read their issuers with them: :func:`linked_of_cards`), saves it.
    """
    release_ids = list(release_ids)
    found = _linked(release_ids, relations) if linked is None else linked
    indexes = {relation: tree_index(SHOWN[relation]) for relation in relations}
    tags = {}
    for release_id in release_ids:
        tags[release_id] = {
            relation: _in_tree_order(indexes[relation], found.get((release_id, relation), ()))
            for relation in relations
        }
    return tags


#: The attribute in which a card's release carries the node pks of a relation, when
#: its query read them (``statements.public_cards``, PostgreSQL).
LINKED_ATTR = "linked_%s"


def linked_of_cards(releases, relations=CARD_RELATIONS):
    """{(release pk, relation): node pks} that ``releases`` (cards, or a release page's
    release) were read with, for
    :func:`tags_of_releases`; None unless every one of them carries every relation."""
    attrs = [(relation, LINKED_ATTR % relation) for relation in relations]
    try:
        return {
            (release.pk, relation): getattr(release, attr)
            for release in releases
            for relation, attr in attrs
        }
    except AttributeError:
        return None


def _in_tree_order(index, pks):
    """The index's entries of ``pks`` in tree order (as ``index.refs``); unknown ones left out."""
    refs = [index.by_pk[pk] for pk in pks if pk in index.by_pk]
    return sorted(refs, key=lambda ref: (ref.tree_id, ref.lft))


def tag_refs(release):
    """{relation: [NodeRef]} of ``release``, in tree order (as the relations' own ordering).

    No query for a release read with its tags as arrays (``statements.page_release``)."""
    return tags_of_releases([release.pk], linked=linked_of_cards([release], tuple(SHOWN)))[
        release.pk
    ]


def ref_links(model, refs, day=None, language=None, *, url=None):
    """What a page shows of each node: its name on ``day``, address, and whether it is closed.

    ``day`` is the release's date (``published_at``; None, a draft without
    one: today). ``name`` is the node's name on that day in ``language``
    (default: the page's); ``now`` is today's name where that differs (the
    page writes "Centre in Astana (now: Programme Office in Astana)", the
    link on today's name), else None. ``url`` is ``ref_urls(model)``, for a
    caller naming the nodes of many releases.
    """
    language = language or get_language()
    day = local_day(day)  # the release's local day, worked out once
    url = url or ref_urls(model)
    links = []
    for ref in refs:
        former = ref.former_name_on(day, language) if day is not None else None
        links.append(
            {
                "name": former or ref.name_in(language),
                "now": ref.name_in(language) if former else None,
                "url": url(ref),
                "closed": not ref.is_active,
            }
        )
    return links


def keywords(links):
    """A release's keywords for search engines, from :func:`ref_links` of its tags.

    The names as of the release's date come first: they are the words the
    release itself uses, and what a reader of that time searched for. Then
    today's name of every node renamed since, so a search for the body as it
    is called now finds its older releases too. Each name once.
    """
    then = [link["name"] for link in links]
    now = [link["now"] for link in links if link["now"]]
    return list(dict.fromkeys([*then, *now]))
