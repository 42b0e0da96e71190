"""Writes by the thousand: new releases, link rows and first revisions.

``bulk_create`` and raw link INSERTs send no signals and open no revision,
so the demo generator and the importer write the rows django-reversion would
have written themselves, from what they already hold in memory:

- link rows go in with one ``executemany`` per link table (building a model
  instance for each cost a third of ``seed_demo``'s time); the demo
  generator's releases and the revisions through ``copy_create``. On
  PostgreSQL, from ``COPY_AT`` rows on, each is one ``COPY``: building and
  parsing an INSERT of thousands of rows cost more than writing them;
- each release gets a revision of its own, because reverting a revision
  restores everything in it: one shared revision would turn "revert this
  release" into "revert the whole import";
- the version's data is what ``reversion.add_to_revision()`` stores (the
  model's registered serializer format and fields), serialized without
  querying the links back: reversion's own path reads every relation again,
  which nearly doubled an import's CPU time and made 100,000 demo releases
  take minutes.
"""

from __future__ import annotations

import json
import time

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import post_save
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from taxonomy import clock

from .models import OldSlug, PressRelease, unique_slug


def create_releases(releases):
    """INSERT new releases in one query, as their ``save()`` would have written each.

    Each is filled in as ``save()`` fills it in (:meth:`PressRelease.fill_in`),
    an old address its slug had is dropped, and ``post_save`` is sent for
    each, so every listener (the caches, the listing's read model, alerts)
    hears of it as of a save. Not for a release with a new image upload,
    which only ``save()`` stores. The pks are set on the instances.
    """
    if not releases:
        return
    given = set()
    for release in releases:
        if not release._state.adding or (release.lead_image and not release.lead_image._committed):
            raise ValueError("create_releases() writes new releases without a new upload")
        if not release.slug:
            # Free in the database and among the others written with it.
            release.slug = unique_slug(release.title, reserved=given)
        given.add(release.slug)
        release.fill_in()
    db = router.db_for_write(PressRelease)
    PressRelease.objects.using(db).bulk_create(releases)
    # A slug that was once old and is current again must not redirect.
    OldSlug.objects.using(db).filter(slug__in=[r.slug for r in releases]).delete()
    for release in releases:
        post_save.send(
            PressRelease, instance=release, created=True, update_fields=None, raw=False, using=db
        )


#: From this many rows on, PostgreSQL takes them by ``COPY``; fewer go in as an
#: INSERT, which costs one round trip where ``copy_create`` costs two.
COPY_AT = 100


def insert_rows(model, columns, rows):
    """INSERT ``rows`` (tuples in the order of ``columns``, attnames) into ``model``'s table.

    On PostgreSQL, from ``COPY_AT`` rows on, one ``COPY``: no statement to
    build, bind or parse for thousands of rows, which an ``executemany``
    spends most of its time on. Otherwise one ``executemany``.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    table = model._meta.db_table
    names = [model._meta.get_field(name).column for name in columns]
    if connection.vendor == "postgresql" and len(rows) >= COPY_AT:
        _copy(connection, table, names, rows)
        return
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table), ", ".join(quote(name) for name in names), ", ".join(["%s"] * len(names))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _copy(connection, table, columns, rows):
    """``COPY table (columns) FROM STDIN`` of ``rows``, as a query: its errors are Django's,
    and it is logged where queries are (``connection.queries``, the tests' query counts).

    Row triggers fire and constraints hold as for an INSERT.
    """
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    started = time.monotonic()
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append(
            {
                "sql": f"COPY {table} ({', '.join(columns)}) FROM STDIN -- {len(rows)} rows",
                "time": f"{time.monotonic() - started:.3f}",
            }
        )


def _copyable(meta):
    """Whether ``copy_create`` writes every column of ``meta``'s model as ``bulk_create``
    would: one table, a pk from a sequence, no column the database fills in itself."""
    return (
        not meta.parents
        and isinstance(meta.pk, AutoFieldMixin)
        and not any(
            getattr(field, "generated", False) or field.has_db_default()
            for field in meta.concrete_fields
        )
    )


def copy_create(objs):
    """``bulk_create(objs)`` (new instances of one model), through one ``COPY`` on PostgreSQL.

    From ``COPY_AT`` instances on, for a model ``_copyable`` allows: the pks
    are drawn from the table's sequence first (one query) and set on the
    instances, as ``bulk_create`` sets them, and each field's value is what
    ``bulk_create`` would have written (``pre_save``, then the value prepared
    for the database). Building and parsing one INSERT of thousands of rows
    cost more than the rows themselves. Otherwise ``bulk_create`` itself.
    No signals, as with ``bulk_create``.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    for obj in objs:
        if type(obj) is not model or obj.pk is not None or not obj._state.adding:
            raise ValueError("copy_create() writes new instances of one model, without a pk")
    db = router.db_for_write(model)
    connection = connections[db]
    meta = model._meta
    if connection.vendor != "postgresql" or len(objs) < COPY_AT or not _copyable(meta):
        return model._base_manager.using(db).bulk_create(objs)
    for obj in objs:
        # As bulk_create does: a related object saved after it was assigned lends
        # its pk; an unsaved one refuses, before a pk is drawn.
        obj._prepare_related_fields_for_save(operation_name="copy_create")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(meta.db_table), meta.pk.column, len(objs)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
    if len(pks) != len(objs) or None in pks:
        raise ValueError(f"{meta.db_table} has no sequence for its pk")
    fields = meta.concrete_fields
    rows = []
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        rows.append(
            [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        )
    _copy(connection, meta.db_table, [field.column for field in fields], rows)
    for obj in objs:
        obj._state.adding, obj._state.db = False, db
    return objs


def link_table(relation):
    """The link model of a release relation, and its release and node attnames."""
    field = PressRelease._meta.get_field(relation)
    through = field.remote_field.through
    return (
        through,
        through._meta.get_field(field.m2m_field_name()).attname,
        through._meta.get_field(field.m2m_reverse_field_name()).attname,
    )


def link_columns(relation):
    """The link table of a release relation, and its release and node columns, for SQL."""
    through, own, other = link_table(relation)
    meta = through._meta
    return meta.db_table, meta.get_field(own).column, meta.get_field(other).column


def insert_links(relation, pairs):
    """Link (release pk, node pk) ``pairs`` through the release relation ``relation``."""
    through, own, other = link_table(relation)
    insert_rows(through, (own, other), list(pairs))


def _serialized(releases, links_of, options):
    """The JSON reversion would store for each release, in order.

    Django's JSON serializer writes ``[`` + ``json.dumps`` of the python
    serializer's dict + ``]`` and queries every relation: the plain fields go
    through the python serializer once for the whole batch, and the links
    are added from memory, sorted, as reversion's queryset would give them.
    """
    many = [f.name for f in PressRelease._meta.local_many_to_many if f.name in options.fields]
    plain = [name for name in options.fields if name not in many]
    dumps = serializers.serialize("python", releases, fields=plain)
    data = []
    for release, dump in zip(releases, dumps, strict=True):
        links = links_of(release)
        for name in many:
            dump["fields"][name] = sorted(links.get(name, ()))
        data.append(f"[{json.dumps(dump, cls=DjangoJSONEncoder, ensure_ascii=False)}]")
    return data


def record_revisions(releases, links_of, *, comment, user=None):
    """One revision holding one version for each saved release, in two INSERTs.

    ``links_of(release)`` gives ``{relation: node pks}``; ``comment`` is a
    string or a function of the release. Does nothing when releases are not
    under version control; falls back to reversion's own (slower) path for a
    registration this shortcut does not reproduce.
    """
    if not releases or not reversion.is_registered(PressRelease):
        return
    comment_of = comment if callable(comment) else (lambda release: comment)
    options = _get_options(PressRelease)
    if options.format != "json" or options.use_natural_foreign_keys:
        for release in releases:
            with reversion.create_revision():
                reversion.set_comment(comment_of(release))
                reversion.set_user(user)
                reversion.add_to_revision(release)
        return
    db = router.db_for_write(PressRelease)
    content_type = ContentType.objects.db_manager(db).get_for_model(PressRelease)
    now = clock.now()
    revisions = copy_create(
        [Revision(date_created=now, comment=comment_of(r), user=user) for r in releases]
    )
    insert_rows(
        Version,
        ("revision", "content_type", "object_id", "db", "format", "serialized_data", "object_repr"),
        [
            (
                revision.pk,
                content_type.pk,
                str(getattr(release, options.object_id_field)),
                db,
                options.format,
                data,
                str(release),
            )
            for revision, release, data in zip(
                revisions, releases, _serialized(releases, links_of, options), strict=True
            )
        ],
    )
