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

from django.db import connections
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

_kept = {}
_lock = threading.Lock()


class Statement:
    """A queryset's SQL with the places of its values, and how to build its rows."""

    def __init__(self, queryset, marks):
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
        if not overlapping(self.db):
            return self.run(**values)
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
        for row in rows:
            if converters:
                row = list(row)
                for position, expression, functions in converters:
                    for function in functions:
                        row[position] = function(row[position], expression, connection)
            if self.model is None:
                found.append(tuple(row))
                continue
            release = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, release)
            for name, position in self.annotations:
                setattr(release, name, row[position])
            found.append(release)
        return found


def send(using, sql, params, read):
    """``read(cursor)`` once ``sql`` has run with ``params`` on ``using``: within
    :func:`overlapped` a :class:`Later` (the query sent now, read when first used),
    elsewhere the value at once."""
    connection = connections[using]
    if not overlapping(using):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return read(cursor)
    cursor = connection.cursor()
    cursor.execute(sql, params)

    def answer():
        with cursor:
            return read(cursor)

    return Later(answer)


class Later(Sequence):
    """A value worked out when it is first used (``work()``, once): :meth:`get`, or the
    value's items as a sequence's (a list of rows)."""

    _unread = object()

    def __init__(self, work):
        self._work, self._value = work, self._unread

    def get(self):
        if self._value is self._unread:
            self._value, self._work = self._work(), None
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


#: The database alias whose statements :meth:`Statement.send` sends without waiting.
_overlapping = contextvars.ContextVar("overlapping", default=None)


@contextlib.contextmanager
def overlapped(using):
    """Within: statements started on ``using`` (:meth:`Statement.send`) are sent at once
    and their rows read when first used, while the Python goes on: psycopg's pipeline
    mode, in which a query is sent without waiting for the answer of the one before.

    A page's cards, a search's headlines above all, then cost the database's time
    or the page's, not both. Every other query within runs as ever (its answer
    waited for, after those sent before it). Where the statements are not kept
    (:func:`compiled_on`) or the driver has no pipeline mode, nothing changes.
    Leaving waits for every answer not yet read; an error is Django's.
    """
    connection = connections[using]
    if not compiled_on(using) or _overlapping.get() is not None:
        yield
        return
    connection.ensure_connection()
    if not (hasattr(connection.connection, "pipeline") and _pipeline_supported()):
        yield
        return
    token = _overlapping.set(using)
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            yield
    finally:
        _overlapping.reset(token)


def overlapping(using):
    """Whether queries sent on ``using`` now are answered later (:func:`overlapped`)."""
    return _overlapping.get() == using


@functools.cache
def _pipeline_supported():
    from psycopg import Pipeline

    return Pipeline.is_supported()


def _same(param, mark):
    return type(param) is type(mark) and param == mark


def _converters(expression, connection):
    """What the compiler applies to a column's values (``SQLCompiler.get_converters``)."""
    return connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)


def statement(key, build):
    """The statement kept under ``key``: ``Statement(*build())``, compiled once per process.

    ``key`` names everything the SQL depends on (the database alias, the shape,
    the search configuration); ``build()`` returns the queryset and its marks.
    """
    found = _kept.get(key)
    if found is None:
        with _lock:
            found = _kept.get(key)
            if found is None:
                found = _kept[key] = Statement(*build())
    return found


def compiled_on(using):
    """Whether statements are kept for the database ``using`` (PostgreSQL, where the
    targets are measured); elsewhere each read is its queryset."""
    return connections[using].vendor == "postgresql"
