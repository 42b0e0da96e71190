"""The listing machinery shared by /press/ and every node page."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from . import languages, listing_index, statements
from .facets import build_facets, rows_count
from .filter_labels import labeller
from .filters import SORTS, PressReleaseFilterSet
from .models import PressRelease, release_types
from .querystring import redirect_without_empty_params
from .selection import SelectedIds, selection, send_search
from .versions import cached_public


def query_string(pairs):
    return urlencode(pairs)


DEFAULT_SORT = SORTS[0][0]  # newest first
#: From this many releases skipped, a page reads its ids before its releases.
DEFERRED_JOIN_OFFSET = 200


def listing_count(filterset, *, base_key, base_rows):
    """How many releases ``filterset`` selects: from the read model where it can tell
    (``facets.rows_count``), else counted.

    Counting a large match (a common search word) reads every matching row:
    cached like the facets, until anything public changes. ``base_key`` names
    the filterset's base queryset and ``base_rows`` its read-model conditions
    (``ListingMixin.base_rows``).
    """
    chosen = selection(filterset, base_rows)
    if chosen is not None:
        return chosen.count()
    count = rows_count(filterset, base_rows=base_rows)
    if count is None:  # a search or dates: count the releases themselves
        data = filterset.data
        filters = sorted((k, sorted(data.getlist(k))) for k in data if k not in ("page", "sort"))
        count = cached_public("count", [base_key, filters], filterset.qs.count)
    return count


def listing_paginator(filterset, page_size, *, base_key, base_rows):
    """A paginator over what ``filterset`` selects, its count read once (``listing_count``).

    From the listing index its object list is the page's release ids
    (``SelectedIds``), which ``page_rows`` reads; ordered by relevance, the
    search's ranking needs the database: the filterset's queryset.
    """
    chosen = selection(filterset, base_rows)
    sort = filterset.cleaned.get("sort")
    if chosen is not None and not (sort == "relevance" and filterset.cleaned.get("q")):
        rows = SelectedIds(chosen, oldest_first=sort == "date")
    else:
        rows = filterset.qs
    paginator = Paginator(rows, page_size)
    paginator.count = listing_count(filterset, base_key=base_key, base_rows=base_rows)
    return paginator


def page_rows(page_queryset, q, offset, *, headlines=True, ids_first=False, whole=False):
    """The page's releases, as cards show them, in the page's order.

    Deep in the listing, a deferred join: the page's ids first, which the
    public index (status, published_at, id) gives without reading a
    release row however deep the page, then those releases whole.
    Reading whole rows only to skip them made page 400 nine times slower
    (PostgreSQL, 100,000 releases). Near the start there is little to
    skip and one query does. On PostgreSQL the cards' statement, compiled
    once, reads each card's issuers as array columns of its own query
    (``statements.public_cards``); the queryset branches and SQLite read them
    afterwards, in one query for the page (``press_tags.card_issuers``).
    ``headlines=False`` leaves out the search's highlighted snippets (the
    JSON API shows none), ``whole`` reads every field but the body (and the
    search vector), where a card reads what it shows (``statements.CARD_FIELDS``;
    the JSON API shows more).
    ``ids_first`` takes the deferred join at any depth:
    under filters that each match much of the archive (all Participating
    States, a topic, a year) PostgreSQL joins their rows whole before it
    reads a page, where the ids alone walk the public index (the JSON API:
    69 → 28 ms at 100,000 releases, for one query more). With the listing
    index on, a page's ids come from the index (a list), so the queryset
    branches serve ``LISTING_INDEX=0`` and the search's relevance order.
    The result is a list, or where the cards are read later a ``compiled.Later``.
    """
    shown = q if headlines else ""
    if isinstance(page_queryset, list):  # the page's ids, from the listing index
        ids = page_queryset
    elif offset < DEFERRED_JOIN_OFFSET and not ids_first:
        return list(statements.card_fields(page_queryset.for_cards(), whole).with_headlines(shown))
    else:
        ids = list(page_queryset.values_list("pk", flat=True))
    # Public still: a request's index may be a moment behind a withdrawal. Within
    # ``compiled.overlapped`` (ListingMixin.dispatch) the cards are read when the
    # page first uses them, and the page is written meanwhile.
    return statements.public_cards_in_order(ids, shown, whole=whole)


class Chip:
    def __init__(self, label, url, *, is_filter=True):
        self.label, self.url, self.is_filter = label, url, is_filter


class ListingMixin:
    """Filters, counts, facets, chips and pagination for a queryset of releases.

    The view provides ``get_base_queryset()`` (public releases, possibly
    limited to one node); the GET parameters do the rest.
    """

    fixed_param = None
    base_key = "all"

    def dispatch(self, request, *args, **kwargs):
        redirect = redirect_without_empty_params(request)
        if redirect is not None:
            return redirect
        # The page is written while the database reads its cards (``page_rows``): the
        # cards' query is sent, and waited for only where the page first shows them.
        view = super().dispatch
        return statements.respond_overlapped(lambda: view(request, *args, **kwargs))

    def get_base_queryset(self):
        return PressRelease.objects.published().in_language()

    def base_rows(self):
        """The base's read-model conditions: none, for every public release."""
        return []

    def page_size(self):
        return settings.PRESS_PAGE_SIZE

    def listing_context(self):
        # First the release types (the filters, facets and chips name them), sent, and
        # the listing clock with the trees' version (what the filters are checked
        # against), read: one wait for both. Then the search as typed, sent: the
        # database finds its matches while the page checks its filters and selects
        # by them (from the listing index; without it the queryset searches). psycopg
        # waits for every answer sent so far when one is read: the search, the slow
        # one, is the only query in flight while the page works.
        data = self.request.GET
        release_types()
        if settings.LISTING_INDEX and self.base_rows() is not None:  # the index selects
            listing_index.current()
            send_search(data.get("q"), languages.current())
        base = self.get_base_queryset()
        filterset = PressReleaseFilterSet(data, queryset=base)
        paginator = listing_paginator(
            filterset, self.page_size(), base_key=self.base_key, base_rows=self.base_rows()
        )
        count = paginator.count
        page = paginator.get_page(data.get("page"))
        q = filterset.cleaned.get("q", "")
        page.object_list = rows = (
            page_rows(page.object_list, q, page.start_index() - 1) if count else []
        )
        active = filterset.active_params()
        sort = self._sort_pair(filterset)
        return {
            "filterset": filterset,
            "form": filterset.form,
            "notices": filterset.notices(),
            "releases": rows,
            "page_obj": page,
            "paginator": paginator,
            "page_range": list(
                paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            )
            if count
            else [],
            "result_count": count,
            "facets": build_facets(
                filterset,
                fixed_param=self.fixed_param,
                base_key=self.base_key,
                base_rows=self.base_rows(),
            ),
            "chips": self.chips(active, sort),
            "active": active,
            "active_count": len(active),
            "q": q,
            # What the visitor typed, even when it was refused (too long):
            # every search box shows it back, nothing typed is lost.
            "search_value": filterset.form["q"].value() or "",
            "sorts": SORTS,
            "current_sort": filterset.cleaned.get("sort") or DEFAULT_SORT,
            # The default order is sent as no value, so a submitted form's
            # address names only what the visitor chose.
            "default_sort": DEFAULT_SORT,
            "query_without_page": query_string(active + sort),
        }

    @staticmethod
    def _sort_pair(filterset):
        sort = filterset.cleaned.get("sort")
        return [("sort", sort)] if sort else []

    def chips(self, active, sort=()):
        """One removable chip per active value and for a chosen sort order.

        A chip's link drops just that value and keeps everything else.
        """
        label = labeller()
        chips = []
        for name, value in active:
            rest = [(n, v) for n, v in active if (n, v) != (name, value)] + list(sort)
            chips.append(Chip(label(name, value), self._url(rest)))
        sorts = dict(SORTS)
        for _name, value in sort:
            if value != DEFAULT_SORT:  # the default order is no choice to undo
                words = _("Sort: %(order)s") % {"order": sorts[value]}
                chips.append(Chip(words, self._url(active), is_filter=False))
        return chips

    def _url(self, pairs):
        return self.request.path + (f"?{query_string(pairs)}" if pairs else "")
