"""What a listing's filterset selects, read from the listing index (:mod:`press.listing_index`).

One :class:`Selection` a filterset: the bitset of each of its parameters,
worked out once, so that the count, the page of results and every facet
(each counted without its own parameter) are ANDs and popcounts of the
same few bitsets. It follows the FilterSet's rules exactly: OR within a
parameter, AND across them, node filters with their descendants (and, with
``predecessors=1``, the nodes they followed), ``type``, ``year`` (in the
site's time zone, as the read model's year), whole days for ``date_from``
and ``date_to`` (swapped when reversed), and the search's own matches,
found by the database's full-text index. The tests hold it against the
FilterSet's queryset.
"""

import numpy as np
from django.conf import settings
from django.db import connections, router

from taxonomy import clock
from taxonomy.versions import request_memo

from . import languages, listing_index
from .compiled import overlapping, send
from .dimensions import BY_PARAM, TYPE, YEAR
from .filters import MAX_QUERY_LENGTH, PREDECESSORS, at_calendar_start, day_after, start_of_day
from .models import PressRelease, SearchMatch, release_types

#: The parameters that are no filter of their own.
NOT_FILTERS = {"sort", "page", PREDECESSORS}


class Selection:
    """The public releases of the page's language that a filterset selects, over a base."""

    def __init__(self, filterset, base_rows, index=None):
        self.index = index or listing_index.current()
        self.language = languages.current()
        self.base = self.index.public_under(self.language, clock.now(), base_rows)
        self.parts = {}  # parameter -> bitset
        checked = filterset.check()
        # The search last: its matches, sent ahead (``send_search``), are the one
        # answer the page may still wait for.
        for name in sorted(checked, key=lambda name: name == "q"):
            value = checked[name]
            if value in (None, "", []) or name in NOT_FILTERS:
                continue
            self.parts[name] = self._part(filterset, name, value)
        self._all = None

    def _part(self, filterset, name, value):
        index = self.index
        if name in BY_PARAM:
            known, _unknown = filterset.filters[name].resolve(value)
            return index.under(name, [ref.pk for ref in known])
        if name == TYPE:
            return index.under(TYPE, [t.pk for t in release_types() if t.slug in value])
        if name == YEAR:
            return index.under(YEAR, [value])
        if name == "q":
            excluded = excluded_ids(value, self.language)
            if excluded is not None:  # only words to leave out: all but their releases
                return self._everything() & ~index.having(excluded)
            found = search_ids(value, self.language)
            return self._everything() if found is None else index.having(found)
        if name == "date_from":
            start = start_of_day(value)
            if start is None:
                return self._everything() if at_calendar_start(value) else self._nothing()
            return index.between(start, None)
        if name == "date_to":
            after = day_after(value)
            end = None if after is None else start_of_day(after)
            if end is None:
                nothing = after is not None and at_calendar_start(after)
                return self._nothing() if nothing else self._everything()
            return index.between(None, end)
        raise ValueError(f"no listing index for {name!r}")

    def _everything(self):
        return self.index.everything()

    def _nothing(self):
        return np.zeros(self.index.words, dtype=np.uint64)

    def bits(self, without=None):
        """The selected releases; ``without`` a parameter: as if it were not chosen."""
        if without is None and self._all is not None:
            return self._all
        bits = self.base.copy()
        for name, part in self.parts.items():
            if name != without:
                bits &= part
        if without is None:
            self._all = bits
        return bits

    def count(self):
        return listing_index.count(self.bits())

    def counts(self, names, *, without=None):
        """{name: {value: releases}} of the facets ``names`` over the selection."""
        bits = self.bits(without)
        return {name: self.index.counts(name, bits) for name in names}

    def page(self, offset, limit, *, oldest_first=False):
        """The ids of the releases ``[offset, offset + limit)``, newest first (or oldest)."""
        return self.index.page(self.bits(), offset, limit, oldest_first=oldest_first)


#: The request memo's key of a search sent ahead (``send_search``).
_SENT = "search-sent"


def send_search(q, language):
    """``search_ids(q, language)`` sent now, where the database answers later
    (``compiled.overlapped``, PostgreSQL, in a request), and kept for the request:
    :func:`search_ids` of the same text takes that answer. A listing sends its search
    as typed before it checks its form, so the database finds the matches while the
    page checks and selects by its other filters; the checked value is the text
    stripped, as sent. Only a text the search
    field would take as it is (no NUL, not too long) is sent: what the form refuses
    never reaches the database."""
    using = router.db_for_read(PressRelease)
    memo = request_memo()
    if memo is None or not isinstance(q, str) or not overlapping(using):
        return
    q = q.strip()  # as the field strips it
    if not q or "\x00" in q or len(q) > MAX_QUERY_LENGTH:
        return
    if "-" in q:  # it may leave words out only: asked first (``excluded_ids``)
        return
    key = (_SENT, using, q, language)
    if key not in memo:
        memo[key] = send(using, *_search_sql(q, language), _ids_read)


def _search_sql(q, language):
    return _matches_sql(
        "websearch_to_tsquery(%s::regconfig, %s)", [languages.search_config(language), q]
    )


def _matches_sql(tsquery, params):
    """The ids of the vectors that ``tsquery`` (SQL, with ``params``) matches, as one
    value (read by :func:`_ids_read`)."""
    return (
        "SELECT string_agg(int8send(release_id), ''::bytea) "
        f"FROM {SearchMatch._meta.db_table} "  # noqa: S608 - the model's table
        f"WHERE search @@ {tsquery}",
        params,
    )


def _search_text(q):
    """What a search looks for: the text without NULs (PostgreSQL refuses them) or ends."""
    return (q or "").replace("\x00", " ").strip()


def _ids_read(cursor):
    (ids,) = cursor.fetchone()
    return np.frombuffer(ids or b"", dtype=">i8").astype(np.int64)


def excluded_ids(q, language):
    """For a search made only of words to leave out ("-elections", "-a or -b"): the
    releases it leaves out, found by the full-text index; else None.

    Such a search matches every vector without one of the words, which no index
    can find: PostgreSQL reads every vector (a quarter of a second at 100,000
    releases). Its complement can be found. The query's own normal form (its
    lexemes, phrases and operators as PostgreSQL parsed it) is an OR of ANDs of
    negated terms; by De Morgan, what it leaves out is the AND of ORs of those
    terms, a query the index answers. Any other shape, or any database but
    PostgreSQL, is None: searched as it is.
    """
    q = _search_text(q)
    if "-" not in q:  # no word to leave out: not asked
        return None
    using = router.db_for_read(PressRelease)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT query::text, querytree(query) FROM websearch_to_tsquery(%s::regconfig, %s)"
            " AS query",
            [languages.search_config(language), q],
        )
        text, tree = cursor.fetchone()
    if tree != "T":  # the index can answer it as it is
        return None
    left_out = _left_out(text)
    if left_out is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(*_matches_sql("%s::tsquery", [left_out]))
        return _ids_read(cursor)


def _left_out(text):
    """``text`` (a tsquery's normal form) made only of negated terms, OR of ANDs: the
    tsquery of what it leaves out (AND of ORs of the terms), or None for any other shape."""
    groups = []
    for group in _split(text, "|"):
        terms = []
        for term in _split(group, "&"):
            term = term.strip()
            if not term.startswith("!") or term[1:].lstrip().startswith("!"):
                return None
            terms.append(f"( {term[1:].strip()} )")
        groups.append("( " + " | ".join(terms) + " )")
    return " & ".join(groups) if groups else None


def _split(text, operator):
    """``text`` cut at ``operator`` where it stands outside quotes and parentheses."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted  # '' inside a lexeme toggles twice
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == operator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [part for part in (p.strip() for p in parts) if part]


def search_ids(q, language):
    """The releases (any state, any language: the base says which are listed) that the
    search ``q`` finds with ``language``'s configuration, as the listing's search
    (``PressReleaseQuerySet.search``) finds them; None when ``q`` holds no word to
    search for (the search then filters nothing, as there).

    On PostgreSQL from the narrow copy of the vectors (``SearchMatch``, migrations
    0016 and 0017), all ids in one value: their 8-byte binary forms end to end,
    read as one numpy array (a common word's 30,000 ids as an array literal took
    longer to write out and parse than to find); on SQLite from its FTS5 index,
    through the queryset's own search; or, sent ahead in the request
    (:func:`send_search`), that answer.
    """
    q = _search_text(q)
    if not q:
        return None
    using = router.db_for_read(PressRelease)
    memo = request_memo()
    sent = memo.get((_SENT, using, q, language)) if memo is not None else None
    if sent is not None:
        return sent.get()
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(*_search_sql(q, language))
            return _ids_read(cursor)
    found = PressRelease.objects.using(using).filter(language=language).search(q)
    return list(found.values_list("pk", flat=True))


def selection(filterset, base_rows):
    """The filterset's :class:`Selection` (kept on it), or None when the index cannot say.

    None for a base the read model does not describe (``base_rows`` None) or
    with ``LISTING_INDEX`` off.
    """
    if base_rows is None or not settings.LISTING_INDEX:
        return None
    found = getattr(filterset, "_selection", None)
    if found is None or found[0] != base_rows:
        found = (base_rows, Selection(filterset, base_rows))
        filterset._selection = found
    return found[1]


class SelectedIds:
    """A paginator's object list: the selection's releases in the listing's order, as ids."""

    def __init__(self, chosen, *, oldest_first=False):
        self.chosen, self.oldest_first = chosen, oldest_first

    def count(self):
        return self.chosen.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("a page of the listing is a slice")
        start = item.start or 0
        stop = self.count() if item.stop is None else item.stop
        return self.chosen.page(start, stop - start, oldest_first=self.oldest_first)
