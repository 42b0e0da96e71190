"""Querysets compiled to SQL once per process, then run with each request's values.

Evaluating a queryset compiles it to SQL every time: for a page's cards
Django's compiler took longer than PostgreSQL took to plan and run the
query. A :class:`Statement` is a queryset compiled once, with a marker value
in each place a request's value goes, and what Django's model iterable works
out from the compiler; :meth:`Statement.run` runs that SQL with new values
and gives the model instances the queryset would give (the same columns,
the ``select_related`` objects joined in, the annotations set).
:mod:`press.statements` keeps the ones every public page runs; the release
types (``models.release_types``) are one too.

A statement's values are always parameters: nothing a visitor sends is
written into the SQL.
"""

import contextlib
import contextvars
import functools
import threading
from collections.abc import Sequence

from django.db import DatabaseError, connections
from django.db.models.base import Model, ModelState
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

_kept = {}
_lock = threading.Lock()


class Statement:
    """A queryset's SQL with the places of its values, and how to build its rows.

    ``plain``: the rows' instances are made as unpickling makes them (Django's
    ``model_unpickle``), not by calling the model: no ``__init__``, so no
    ``pre_init``/``post_init`` signals; a related object read by
    ``select_related`` is made once per value, shared by the rows that name it.
    Such instances are for reading (a page's cards): they hold the same values,
    but what a signal would have prepared for a later save (an image field's
    original name, for instance) is not there, and a shared related instance
    changed on one row is changed on all. A model that overrides ``from_db`` is
    made the usual way. Ten times cheaper: a page's
    twenty cards took half a millisecond to build through ``from_db``.
    """

    def __init__(self, queryset, marks, *, plain=False):
        compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.places = {}
        for name, mark in marks.items():
            places = [i for i, param in enumerate(self.params) if _same(param, mark)]
            if len(places) != 1:
                raise ValueError(f"{name!r} is not one value of the statement: {places}")
            self.places[name] = places[0]
        # What ModelIterable works out from the compiler after each query, once; a
        # ``values_list()`` queryset's rows are its tuples (converted, as its own are).
        self.db = queryset.db
        select, klass_info = compiler.select, compiler.klass_info
        self.model = None
        if queryset._iterable_class is ModelIterable:
            self.model = klass_info["model"]
            fields = klass_info["select_fields"]
            self.start, self.end = fields[0], fields[-1] + 1
            self.init_list = [c[0].target.attname for c in select[self.start : self.end]]
            self.populators = get_related_populators(klass_info, select, self.db)
            self.annotations = list(compiler.annotation_col_map.items())
        elif queryset._iterable_class is not ValuesListIterable:
            raise ValueError("a statement gives model instances or values_list() tuples")
        self.plain = (
            plain
            and self.model is not None
            and _made_as_django_makes(self.model)
            and _plainly_related(self.populators)
        )
        self.converters = [
            (position, expression)
            for position, expression in enumerate(column[0] for column in select)
            if _converters(expression, compiler.connection)
        ]

    def run(self, **values):
        """The model instances (or ``values_list()`` tuples) of the statement's rows, with
        ``values`` in its places."""
        params = self._params(values)
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return self._instances(rows, connection)

    def send(self, **values):
        """``run(**values)``, sent now and read when first used: inside :func:`overlapped`
        on the statement's database a :class:`Later` (the query goes out and the page's
        work goes on while the database runs it), elsewhere the list at once."""
        connection = connections[self.db]
        return send(
            self.db,
            self.sql,
            self._params(values),
            lambda cursor: self._instances(cursor.fetchall(), connection),
        )

    def _params(self, values):
        if values.keys() != self.places.keys():  # a marker must never reach the database
            raise TypeError(f"values for {sorted(self.places)}, given {sorted(values)}")
        params = list(self.params)
        for name, value in values.items():
            params[self.places[name]] = value
        return params

    def _instances(self, rows, connection):
        converters = [
            (position, expression, _converters(expression, connection))
            for position, expression in self.converters
        ]
        found = []
        related = {}  # (model, pk) -> the one instance of a related row (``plain``)
        for row in rows:
            if converters:
                row = list(row)
                for position, expression, functions in converters:
                    for function in functions:
                        row[position] = function(row[position], expression, connection)
            if self.model is None:
                found.append(tuple(row))
                continue
            if self.plain:
                release = _plain(self.model, self.db, self.init_list, row[self.start : self.end])
                for populator in self.populators:
                    _populate_plainly(populator, row, release, related)
            else:
                release = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
                for populator in self.populators:
                    populator.populate(row, release)
            for name, position in self.annotations:
                setattr(release, name, row[position])
            found.append(release)
        return found


def _plain(model, db, names, values):
    """An instance of ``model`` from a row's ``values`` of the attributes ``names``, made
    as ``model_unpickle`` makes one: its ``__dict__`` set, no ``__init__``. The
    fields left out are deferred, as ``from_db`` leaves them."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, db
    return instance


def _made_as_django_makes(model):
    """Whether ``model`` is made from a row as ``Model.from_db`` makes one: a model that
    overrides it wants its own way, which a plain instance would skip."""
    return getattr(model.from_db, "__func__", None) is Model.from_db.__func__


def _plainly_related(populators):
    """Whether ``select_related`` populators can be followed by ``_populate_plainly``:
    one level, each row's columns in the model's own order."""
    return all(
        not populator.related_populators and populator.reorder_for_init is None
        for populator in populators
    )


def _populate_plainly(populator, row, instance, made):
    """``populator.populate(row, instance)`` with the related instance made by
    ``_plain``, once per (model, pk) in ``made``."""
    values = row[populator.cols_start : populator.cols_end]
    pk = values[populator.pk_idx]
    other = None
    if pk is not None:
        key = (populator.model_cls, pk)
        other = made.get(key)
        if other is None:
            other = made[key] = _plain(
                populator.model_cls, populator.db, populator.init_list, values
            )
    populator.local_setter(instance, other)
    if other is not None:
        populator.remote_setter(other, instance)


def send(using, sql, params, read):
    """``read(cursor)`` once ``sql`` has run with ``params`` on ``using``: within
    :func:`overlapped` a :class:`Later` (the query sent now, read when first used),
    elsewhere the value at once."""
    overlap = _overlap.get()
    if overlap is None or overlap.alias != using:
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return read(cursor)
    return overlap.send(sql, params, read)


def then(value, step):
    """``step(value)``: at once, or for a :class:`Later` when it is read."""
    return value.then(step) if isinstance(value, Later) else step(value)


class Later(Sequence):
    """A value worked out when it is first used (``work()``, once): :meth:`get`, or the
    value's items as a sequence's (a list of rows). A failure is raised again at every
    use after the first."""

    _unread = object()

    def __init__(self, work):
        self._work, self._value, self._error = work, self._unread, None

    def get(self):
        if self._error is not None:
            raise self._error
        if self._value is self._unread:
            try:
                self._value = self._work()
            except Exception as error:
                self._error = error
                raise
            self._work = None
        return self._value

    def __getitem__(self, item):
        return self.get()[item]

    def __len__(self):
        return len(self.get())

    def __iter__(self):
        return iter(self.get())

    def __bool__(self):
        return bool(self.get())

    def then(self, step):
        """A :class:`Later` of ``step(this value)``."""
        return Later(lambda: step(self.get()))


class _Batch:
    """The queries sent in one stretch of pipeline mode, and the database's error, if any."""

    error = None


class _Overlap:
    """What an :func:`overlapped` block has sent on its connection.

    psycopg's pipeline mode is entered at the first send and left (every answer
    sent so far waited for) at the first read of an answer, or before anything
    else reaches the database: any other query (``before_query``, Django's
    execute wrapper), a commit, a rollback or a change of autocommit. So
    everything else runs exactly as outside the block, one query and its answer
    at a time, in its own transaction; only the sends share the pipeline.
    """

    def __init__(self, alias):
        self.alias = alias
        self.connection = connections[alias]
        self.open = None  # the pipeline while it is entered: (ExitStack, _Batch)
        self.sending = False

    def send(self, sql, params, read):
        if self.open is None:
            stack = contextlib.ExitStack()
            stack.enter_context(self.connection.connection.pipeline())
            self.open = (stack, _Batch())
        batch = self.open[1]
        cursor = self.connection.cursor()
        self.sending = True
        try:
            cursor.execute(sql, params)
        finally:
            self.sending = False

        def answer():
            if self.open is not None and self.open[1] is batch:
                self.close()  # its stretch is still open: wait for its answers
            with cursor:
                if batch.error is not None:
                    raise batch.error
                return read(cursor)

        return Later(answer)

    def close(self):
        """Leave pipeline mode, every answer sent received; a failure is kept for the
        answers of its stretch, each raising it where it is read."""
        if self.open is None:
            return
        (stack, batch), self.open = self.open, None
        try:
            with self.connection.wrap_database_errors:
                stack.close()
        except DatabaseError as error:
            batch.error = error

    def before_query(self, execute, sql, params, many, context):
        if not self.sending:
            self.close()
        return execute(sql, params, many, context)

    def before(self, method):
        def closed_first(*args, **kwargs):
            self.close()
            return method(*args, **kwargs)

        return closed_first


#: The :class:`_Overlap` of the current ``overlapped`` block, if any.
_overlap = contextvars.ContextVar("overlap", default=None)
#: The connection's methods that reach the database without a query (Django's
#: ``DatabaseWrapper``): within a block each first leaves pipeline mode.
_WITHOUT_A_QUERY = ("_commit", "_rollback", "_set_autocommit", "_close")


@contextlib.contextmanager
def overlapped(using):
    """Within: statements sent on ``using`` (:meth:`Statement.send`, :func:`send`) go out
    at once and their answers are read when first used, while the Python goes on:
    psycopg's pipeline mode, in which a query is sent without waiting for the answer to
    the one before.

    A page's cards, a search's headlines above all, then cost the database's time
    or the page's, not both. Everything else within runs as it would outside: the
    pipeline is left (the answers sent so far waited for) before any other query,
    commit, rollback or change of autocommit (:class:`_Overlap`). Where the
    statements are not kept (:func:`compiled_on`) or the driver has no pipeline
    mode, nothing changes. Leaving waits for every answer not yet read; a
    database's error is Django's, raised where its answer is read.
    """
    if not compiled_on(using) or _overlap.get() is not None:
        yield
        return
    connection = connections[using]
    connection.ensure_connection()
    if not (hasattr(connection.connection, "pipeline") and _pipeline_supported()):
        yield
        return
    overlap = _Overlap(using)
    token = _overlap.set(overlap)
    for name in _WITHOUT_A_QUERY:  # on this connection only, for the block
        setattr(connection, name, overlap.before(getattr(connection, name)))
    try:
        with connection.execute_wrapper(overlap.before_query):
            yield
    finally:
        _overlap.reset(token)
        for name in _WITHOUT_A_QUERY:
            delattr(connection, name)
        overlap.close()


def overlapping(using):
    """Whether queries sent on ``using`` now are answered later (:func:`overlapped`)."""
    overlap = _overlap.get()
    return overlap is not None and overlap.alias == using


@functools.cache
def _pipeline_supported():
    from psycopg import Pipeline

    return Pipeline.is_supported()


def _same(param, mark):
    return type(param) is type(mark) and param == mark


def _converters(expression, connection):
    """What the compiler applies to a column's values (``SQLCompiler.get_converters``)."""
    return connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)


def statement(key, build, **options):
    """The statement kept under ``key``: ``Statement(*build(), **options)``, compiled
    once per process.

    ``key`` names everything the SQL depends on (the database alias, the shape,
    the search configuration); ``build()`` returns the queryset and its marks;
    ``options`` are the statement's own (``plain=True``).
    """
    found = _kept.get(key)
    if found is None:
        with _lock:
            found = _kept.get(key)
            if found is None:
                found = _kept[key] = Statement(*build(), **options)
    return found


def compiled_on(using):
    """Whether statements are kept for the database ``using`` (PostgreSQL, where the
    targets are measured); elsewhere each read is its queryset."""
    return connections[using].vendor == "postgresql"
