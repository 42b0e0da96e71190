"""The listing's read model: where each release sits, kept by the write path.

:class:`~press.models.ListingRow` holds, for every release, one row per node
it sits under in each dimension (its tags and all their ancestors, by the
trees' one descendant rule, :mod:`taxonomy.subtree`), one for its type and
one for its year; :class:`~press.models.ListingTotal` how many public
releases each of those values has. A release scheduled for later waits in
:class:`~press.models.ListingPending`: once its time has come, readers add it
themselves until the next write folds it into the totals. Filters are one indexed lookup, facets one
grouped count, and the unfiltered listing's facets a read of the totals.

Every write that changes where a release sits refreshes its rows in the same
transaction: saving or deleting a release, changing its tags from either
side, the bulk writers (import, demo), moving a node, merging nodes. Totals
change by ``n = n + delta`` on rows locked in one order, so concurrent
writers add up and never deadlock each other. ``verify()`` recomputes it all
from the tags and reports differences; ``rebuild()`` writes it afresh
(``check_trees`` runs both).
"""

from collections import Counter
from contextlib import contextmanager
from itertools import islice

from asgiref.local import Local
from django.db import connections, router, transaction
from django.db.models.signals import m2m_changed, post_save, pre_delete
from django.utils import timezone
from mptt.signals import node_moved

from taxonomy import clock
from taxonomy.merging import links_moved
from taxonomy.subtree import contains_sql, subtree_q

from . import listing_index
from .bulk import link_columns, link_table
from .dimensions import BY_MODEL, DIMENSIONS, TYPE, YEAR
from .listing_index import tick
from .models import ListingPair, ListingPending, ListingRow, ListingTotal, PressRelease

CHUNK = 2000


def _db():
    return router.db_for_write(ListingRow)


def _chunks(ids, size=CHUNK):
    it = iter(sorted(set(ids)))
    while chunk := list(islice(it, size)):
        yield chunk


def _table(model):
    return model._meta.db_table


def _in(ids):
    return ", ".join(["%s"] * len(ids))


def _among(ids, connection):
    """``IN (…)`` of release ids for SQL, and its parameters: on PostgreSQL one array.

    A write's statements hold thousands of ids (2,000 a chunk): as one
    array parameter there is no placeholder to build, bind or parse for each.
    """
    if connection.vendor == "postgresql":
        return "= ANY(%s::bigint[])", [list(ids)]
    return f"IN ({_in(ids)})", list(ids)


def local_year(moment):
    """The year of an instant in the site's time zone, as the year filter reads it."""
    return timezone.localtime(moment).year


def _tree_rows_select(dimension, release_ids, now, connection):
    """SELECT of ``dimension``'s rows for ``release_ids``: their tags and all ancestors."""
    links, release_col, node_col = link_columns(dimension.relation)
    nodes = _table(dimension.model)
    among, ids = _among(release_ids, connection)
    sql = f"""
        SELECT DISTINCT l.{release_col}, %s, a.id, p.language,
            p.status = 'published' AND p.published_at <= %s
        FROM {links} l
        JOIN {nodes} d ON d.id = l.{node_col}
        JOIN {nodes} a ON {contains_sql("a", "d")}
        JOIN {_table(PressRelease)} p ON p.id = l.{release_col}
        WHERE l.{release_col} {among}
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    return sql, [dimension.param, now, *ids]


def _own_rows(release_ids, using, now):
    """The type and year rows of ``release_ids``, worked out in Python.

    ``refresh`` writes these rows in SQL; ``verify`` checks them against this
    second reckoning (the year in the site's time zone, as the year filter
    reads it).
    """
    rows = []
    releases = PressRelease.objects.using(using).filter(pk__in=release_ids)
    for pk, type_id, published_at, status, language in releases.values_list(
        "pk", "type_id", "published_at", "status", "language"
    ):
        listed = status == PressRelease.Status.PUBLISHED and published_at <= now
        rows.append((pk, TYPE, type_id, language, listed))
        if published_at is not None:
            rows.append((pk, YEAR, local_year(published_at), language, listed))
    return rows


class Delta:
    """The change a write makes to the totals and the pairs, from the rows it took and gave."""

    def __init__(self):
        self.totals = Counter()
        self.pairs = Counter()

    def count(self, rows, sign):
        """Count ``rows`` ``(release_id, dimension, value, language, listed)`` in, or out.

        Each language's listing has its own totals and pairs: they are keyed
        by the release's language first.
        """
        listed = {}
        for release_id, dimension, value, language, is_listed in rows:
            if is_listed:
                listed.setdefault((release_id, language), []).append((dimension, value))
        if sign not in (1, -1):
            raise ValueError("rows are counted in (+1) or out (-1)")
        # One call per release and counter: Counter.update counts in C.
        change = Counter.update if sign == 1 else Counter.subtract
        for (_release_id, language), values in listed.items():
            change(self.totals, [(language, *key) for key in values])
            change(self.pairs, [(language, *a, *b) for a, b in pairs_of(values)])


def pairs_of(values):
    """Every ordered pair of one release's ``(dimension, value)`` rows in different dimensions."""
    return [(a, b) for a in values for b in values if a[0] != b[0]]


def _take_rows(cursor, release_ids, delta):
    """Delete the rows of ``release_ids``, counting what they counted out of ``delta``."""
    among, ids = _among(release_ids, cursor.db)
    cursor.execute(
        f"DELETE FROM {_table(ListingRow)} WHERE release_id {among} "  # noqa: S608
        "RETURNING release_id, dimension, value, language, listed",
        ids,
    )
    delta.count(cursor.fetchall(), -1)


def _apply(cursor, delta):
    """``n = n + delta`` on the totals, then on the pairs, each in one lock order."""
    _upsert_counts(cursor, _table(ListingTotal), ("language", "dimension", "value"), delta.totals)
    _upsert_counts(
        cursor,
        _table(ListingPair),
        ("language", "dimension", "value", "other_dimension", "other_value"),
        delta.pairs,
    )


def _upsert_counts(cursor, table, key_columns, delta, batch=1000):
    """``n = n + delta`` per key, in sorted order (so writers never deadlock each other).

    On PostgreSQL one statement whatever the number of keys (the keys go in
    as arrays); elsewhere one per ``batch`` keys, under SQLite's limit on
    parameters.
    """
    changes = sorted((key, n) for key, n in delta.items() if n)
    if not changes:
        return
    columns = ", ".join(key_columns)
    upsert = f" ON CONFLICT ({columns}) DO UPDATE SET n = {table}.n + excluded.n"
    if cursor.db.vendor == "postgresql":
        types = ["text" if isinstance(part, str) else "bigint" for part in changes[0][0]]
        arrays = [[key[i] for key, _n in changes] for i in range(len(key_columns))]
        names = [f"k{i}" for i in range(len(key_columns))]
        cursor.execute(
            f"INSERT INTO {table} ({columns}, n) "  # noqa: S608
            f"SELECT {', '.join(names)}, n FROM unnest("
            + ", ".join(f"%s::{t}[]" for t in types)
            + f", %s::int[]) WITH ORDINALITY AS u({', '.join(names)}, n, position) "
            "ORDER BY position" + upsert,
            [*arrays, [n for _key, n in changes]],
        )
        return
    row = "(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"
    for start in range(0, len(changes), batch):
        part = changes[start : start + batch]
        # One statement per batch; its rows are taken in this (sorted) order.
        cursor.execute(
            f"INSERT INTO {table} ({columns}, n) VALUES "  # noqa: S608
            + ", ".join([row] * len(part))
            + upsert,
            [value for key, n in part for value in (*key, n)],
        )


def _own_rows_selects(release_ids, now, connection):
    """SELECTs of the type and year rows of ``release_ids`` (the year in the site's time zone)."""
    table = _table(PressRelease)
    listed = "p.status = 'published' AND p.published_at <= %s"
    year, year_params = connection.ops.datetime_extract_sql(
        "year", "p.published_at", (), timezone.get_current_timezone_name()
    )
    among, ids = _among(release_ids, connection)
    where = f"p.id {among}"
    return (
        [
            f"SELECT p.id, %s, p.type_id, p.language, {listed} "  # noqa: S608
            f"FROM {table} p WHERE {where}",
            f"SELECT p.id, %s, {year}, p.language, {listed} FROM {table} p "  # noqa: S608
            f"WHERE {where} AND p.published_at IS NOT NULL",
        ],
        [TYPE, now, *ids, YEAR, *year_params, now, *ids],
    )


def refresh(release_ids, *, using=None):
    """Write the rows of ``release_ids`` afresh (absent releases: none) and adjust the totals.

    Scheduled releases whose time has come since their rows were written are
    folded into the totals on the way. Per chunk of releases, four statements:
    the old rows go (``DELETE … RETURNING`` says which were counted), the new
    ones come in one ``INSERT … SELECT … RETURNING`` (tags with their
    ancestors, type, year), the scheduled ones are noted again; at the end
    the totals and pairs change by the difference, in one sorted order.
    """
    using = using or _db()
    now = clock.now()
    due = ListingPending.objects.using(using).filter(public_from__lte=now)
    release_ids = {*release_ids, *due.values_list("release_id", flat=True)}
    table = _table(ListingRow)
    pending = _table(ListingPending)
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # First: the listing clock's lock, then the totals'. Only for releases
        # that are or were published: a draft saved in a long transaction
        # holds nobody back, as it takes no total either.
        _tick_published(cursor, release_ids, now=True)
        # One change for every chunk, applied at the end: the totals' and
        # pairs' rows are then taken in one sorted order however many
        # chunks a write spans (a node move, a merge), as every writer does.
        delta = Delta()
        for chunk in _chunks(release_ids):
            _take_rows(cursor, chunk, delta)
            selects, params = _own_rows_selects(chunk, now, connection)
            for dimension in DIMENSIONS:
                select, select_params = _tree_rows_select(dimension, chunk, now, connection)
                selects.append(select)
                params += select_params
            cursor.execute(
                f"INSERT INTO {table} (release_id, dimension, value, language, listed) "  # noqa: S608
                + " UNION ALL ".join(selects)
                + " RETURNING release_id, dimension, value, language, listed",
                params,
            )
            delta.count(cursor.fetchall(), +1)
            among, ids = _among(chunk, connection)
            cursor.execute(
                f"DELETE FROM {pending} WHERE release_id {among}",  # noqa: S608
                ids,
            )
            cursor.execute(
                f"INSERT INTO {pending} (release_id, public_from) "  # noqa: S608
                f"SELECT p.id, p.published_at FROM {_table(PressRelease)} p "
                f"WHERE p.id {among} AND p.status = 'published' "
                "AND p.published_at > %s",
                [*ids, now],
            )
        _apply(cursor, delta)


def _tick_published(cursor, release_ids, *, now):
    """Tick the listing clock for the releases of ``release_ids`` that the listing index
    holds or will hold: published (public or scheduled) when their rows were last
    written, or (``now``) published now. Nothing to tick: no lock taken.

    The index holds published releases only, so a write that leaves a draft a
    draft changes nothing it holds. A bulk write ticks for everything unread.
    """
    release_ids = sorted(set(release_ids))
    if not release_ids:
        return
    if len(release_ids) > listing_index.REBUILD_AT:
        tick(cursor, None)
        return
    relevant = set()
    for chunk in _chunks(release_ids):
        among, ids = _among(chunk, cursor.db)
        selects = [
            f"SELECT release_id FROM {_table(ListingRow)} "  # noqa: S608
            f"WHERE listed AND release_id {among}",
            f"SELECT release_id FROM {_table(ListingPending)} WHERE release_id {among}",
        ]
        params = [*ids, *ids]
        if now:
            selects.append(
                f"SELECT id FROM {_table(PressRelease)} "  # noqa: S608
                f"WHERE status = 'published' AND id {among}"
            )
            params += ids
        cursor.execute(" UNION ".join(selects), params)
        relevant.update(pk for (pk,) in cursor.fetchall())
    if relevant:
        tick(cursor, relevant)


def forget(release_ids, *, using=None):
    """Take releases about to be deleted out of the totals (their rows go with them)."""
    using = using or _db()
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        _tick_published(cursor, release_ids, now=False)
        delta = Delta()
        for chunk in _chunks(release_ids):
            _take_rows(cursor, chunk, delta)
        _apply(cursor, delta)


def releases_under(dimension, node, *, using=None):
    """Primary keys of the releases tagged with ``node`` or anything under it (by the tags)."""
    field = PressRelease._meta.get_field(dimension.relation)
    through = field.remote_field.through
    release_attr = through._meta.get_field(field.m2m_field_name()).attname
    node_name = field.m2m_reverse_field_name()
    return set(
        through._default_manager.using(using or _db())
        .filter(subtree_q([node], prefix=f"{node_name}__"))
        .values_list(release_attr, flat=True)
    )


def rebuild(*, using=None):
    """Throw the read model away and write it from the tags. Returns the number of rows."""
    using = using or _db()
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            # First, as every writer: the listing clock's lock, then the rows.
            # Every process builds its listing index afresh.
            tick(cursor, None)
        ListingRow.objects.using(using).all().delete()
        ListingTotal.objects.using(using).all().delete()
        ListingPair.objects.using(using).all().delete()
        ListingPending.objects.using(using).all().delete()
        ids = list(PressRelease.objects.using(using).values_list("pk", flat=True))
        refresh(ids, using=using)
    return ListingRow.objects.using(using).count()


def verify(*, using=None):
    """Differences between the read model and what the tags say, as sentences; [] when right."""
    using = using or _db()
    # Fold in what went public since it was written: the rows are then
    # exactly what a write now would give.
    refresh([], using=using)
    now = clock.now()
    problems = []
    expected_totals = Counter()
    actual_rows = {}
    for dimension, value, release_id, language, listed in (
        ListingRow.objects.using(using).values_list(
            "dimension", "value", "release_id", "language", "listed"
        )
    ).iterator(chunk_size=5000):
        actual_rows[(release_id, dimension, value)] = (language, listed)
    expected_rows = {}
    ids = list(PressRelease.objects.using(using).values_list("pk", flat=True))
    with connections[using].cursor() as cursor:
        for chunk in _chunks(ids):
            for dimension in DIMENSIONS:
                cursor.execute(*_tree_rows_select(dimension, chunk, now, cursor.db))
                for release_id, name, value, language, listed in cursor.fetchall():
                    expected_rows[(release_id, name, value)] = (language, bool(listed))
            for release_id, name, value, language, listed in _own_rows(chunk, using, now):
                expected_rows[(release_id, name, value)] = (language, listed)
    missing = expected_rows.keys() - actual_rows.keys()
    extra = actual_rows.keys() - expected_rows.keys()
    stale = [
        k for k in expected_rows.keys() & actual_rows.keys() if expected_rows[k] != actual_rows[k]
    ]
    for what, keys in (("missing", missing), ("stale", stale), ("not expected", extra)):
        if keys:
            release_id, name, value = sorted(keys)[0]
            problems.append(
                f"listing read model: {len(keys)} row(s) {what}, e.g. release {release_id} "
                f"under {name} {value}"
            )
    for (_release_id, name, value), (language, listed) in expected_rows.items():
        if listed:
            expected_totals[(language, name, value)] += 1
    actual_totals = Counter(
        {
            key[:3]: key[3]
            for key in ListingTotal.objects.using(using).values_list(
                "language", "dimension", "value", "n"
            )
            if key[3]
        }
    )
    wrong = [
        key
        for key in expected_totals.keys() | actual_totals.keys()
        if expected_totals[key] != actual_totals[key]
    ]
    if wrong:
        key = sorted(wrong)[0]
        language, name, value = key
        problems.append(
            f"listing totals: {len(wrong)} wrong, e.g. {name} {value} ({language}): "
            f"{actual_totals[key]} instead of {expected_totals[key]}"
        )
    problems += _verify_pairs(using)
    return problems


#: The pairs as the rows say, counted afresh by the database: a second
#: reckoning of what the write path keeps by deltas in Python.
PAIRS_FROM_ROWS = f"""
    SELECT a.language, a.dimension, a.value, b.dimension, b.value, COUNT(*)
    FROM {_table(ListingRow)} a
    JOIN {_table(ListingRow)} b ON b.release_id = a.release_id AND b.dimension <> a.dimension
    WHERE a.listed AND b.listed
    GROUP BY a.language, a.dimension, a.value, b.dimension, b.value
"""  # noqa: S608 - identifiers from model metadata


def _verify_pairs(using):
    """The kept pairs against the rows (which ``verify`` checks against the tags)."""
    with connections[using].cursor() as cursor:
        cursor.execute(PAIRS_FROM_ROWS)
        expected = Counter({tuple(row[:5]): row[5] for row in cursor.fetchall()})
    actual = Counter(
        {
            key[:5]: key[5]
            for key in ListingPair.objects.using(using).values_list(
                "language", "dimension", "value", "other_dimension", "other_value", "n"
            )
            if key[5]
        }
    )
    wrong = [key for key in expected.keys() | actual.keys() if expected[key] != actual[key]]
    if not wrong:
        return []
    key = sorted(wrong)[0]
    return [
        f"listing pairs: {len(wrong)} wrong, e.g. {key[1]} {key[2]} with {key[3]} {key[4]} "
        f"({key[0]}): "
        f"{actual[key]} instead of {expected[key]}"
    ]


# --- reading ----------------------------------------------------------------


def grouped_counts(release_ids_sql, params, dimensions, *, using):
    """{dimension: {value: releases}} for the releases the subquery selects, in one query."""
    names = [str(d) for d in dimensions]
    if not names:
        return {}
    sql = (
        f"SELECT dimension, value, COUNT(*) FROM {_table(ListingRow)} "  # noqa: S608
        f"WHERE dimension IN ({_in(names)}) AND release_id IN ({release_ids_sql}) "
        "GROUP BY dimension, value"
    )
    counts = {name: {} for name in names}
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*names, *params])
        for name, value, n in cursor.fetchall():
            counts[name][value] = n
    return counts


def public_counts_under(conditions, dimensions, *, now, language, using=None):
    """{dimension: {value: public releases}} in ``language`` meeting every condition.

    ``conditions`` are ``(dimension, values)`` pairs, each "under any of
    these values" (nodes, types or years). The releases are found and counted
    in the rows alone: each condition is one index-only lookup, and whether a
    release is public is read from its own rows (``listed``, or scheduled and
    now due), so the releases' table is never touched.
    """
    using = using or router.db_for_read(ListingRow)
    names = [str(d) for d in dimensions]
    counts = {name: {} for name in names}
    if not names or any(not values for _dimension, values in conditions):
        return counts
    table = _table(ListingRow)
    where, params = [], []
    for dimension, values in conditions:
        where.append(
            f"r.release_id IN (SELECT release_id FROM {table} "  # noqa: S608
            f"WHERE dimension = %s AND value IN ({_in(values)}))"
        )
        params += [str(dimension), *values]
    sql = (
        f"SELECT r.dimension, r.value, COUNT(*) FROM {table} r "  # noqa: S608
        f"WHERE r.dimension IN ({_in(names)}) AND r.language = %s AND (r.listed OR r.release_id IN "
        f"(SELECT release_id FROM {_table(ListingPending)} WHERE public_from <= %s)) "
        + "".join(f"AND {condition} " for condition in where)
        + "GROUP BY r.dimension, r.value"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*names, language, now, *params])
        for name, value, n in cursor.fetchall():
            counts[name][value] = n
    return counts


def _kept_and_due(kept_sql, kept_params, names, now, *, language, under=(), using):
    """{name: {value: n}}: kept counts, plus the rows of releases that went public since.

    ``kept_sql`` selects (dimension, value, n) from a kept table; the rows of
    the scheduled releases whose time has come (none, usually: the next write
    folds them in) are counted beside them in the same query, among those
    under every ``(dimension, value)`` of ``under``.
    """
    counts = {name: {} for name in names}
    if not names:
        return counts
    rows = _table(ListingRow)
    within = "".join(
        f"AND r.release_id IN (SELECT release_id FROM {rows} "  # noqa: S608
        "WHERE dimension = %s AND value = %s) "
        for _condition in under
    )
    sql = (
        f"{kept_sql} UNION ALL SELECT r.dimension, r.value, COUNT(*) FROM {rows} r "  # noqa: S608
        f"WHERE r.dimension IN ({_in(names)}) AND r.language = %s AND r.release_id IN "
        f"(SELECT release_id FROM {_table(ListingPending)} WHERE public_from <= %s) "
        f"{within}GROUP BY r.dimension, r.value"
    )
    params = [
        *kept_params,
        *names,
        language,
        now,
        *(part for condition in under for part in condition),
    ]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        for name, value, n in cursor.fetchall():
            counts[name][value] = counts[name].get(value, 0) + n
    return counts


def public_totals(dimensions, *, now, language, using=None):
    """{dimension: {value: public releases}} in ``language`` at ``now``: the totals, and
    what went public since.

    One small query whatever the archive's size.
    """
    names = [str(d) for d in dimensions]
    kept = (
        f"SELECT dimension, value, n FROM {_table(ListingTotal)} "  # noqa: S608
        f"WHERE language = %s AND dimension IN ({_in(names)}) AND n > 0"
    )
    return _kept_and_due(
        kept,
        [language, *names],
        names,
        now,
        language=language,
        using=using or router.db_for_read(ListingTotal),
    )


def public_counts_with(dimension, value, dimensions, *, now, language, using=None):
    """{dimension: {value: public releases}} in ``language`` under one ``value``.

    The same counts as ``public_counts_under([(dimension, [value])], …)``
    for ``dimensions`` other than ``dimension``, read from the kept pairs in
    one query: one indexed range however many releases lie under the value,
    plus what went public since the last write, as :func:`public_totals`.
    """
    names = [str(d) for d in dimensions]
    if str(dimension) in names:
        raise ValueError("a value's pairs never hold its own dimension")
    kept = (
        f"SELECT other_dimension, other_value, n FROM {_table(ListingPair)} "  # noqa: S608
        "WHERE language = %s AND dimension = %s AND value = %s "
        f"AND other_dimension IN ({_in(names)}) AND n > 0"
    )
    return _kept_and_due(
        kept,
        [language, str(dimension), value, *names],
        names,
        now,
        language=language,
        under=[(str(dimension), value)],
        using=using or router.db_for_read(ListingPair),
    )


# --- the write path -----------------------------------------------------------

_deferred = Local()  # .ids: the releases to refresh when the outermost block ends


@contextmanager
def refreshed_once():
    """Inside: the writes below mark releases; leaving, each is refreshed once.

    For a writer that saves a release and then its links (the importer, the
    admin): one refresh instead of one per signal. Use it inside the writing
    transaction, so the read model still changes with the write.
    """
    if getattr(_deferred, "ids", None) is not None:
        yield  # an outer block refreshes
        return
    _deferred.ids = set()
    try:
        yield
        ids = _deferred.ids
    finally:
        _deferred.ids = None
    if ids:
        refresh(ids)


def mark(release_ids, *, using=None):
    """Refresh ``release_ids`` now, or when the enclosing ``refreshed_once`` block ends."""
    pending = getattr(_deferred, "ids", None)
    if pending is None:
        refresh(release_ids, using=using)
    else:
        pending.update(release_ids)


def _release_saved(sender, instance, raw=False, using=None, **kwargs):
    if not raw:
        mark([instance.pk], using=using)


def _release_deleting(sender, instance, using=None, **kwargs):
    forget([instance.pk], using=using)


def _tags_changed(sender, instance, action, reverse, pk_set, using=None, **kwargs):
    """A release's tags changed, from the release (``reverse`` False) or from a node."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            mark([instance.pk], using=using)
        return
    if action == "pre_clear":
        # Which releases lose the node is known only before the links go.
        instance._listing_cleared = set(
            sender._default_manager.using(using)
            .filter(**{_node_attr(sender): instance.pk})
            .values_list(_release_attr(sender), flat=True)
        )
    elif action == "post_clear":
        mark(getattr(instance, "_listing_cleared", ()), using=using)
    elif action in ("post_add", "post_remove"):
        mark(pk_set or (), using=using)


def _node_moved(sender, instance, **kwargs):
    """A subtree moved: every release under it now sits under other ancestors."""
    dimension = BY_MODEL.get(sender)
    if dimension is not None:
        refresh(releases_under(dimension, instance))


def _links_moved(sender, pks, **kwargs):
    """Merging nodes re-tagged releases without the relation's signals."""
    if sender is PressRelease:
        refresh(pks)


def _through_models():
    return {PressRelease._meta.get_field(d.relation).remote_field.through: d for d in DIMENSIONS}


def _release_attr(through):
    return link_table(_through_models()[through].relation)[1]


def _node_attr(through):
    return link_table(_through_models()[through].relation)[2]


def connect():
    """Keep the read model with every write (called once, from the app's ready())."""
    post_save.connect(_release_saved, sender=PressRelease, dispatch_uid="listing-save")
    pre_delete.connect(_release_deleting, sender=PressRelease, dispatch_uid="listing-delete")
    for through, dimension in _through_models().items():
        m2m_changed.connect(_tags_changed, sender=through, dispatch_uid=f"listing-tags-{dimension}")
    for dimension in DIMENSIONS:
        node_moved.connect(
            _node_moved, sender=dimension.model, dispatch_uid=f"listing-move-{dimension}"
        )
    links_moved.connect(_links_moved, dispatch_uid="listing-merge")
