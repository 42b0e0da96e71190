"""The reads every public page makes, compiled once per process (PostgreSQL).

The release behind a release page's address, and the cards of a list of
ids (every listing, node page and search, the related releases): each a
:class:`press.compiled.Statement`, compiled by Django once per process,
database and shape (with or without headlines, the search configuration),
from the same queryset the ORM would run. On SQLite, where the targets are
not measured, they are the querysets themselves. Measured at 100,000
releases, the release page went from 30 to 22 times a trivial view."""

import datetime

from django.conf import settings
from django.db import router
from django.db.models import F, Lookup, OuterRef

from taxonomy import clock

from . import languages, listing_index
from .bulk import link_table
from .compiled import compiled_on, statement, then
from .compiled import overlapped as compiled_overlapped
from .models import PressRelease
from .tags import CARD_RELATIONS, LINKED_ATTR, SHOWN

#: The values a statement is compiled with, in the places a request's values go:
#: each is found among the compiled query's parameters by its type and value, so
#: it must be a value the queryset holds nowhere else (no release is dated in the
#: year 1, no id is negative, no constant of these queries holds control characters).
_IDS_MARK = [-(10**15)]
_NOW_MARK = datetime.datetime(1, 1, 1, 0, 0, 0, 424242, tzinfo=datetime.UTC)
_TEXT_MARK = "\x01statement value\x01"


def page_release(slug):
    """The release whose public page is at ``slug`` (published or withdrawn, its time come),
    with its type and, on PostgreSQL, the node pks of every relation the page shows as
    arrays (``tags.tag_refs`` reads them: no query of its own); None when there is none.
    One query; within ``compiled.overlapped`` read with what was sent before it (the
    listing clock: ``listing_index.send_clock``)."""
    using = router.db_for_read(PressRelease)
    releases = PressRelease.objects.using(using).with_lists()
    if not compiled_on(using):
        return releases.with_public_page().filter(slug=slug).first()

    def build():
        queryset = releases.with_public_page(now=_NOW_MARK).filter(slug=_TEXT_MARK).order_by()
        queryset = queryset.annotate(**_linked_columns(tuple(SHOWN)))
        return queryset[:1], {"slug": _TEXT_MARK, "now": _NOW_MARK}

    found = statement(("page", using), build).send(slug=slug, now=clock.now())
    return found[0] if found else None


class _AnyOf(Lookup):
    """``lhs = ANY(%s)``: one array parameter for any number of ids (PostgreSQL), so
    one statement serves every length of list."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, self.rhs]


def overlapped():
    """``compiled.overlapped`` on the database releases are read from."""
    return compiled_overlapped(router.db_for_read(PressRelease))


def respond_overlapped(respond, *, clock_first=False):
    """``respond()``'s response, made within :func:`overlapped` and rendered there (a
    template response reads the answers sent for it where it shows them).
    ``clock_first``: the listing clock is sent before anything else
    (``listing_index.send_clock``), so it comes back with what is sent next."""
    with overlapped():
        if clock_first and settings.LISTING_INDEX:
            listing_index.send_clock()
        response = respond()
        if hasattr(response, "render"):
            response = response.render()
    return response


def _linked_columns(relations=CARD_RELATIONS):
    """Each relation's node pks as an array column (``tags.LINKED_ATTR``) of a
    statement's own query: the cards' issuers (``press_tags.card_issuers``), a feed
    item's tags. One query a page less, at no cost to build once compiled."""
    from django.contrib.postgres.expressions import ArraySubquery

    columns = {}
    for relation in relations:
        through, own, other = link_table(relation)
        links = through.objects.filter(**{own: OuterRef("pk")}).values(other)
        columns[LINKED_ATTR % relation] = ArraySubquery(links)
    return columns


#: What a card shows of a release (``press_tags.release_cards``): its address, type,
#: date and state, title, summary and thumbnail. A card reads nothing else (the
#: query-count tests would see one query a card if it did).
CARD_FIELDS = (
    "title",
    "slug",
    "type",
    "status",
    "published_at",
    "language",
    "summary",
    "lead_image",
    "lead_image_width",
    "lead_image_height",
    "lead_image_alt",
)


def public_cards(ids, q="", *, whole=False):
    """{pk: release} of the public releases among ``ids``, as a card shows them
    (:data:`CARD_FIELDS`, the node pks of its issuers' relations:
    ``tags.linked_of_cards``), with the search headline of ``q`` when there is one.
    One query. ``whole``: every field but the body and the search vector, and no
    issuers (the JSON API's list, which reads every tag in a query of its own).

    On SQLite, with ``q``, only those that ``q`` finds: its snippets come from the
    search's own join (the listing's ids are the search's anyway).
    """
    return _by_pk(_cards(_ids(ids), q, whole=whole))


def public_cards_in_order(ids, q="", *, whole=False):
    """The public releases among ``ids``, in that order, as :func:`public_cards` reads
    them; within ``compiled.overlapped``, read when first used (``Statement.send``)."""
    ids = _ids(ids)

    def in_order(releases):
        by_pk = _by_pk(releases)
        return [by_pk[pk] for pk in ids if pk in by_pk]

    return then(_cards(ids, q, later=True, whole=whole), in_order)


def _ids(ids):
    return list(dict.fromkeys(int(pk) for pk in ids))  # as pk__in would have them


def _by_pk(releases):
    return {release.pk: release for release in releases}


def _cards(ids, q, *, later=False, whole=False):
    """The cards of ``ids`` (as ``_ids`` gives them), in no order."""
    if not ids:
        return []
    q = (q or "").replace("\x00", " ").strip()
    using = router.db_for_read(PressRelease)
    releases = PressRelease.objects.using(using)
    if not compiled_on(using):
        found = releases.published().filter(pk__in=ids)
        if q:  # SQLite's snippets come from the search's own join
            found = found.search(q)
        return list(card_fields(found.for_cards(), whole).with_headlines(q))
    config = languages.search_config() if q else None

    def build():
        marks = {"ids": _IDS_MARK, "now": _NOW_MARK}
        queryset = (
            releases.published(now=_NOW_MARK)
            .filter(_AnyOf(F("pk"), _IDS_MARK))
            .for_cards()
            .order_by()
        )
        queryset = card_fields(queryset, whole)
        if q:
            queryset, marks["q"] = queryset.with_headlines(_TEXT_MARK), _TEXT_MARK
        if not whole:
            queryset = queryset.annotate(**_linked_columns())
        return queryset, marks

    key = ("cards", using, config, whole)
    values = {"ids": ids, "now": clock.now(), **({"q": q} if q else {})}
    found = statement(key, build, plain=True)
    return found.send(**values) if later else found.run(**values)


def card_fields(queryset, whole=False):
    """``queryset`` reading what a card shows (:data:`CARD_FIELDS`), or ``whole``: all."""
    return queryset if whole else queryset.only(*CARD_FIELDS)


def feed_items(ids, fields, fallback):
    """``(rows, linked)``: the public releases among ``ids``, in that order, as
    ``values_list(*fields, "fallback")`` rows (``fields`` starting with the pk,
    ``fallback`` the expression of that name), and the node pks of every relation a
    page shows (``tags.SHOWN``) as ``tags.tags_of_releases`` takes them. One query on
    PostgreSQL, compiled once; on SQLite ``linked`` is None (read by a query of its own).
    """
    ids = _ids(ids)
    if not ids:
        return [], {}
    using = router.db_for_read(PressRelease)
    releases = PressRelease.objects.using(using)
    if not compiled_on(using):
        rows = releases.published().filter(pk__in=ids).annotate(fallback=fallback)
        found = {row[0]: row for row in rows.values_list(*fields, "fallback")}
        return [found[pk] for pk in ids if pk in found], None

    def build():
        columns = _linked_columns(tuple(SHOWN))
        queryset = (
            releases.published(now=_NOW_MARK)
            .filter(_AnyOf(F("pk"), _IDS_MARK))
            .annotate(fallback=fallback, **columns)
            .values_list(*fields, "fallback", *columns)
            .order_by()
        )
        return queryset, {"ids": _IDS_MARK, "now": _NOW_MARK}

    width = len(fields) + 1
    found = {}
    linked = {}
    key = ("feed", using, tuple(fields), repr(fallback))  # the expression as written
    for row in statement(key, build).run(ids=ids, now=clock.now()):
        found[row[0]] = row[:width]
        linked.update(((row[0], relation), row[width + i]) for i, relation in enumerate(SHOWN))
    return [found[pk] for pk in ids if pk in found], linked
