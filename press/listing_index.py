"""The listing index: the read model held in each process's memory, as bitsets.

:class:`~press.models.ListingRow` says, for every release, which nodes (with
their ancestors), type and year it sits under. A filter or a facet read
from those rows costs PostgreSQL a join over every row of its largest
condition (94,000 releases under Participating States), 10–50 ms each, and
a listing needs up to six of them. Here the same rows are bitsets, one per
value, a bit per release: a filter is an AND of a few of them, a count a
popcount, a whole facet one vectorised AND and popcount over a matrix with
a row per value, and the newest twenty of a selection a partial sort of
their ranks. Microseconds, whatever the filters.

It is not a cache: it is never stale and nothing evicts it. Each process
builds it from the rows once (about a second for 100,000 releases), then,
at the start of each request, asks the database one question: the listing
clock (:class:`~press.models.ListingClock`). Every write that refreshes
rows (``listing_model.refresh``, ``forget``) moves the clock in its own
transaction, under the clock row's lock, and notes the releases it touched
in :class:`~press.models.ListingChange`; so the clock's values are
committed in order, and a process behind it reads just those releases
again. A write of more than ``REBUILD_AT`` releases (a rebuild, an import)
notes "everything" and processes build afresh; so do processes that fell
behind further than the notes kept (``KEEP``).

It holds the published releases (public, or scheduled for later): a
write that leaves a draft a draft does not tick, so an editor's
transaction holds no other writer back. Whether a published release is
public is worked out at the time of each request, from its publication
time: a scheduled release goes public by itself, as everywhere else.
Each index is an immutable snapshot: catching up makes a new one (copy on
write), so a request never sees one change in.

A request inside a transaction of its own (not a test's) reads the index
but never stores what it catches up on: what it sees may still be rolled
back.
"""

import datetime
import threading

import numpy as np
from django.db import connections, router, transaction

from taxonomy import clock
from taxonomy.versions import remember_tree_version, request_memo, tree_version_query

from .compiled import Later, overlapping, send
from .dimensions import DIMENSIONS, TYPE, YEAR
from .models import ListingChange, ListingClock, ListingRow, PressRelease

NAMES = (*(d.param for d in DIMENSIONS), TYPE, YEAR)

#: A write touching more releases than this notes "everything": readers build afresh.
REBUILD_AT = 2000
#: How many clock ticks of notes are kept; a process further behind builds afresh.
KEEP = 1000

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)
#: No publication time: after every real one, newest first.
NO_TIME = -(2**62)
#: A page is found by walking the listing's order (``Index._walked``) when that walk
#: is expected to cover at most this share (one in …) of the order, else by ranking
#: the whole selection.
WALK_SHARE = 4
#: The fewest slots the walk's first step reads; each next step twice the one before.
WALK_FIRST = 256
WORD = 64
PUBLISHED = PressRelease.Status.PUBLISHED


def micro(moment):
    """An instant as integer microseconds since 1970 (exact: no float on the way)."""
    return NO_TIME if moment is None else (moment - EPOCH) // MICROSECOND


def _words(slots):
    return max(1, -(-slots // WORD))


def bits_of(slots, words):
    """The bitset of ``slots`` (an array of slot numbers) over ``words`` 64-bit words."""
    mask = np.zeros(words * WORD, dtype=bool)
    mask[slots] = True
    return np.packbits(mask, bitorder="little").view(np.uint64)


def slots_of(bits):
    """The slot numbers set in ``bits``, ascending."""
    return np.flatnonzero(np.unpackbits(bits.view(np.uint8), bitorder="little"))


def count(bits):
    return int(np.bitwise_count(bits).sum())


class Values:
    """One dimension's bitsets: a matrix with a row per value (a node, a type, a year)."""

    def __init__(self, values, matrix):
        self.values = list(values)
        self.row = {value: i for i, value in enumerate(self.values)}
        self.matrix = matrix

    def copy(self):
        return Values(self.values, self.matrix.copy())

    def under(self, values, words):
        """The releases under any of ``values``."""
        rows = [self.row[v] for v in values if v in self.row]
        if not rows:
            return np.zeros(words, dtype=np.uint64)
        return np.bitwise_or.reduce(self.matrix[rows], axis=0)

    def counts(self, bits):
        """{value: releases in ``bits`` under it}, the values with none left out."""
        if not self.values:
            return {}
        per_row = np.bitwise_count(self.matrix & bits).sum(axis=1, dtype=np.int64)
        return {self.values[i]: int(per_row[i]) for i in np.flatnonzero(per_row)}

    def add(self, value, words):
        self.row[value] = len(self.values)
        self.values.append(value)
        self.matrix = np.vstack([self.matrix, np.zeros((1, words), dtype=np.uint64)])
        return self.row[value]


class Index:
    """A snapshot of the read model at one clock tick (``seq``), in one process's memory.

    Releases have slots; ``ids[slot]`` is the release (0: a free slot).
    """

    def __init__(self, seq, ids, times, languages, values):
        self.seq = seq
        self.ids = ids  # int64 [slots]: only published releases (perhaps scheduled)
        self.times = times  # int64 [slots]: publication time, microseconds
        self.languages = languages  # {language: bool [slots]}
        self.values = values  # {name: Values}
        self.words = values[NAMES[0]].matrix.shape[1]
        self._index_ids()
        self._order()

    # --- building ----------------------------------------------------------
    @classmethod
    def build(cls, using, seq):
        """The index of every release and row in the database ``using``."""
        rows = list(
            PressRelease.objects.using(using)
            .filter(status=PUBLISHED)
            .order_by("pk")
            .values_list("pk", "language", "published_at")
        )
        n = len(rows)
        words = _words(n + max(64, n // 50))  # room for new releases before growing
        size = words * WORD
        ids = np.zeros(size, dtype=np.int64)
        times = np.full(size, NO_TIME, dtype=np.int64)
        languages = {}
        for slot, (pk, language, published_at) in enumerate(rows):
            ids[slot] = pk
            times[slot] = micro(published_at)
            languages.setdefault(language, np.zeros(size, dtype=bool))[slot] = True
        slot_by_id = _slot_lookup(ids[:n], n)
        values = {}
        for name, groups in _grouped_rows(using).items():
            keys = sorted(groups)
            matrix = np.zeros((len(keys), words), dtype=np.uint64)
            for i, key in enumerate(keys):
                found = slot_by_id[groups[key][groups[key] < len(slot_by_id)]]
                matrix[i] = bits_of(found[found >= 0], words)
            values[name] = Values(keys, matrix)
        for name in NAMES:
            values.setdefault(name, Values([], np.zeros((0, words), dtype=np.uint64)))
        return cls(seq, ids, times, languages, values)

    def _index_ids(self):
        used = np.flatnonzero(self.ids)
        self.used = len(used) and int(used[-1]) + 1
        self.slot_by_id = _slot_lookup(self.ids[: self.used], self.used)

    def _order(self):
        """Ranks: slots newest first (publication time, then id, both descending)."""
        self.order = np.lexsort((-self.ids, -self.times))
        self.rank = np.empty_like(self.order)
        self.rank[self.order] = np.arange(len(self.order))
        self.later = -self.times[self.order]  # ascending: the order's times, negated

    # --- catching up -------------------------------------------------------
    def caught_up(self, seq, release_ids, using):
        """A new snapshot at ``seq``: this one with ``release_ids`` read again."""
        new = Index.__new__(Index)
        new.seq = seq
        new.ids, new.times = self.ids.copy(), self.times.copy()
        new.languages = {k: v.copy() for k, v in self.languages.items()}
        new.values = {k: v.copy() for k, v in self.values.items()}
        new.words = self.words
        new.used, new.slot_by_id = self.used, self.slot_by_id
        new._read_again(sorted(release_ids), using)
        return new

    def _read_again(self, release_ids, using):
        found = {
            pk: rest
            for pk, *rest in PressRelease.objects.using(using)
            .filter(pk__in=release_ids, status=PUBLISHED)
            .values_list("pk", "language", "published_at")
        }
        slots = {}
        for pk in release_ids:
            slot = self._slot(pk)
            if slot is not None:
                self._clear(slot)
            if pk in found:  # still there: back in its slot, or in a new one
                if slot is None:
                    slot = self._new_slot(pk)
                self.ids[slot] = pk
                slots[pk] = slot
        for pk, slot in slots.items():
            language, published_at = found[pk]
            self.times[slot] = micro(published_at)
            if language not in self.languages:
                self.languages[language] = np.zeros(self.words * WORD, dtype=bool)
            self.languages[language][slot] = True
        if slots:
            rows = ListingRow.objects.using(using).filter(release_id__in=list(slots))
            for release_id, name, value in rows.values_list("release_id", "dimension", "value"):
                values = self.values.get(name)
                if values is None:
                    continue
                row = values.row.get(value)
                if row is None:
                    row = values.add(value, self.words)
                slot = slots[release_id]
                values.matrix[row, slot // WORD] |= np.uint64(1 << (slot % WORD))
        self._index_ids()
        self._order()

    def _slot(self, pk):
        if pk < len(self.slot_by_id) and self.slot_by_id[pk] >= 0:
            return int(self.slot_by_id[pk])
        return None

    def _clear(self, slot):
        word, bit = slot // WORD, np.uint64(~(1 << (slot % WORD)) & (2**64 - 1))
        for values in self.values.values():
            values.matrix[:, word] &= bit
        for mask in self.languages.values():
            mask[slot] = False
        self.ids[slot] = 0
        self.times[slot] = NO_TIME

    def _new_slot(self, pk):
        slot = self.used
        if slot >= len(self.ids):
            self._grow()
        self.ids[slot] = pk
        self.used = slot + 1  # the lookup by id is made once all are in (_index_ids)
        return slot

    def _grow(self):
        more = max(1, self.words // 4)
        self.words += more
        extra = more * WORD
        self.ids = np.concatenate([self.ids, np.zeros(extra, dtype=np.int64)])
        self.times = np.concatenate([self.times, np.full(extra, NO_TIME, dtype=np.int64)])
        for language, mask in self.languages.items():
            self.languages[language] = np.concatenate([mask, np.zeros(extra, dtype=bool)])
        for values in self.values.values():
            pad = np.zeros((values.matrix.shape[0], more), dtype=np.uint64)
            values.matrix = np.hstack([values.matrix, pad])

    # --- reading -----------------------------------------------------------
    def public(self, language, now):
        """The releases public at ``now`` in ``language``."""
        mask = self.languages.get(language)
        if mask is None:
            return np.zeros(self.words, dtype=np.uint64)
        mask = mask.copy()  # every slot in a language is a published release
        future = np.searchsorted(self.later, -micro(now), side="left")
        if future:  # scheduled for later: not public yet
            mask[self.order[:future]] = False
        return np.packbits(mask, bitorder="little").view(np.uint64)

    def public_under(self, language, now, conditions=()):
        """The releases public at ``now`` in ``language`` under every condition
        ``(name, values)``: under any of ``values`` of the dimension ``name``."""
        bits = self.public(language, now)
        for name, values in conditions:
            bits &= self.under(name, values)
        return bits

    def under(self, name, values):
        """The releases under any of ``values`` of the dimension ``name``."""
        return self.values[name].under(values, self.words)

    def everything(self):
        """Every slot: the bitset that leaves a selection as it is."""
        return np.full(self.words, ~np.uint64(0))

    def between(self, start, end):
        """The releases published at or after ``start`` and before ``end`` (None: no bound)."""
        later = self.later
        lo = 0 if end is None else np.searchsorted(later, -micro(end), side="right")
        hi = len(later) if start is None else np.searchsorted(later, -micro(start), side="right")
        return bits_of(self.order[lo:hi], self.words)

    def having(self, release_ids):
        """The releases among ``release_ids`` (unknown ones left out)."""
        ids = np.asarray(release_ids, dtype=np.int64)
        ids = ids[(ids >= 0) & (ids < len(self.slot_by_id))]
        slots = self.slot_by_id[ids]
        return bits_of(slots[slots >= 0], self.words)

    def counts(self, name, bits):
        return self.values[name].counts(bits)

    def most_shared(self, bits, conditions, limit):
        """The ids of up to ``limit`` releases of ``bits`` under the most of ``conditions``
        (``(name, value)`` pairs, each counted once), newest first among equals."""
        if len(conditions) == 1:
            ((name, value),) = conditions
            return self.page(bits & self.under(name, [value]), 0, limit)
        shared = np.zeros(self.words * WORD, dtype=np.int32)
        for name, value in conditions:
            under = bits & self.under(name, [value])
            shared += np.unpackbits(under.view(np.uint8), bitorder="little")
        slots = np.flatnonzero(shared)
        # Most shared first, then newest (the lowest rank).
        chosen = slots[np.lexsort((self.rank[slots], -shared[slots]))[:limit]]
        return [int(pk) for pk in self.ids[chosen]]

    def page(self, bits, offset, limit, *, oldest_first=False):
        """The ids of the releases ``[offset, offset + limit)`` of ``bits``, newest first."""
        found = count(bits)
        if offset >= found or limit <= 0:
            return []
        end = min(offset + limit, found)
        if end * WALK_SHARE <= found:  # a walk of about a quarter of the order at most
            return self._walked(bits, found, offset, end, oldest_first)
        slots = slots_of(bits)
        ranks = self.rank[slots]
        if oldest_first:
            ranks = -ranks
        end = min(offset + limit, len(ranks))
        # The first ``end`` ranks, unordered (linear time), then just those sorted.
        first = np.argpartition(ranks, end - 1)[:end] if end < len(ranks) else np.arange(end)
        chosen = first[np.argsort(ranks[first], kind="stable")][offset:end]
        return [int(pk) for pk in self.ids[slots[chosen]]]

    def _walked(self, bits, found, offset, end, oldest_first):
        """:meth:`page` for a page near the start of its selection: the listing's order
        walked in growing steps until ``end`` of its releases are found, where sorting
        the ranks of the whole selection (most of the archive, unfiltered) took most
        of a millisecond. ``found``: how many releases ``bits`` holds."""
        chosen = np.unpackbits(bits.view(np.uint8), bitorder="little").view(bool)
        order = self.order[::-1] if oldest_first else self.order
        step, start, hits = max(WALK_FIRST, 2 * end * len(order) // found), 0, []
        walked = 0
        while walked < end and start < len(order):
            part = order[start : start + step]
            part = part[chosen[part]]
            hits.append(part)
            walked += len(part)
            start, step = start + step, step * 2
        slots = np.concatenate(hits)[offset:end]
        return [int(pk) for pk in self.ids[slots]]


def _slot_lookup(ids, n):
    """An array from release id to slot (-1: none), over ``ids`` of slots ``0 … n-1``."""
    size = int(ids.max()) + 1 if n else 1
    lookup = np.full(size, -1, dtype=np.int64)
    used = np.flatnonzero(ids)
    lookup[ids[used]] = used
    return lookup


def _grouped_rows(using):
    """{name: {value: array of release ids}} of every row, read as one string per value."""
    connection = connections[using]
    table = ListingRow._meta.db_table
    if connection.vendor == "postgresql":
        joined = "string_agg(release_id::text, ',')"
    else:
        joined = "group_concat(release_id, ',')"
    groups = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT dimension, value, {joined} FROM {table} GROUP BY dimension, value"  # noqa: S608
        )
        for name, value, ids in cursor.fetchall():
            groups.setdefault(name, {})[value] = np.array(ids.split(","), dtype=np.int64)
    return groups


# --- the clock -----------------------------------------------------------------


def tick(cursor, release_ids):
    """Move the listing clock and note ``release_ids`` (``None``: everything) as changed.

    Called first in every transaction that writes rows: the clock row's lock
    is held until the commit, so ticks commit in their order, and readers
    that saw tick ``n`` have seen every tick before it.
    """
    clock_table = ListingClock._meta.db_table
    changes = ListingChange._meta.db_table
    cursor.execute(
        f"INSERT INTO {clock_table} (id, seq) VALUES (1, 1) "  # noqa: S608
        f"ON CONFLICT (id) DO UPDATE SET seq = {clock_table}.seq + 1 RETURNING seq"
    )
    (seq,) = cursor.fetchone()
    ids = None if release_ids is None or len(release_ids) > REBUILD_AT else sorted(release_ids)
    if ids is None:
        cursor.execute(
            f"INSERT INTO {changes} (seq, release_id) VALUES (%s, NULL)",  # noqa: S608
            [seq],
        )
    else:
        for start in range(0, len(ids), 400):
            part = ids[start : start + 400]
            cursor.execute(
                f"INSERT INTO {changes} (seq, release_id) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s)"] * len(part)),
                [value for pk in part for value in (seq, pk)],
            )
    if seq % 100 == 0:
        cursor.execute(f"DELETE FROM {changes} WHERE seq <= %s", [seq - KEEP])  # noqa: S608
    return seq


def clock_seq(using, *, with_trees=False):
    """The listing clock now: 0 before the first write.

    ``with_trees``: the trees' version is read in the same query and taken as
    the request's (``taxonomy.versions.remember_tree_version``), as nearly
    every page that reads the clock reads that version too. Within
    ``compiled.overlapped`` it shares its round trip with what the page sends
    beside it (a listing's release types before it; a release page's release
    after it, ``send_clock``): one wait for all, not one each.
    """
    found = _send_clock(using, with_trees)
    return found.get() if isinstance(found, Later) else found


def _send_clock(using, with_trees):
    """:func:`clock_seq`, sent (``compiled.send``): a ``Later`` within ``overlapped``."""
    trees = tree_version_query(using) if with_trees else None
    table = connections[using].ops.quote_name(ListingClock._meta.db_table)
    clock_sql = f"SELECT seq FROM {table} WHERE id = 1"  # noqa: S608 - the model's table
    if trees is None:
        return send(using, f"SELECT ({clock_sql})", [], lambda cursor: cursor.fetchone()[0] or 0)

    def read(cursor):
        seq, version = cursor.fetchone()
        remember_tree_version(version)
        return seq or 0

    return send(using, f"SELECT ({clock_sql}), ({trees[0]})", trees[1], read)


#: The request memo's key of a clock sent ahead (``send_clock``).
_CLOCK_SENT = "listing-clock-sent"


def send_clock(using=None):
    """The clock that :func:`current` reads, sent now where the database answers later
    (``compiled.overlapped``, in a request): it comes back with what the page sends
    next (a release page's release), or meanwhile (a feed checks its filters first)."""
    using = using or router.db_for_read(ListingRow)
    memo = request_memo()
    if memo is None or not overlapping(using) or ("listing-index", using) in memo:
        return
    key = (_CLOCK_SENT, using)
    if key not in memo:
        memo[key] = _send_clock(using, "tree" not in memo)


def _changed_since(seq, now_seq, using):
    """The releases changed after tick ``seq`` up to ``now_seq``; None: read everything."""
    notes = list(
        ListingChange.objects.using(using)
        .filter(seq__gt=seq, seq__lte=now_seq)
        .values_list("seq", "release_id")
    )
    seen = {s for s, _pk in notes}
    if len(seen) != now_seq - seq or any(pk is None for _s, pk in notes):
        return None  # notes pruned, or a write of everything
    return {pk for _s, pk in notes}


# --- each process's index --------------------------------------------------------

_lock = threading.Lock()
_shared = {}  # database alias -> Index


def _in_transaction(using):
    """Whether ``using``'s connection is inside a transaction of its own (a test's is not)."""
    connection = connections[using]
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def current(using=None):
    """The index as the database has it now: one query (the clock) a request, more when
    the process catches up."""
    using = using or router.db_for_read(ListingRow)
    memo = request_memo()
    key = ("listing-index", using)
    if memo is not None and key in memo:
        return memo[key]
    sent = memo.pop((_CLOCK_SENT, using), None) if memo is not None else None
    if sent is not None:
        seq = sent.get()
    else:
        seq = clock_seq(using, with_trees=memo is not None and "tree" not in memo)
    index = _shared.get(using)
    if index is None or index.seq != seq:
        index = _catch_up(using)
    if memo is not None:
        memo[key] = index
    return index


def _catch_up(using):
    """The index at the clock's tick, from the stored one (caught up or built afresh).

    Under the lock the clock is read again: another thread may have stored a
    later snapshot meanwhile (then it serves), and a stored snapshot ahead of
    the clock means the clock went back (a restored or emptied database):
    build afresh.
    """
    with _lock:
        seq = clock_seq(using)
        shared = _shared.get(using)
        if shared is not None and shared.seq == seq:
            return shared
        changed = None
        if shared is not None and shared.seq < seq:
            changed = _changed_since(shared.seq, seq, using)
        if changed is None:
            fresh = Index.build(using, seq)
        else:
            fresh = shared.caught_up(seq, changed, using)
        if not _in_transaction(using):
            _shared[using] = fresh
        return fresh


def forget_all():
    """Drop every process index (tests: each starts from its own database)."""
    with _lock:
        _shared.clear()


def verify(*, using=None):
    """Differences between this process's index, brought up to date, and one built afresh
    from the rows; [] when they agree.

    Compared: each language's public releases in the listing's order, and
    every value's releases. It checks the calling process's index: in a long
    process (a shell, the tests) one caught up through many writes; run by
    ``check_trees`` in a process of its own, it checks that the index builds.
    Web processes' indexes are made anew by ``rebuild()`` (``check_trees
    --rebuild``), which makes every process build afresh.
    """
    using = using or router.db_for_read(ListingRow)
    kept = current(using)
    fresh = Index.build(using, kept.seq)
    problems = []
    now = clock.now()
    for language in sorted(set(kept.languages) | set(fresh.languages)):
        mine = kept.page(kept.public(language, now), 0, len(kept.ids))
        theirs = fresh.page(fresh.public(language, now), 0, len(fresh.ids))
        if mine != theirs:
            problems.append(
                f"listing index: the public releases in {language} differ from the rows "
                f"({len(set(mine) ^ set(theirs))} not in both, or in another order)"
            )
    for name in NAMES:
        mine = kept.counts(name, kept.everything())
        theirs = fresh.counts(name, fresh.everything())
        if mine != theirs:
            wrong = sorted(v for v in mine.keys() | theirs.keys() if mine.get(v) != theirs.get(v))
            problems.append(
                f"listing index: {len(wrong)} {name} value(s) hold other releases than the rows, "
                f"e.g. {wrong[0]}"
            )
    return problems


def rebuild(*, using=None):
    """Make every process build its index afresh: a tick that notes "everything" (each
    process builds at its next request), then this process's own."""
    using = using or router.db_for_write(ListingRow)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        tick(cursor, None)
    with _lock:
        _shared.pop(using, None)
    index = current(using)
    return int(sum(np.bitwise_count(v.matrix).sum() for v in index.values.values()))
