"""The reads every public page makes, compiled to SQL once per process (PostgreSQL).

Evaluating a queryset compiles it to SQL every time: for a page's cards
(the releases of 20 ids, with their types and the search's headlines)
Django's compiler took longer than PostgreSQL took to plan and run the
query, and a release page runs two such queries (its release and the
related releases' cards). The statements here are the ones that differ
between requests only in their values: the release behind an address,
and the cards of a list of ids. Each is compiled by Django once per
process, database and shape (how many ids, with or without headlines, the
search configuration), from the same queryset the ORM would run, with a
marker value in each place a request's value goes; a request then runs
that SQL with its own values and gets the model instances the queryset
would give (the same columns, the type joined in, the headline
annotated). On SQLite, where the targets are not measured, they are the
querysets themselves.

A statement's values are always parameters: nothing a visitor sends is
written into the SQL.
"""

import datetime
import threading

from django.db import connections, router
from django.db.models import F, Lookup
from django.db.models.query import get_related_populators

from taxonomy import clock

from . import languages
from .models import PressRelease

#: The values a statement is compiled with, in the places a request's values go:
#: each is found among the compiled query's parameters by its type and value, so
#: it must be a value the queryset holds nowhere else (no release is dated in the
#: year 1, no id is negative, no constant of these queries holds control characters).
_IDS_MARK = [-(10**15)]
_NOW_MARK = datetime.datetime(1, 1, 1, 0, 0, 0, 424242, tzinfo=datetime.UTC)
_TEXT_MARK = "\x01statement value\x01"

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
        # What ModelIterable works out from the compiler after each query, once.
        self.db = queryset.db
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, self.db)
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = [
            (position, expression)
            for position, expression in enumerate(column[0] for column in select)
            if _converters(expression, compiler.connection)
        ]

    def run(self, **values):
        """The model instances of the statement's rows, with ``values`` in its places."""
        params = list(self.params)
        for name, value in values.items():
            params[self.places[name]] = value
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
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
            release = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, release)
            for name, position in self.annotations:
                setattr(release, name, row[position])
            found.append(release)
        return found


def _same(param, mark):
    return type(param) is type(mark) and param == mark


def _converters(expression, connection):
    """What the compiler applies to a column's values (``SQLCompiler.get_converters``)."""
    return connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)


def _statement(key, build):
    """The statement kept under ``key`` for the database ``build()`` reads, compiled once."""
    statement = _kept.get(key)
    if statement is None:
        with _lock:
            statement = _kept.get(key)
            if statement is None:
                statement = _kept[key] = Statement(*build())
    return statement


def _compiled():
    """Whether the statements are kept (PostgreSQL) or each read is its queryset."""
    return connections[router.db_for_read(PressRelease)].vendor == "postgresql"


def page_release(slug):
    """The release whose public page is at ``slug`` (published or withdrawn, its time come),
    with its type; None when there is none. One query."""
    if not _compiled():
        found = PressRelease.objects.with_lists().with_public_page().filter(slug=slug)
        return found.first()

    def build():
        queryset = (
            PressRelease.objects.with_lists()
            .with_public_page(now=_NOW_MARK)
            .filter(slug=_TEXT_MARK)
            .order_by()[:1]
        )
        return queryset, {"slug": _TEXT_MARK, "now": _NOW_MARK}

    statement = _statement(("page", router.db_for_read(PressRelease)), build)
    found = statement.run(slug=slug, now=clock.now())
    return found[0] if found else None


class _AnyOf(Lookup):
    """``lhs = ANY(%s)``: one array parameter for any number of ids (PostgreSQL), so
    one statement serves every length of list."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, self.rhs]


def public_cards(ids, q=""):
    """{pk: release} of the public releases among ``ids``, as a card shows them (its type,
    no body), with the search headline of ``q`` when there is one. One query.

    On SQLite, with ``q``, only those that ``q`` finds: its snippets come from the
    search's own join (the listing's ids are the search's anyway).
    """
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    q = (q or "").replace("\x00", " ").strip()
    if not _compiled():
        found = PressRelease.objects.published().filter(pk__in=ids)
        if q:  # SQLite's snippets come from the search's own join
            found = found.search(q)
        return found.for_cards().with_headlines(q).in_bulk()
    config = languages.search_config() if q else None

    def build():
        marks = {"ids": _IDS_MARK, "now": _NOW_MARK}
        queryset = (
            PressRelease.objects.published(now=_NOW_MARK)
            .filter(_AnyOf(F("pk"), _IDS_MARK))
            .for_cards()
            .order_by()
        )
        if q:
            queryset, marks["q"] = queryset.with_headlines(_TEXT_MARK), _TEXT_MARK
        return queryset, marks

    key = ("cards", router.db_for_read(PressRelease), config)
    values = {"ids": ids, "now": clock.now(), **({"q": q} if q else {})}
    return {release.pk: release for release in _statement(key, build).run(**values)}
