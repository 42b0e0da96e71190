"""First revisions for releases written in bulk, as django-reversion itself stores them.

``bulk_create`` sends no signals and opens no revision, so a generated
release would have no history and could never be restored after an edit.
One ``create_revision()`` per release costs three queries a release (about
five minutes at 100,000); here a batch gets two INSERTs: its revisions, then
its versions (one ``executemany``). Each release gets a revision of its own,
because reverting a revision restores everything in it: one shared revision
would turn "revert this release" into "revert the whole demo".

The rows are the ones ``reversion.add_to_revision()`` writes: the same
serializer, format and field list (the model's registration options), the
links serialized from memory instead of being queried back.
"""

from __future__ import annotations

import json

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import router
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from press.models import PressRelease
from taxonomy import clock

from .sql import insert_rows

#: The revision comment of a generated release's first version.
COMMENT = "Generated demo content"


def _evaluated(model, pks):
    """A queryset that holds these nodes (pk only) as if it had been run: no query."""
    queryset = model._base_manager.all()
    queryset._result_cache = [model(pk=pk) for pk in pks]
    queryset._prefetch_done = True
    return queryset


def _serialize_one(release, links, options):
    """What ``reversion.add_to_revision()`` stores, through the serializer, one object."""
    # The serializer reads a relation from the prefetch cache when there is
    # one (Django's python serializer, handle_m2m_field): only the pks count.
    release._prefetched_objects_cache = {
        relation: _evaluated(model, pks) for relation, (model, pks) in links.items()
    }
    try:
        return serializers.serialize(
            options.format,
            (release,),
            fields=options.fields,
            use_natural_foreign_keys=options.use_natural_foreign_keys,
        )
    finally:
        del release._prefetched_objects_cache


def _serialized(releases, links_of, options):
    """The serialized data of each release, in order.

    The JSON serializer costs ~7 ms an object with its relations (100,000
    releases: twelve minutes). Its output is ``[`` + ``json.dumps`` of the
    python serializer's dict + ``]`` (django.core.serializers.json): the
    plain fields go through the python serializer once for the whole batch
    and the links, which it would query, are added from memory in the order
    it writes them.
    """
    if options.format != "json" or options.use_natural_foreign_keys:
        return [_serialize_one(release, links_of(release), options) for release in releases]
    many = [
        field.name
        for field in PressRelease._meta.local_many_to_many
        if field.name in options.fields
    ]
    plain = [name for name in options.fields if name not in many]
    dumps = serializers.serialize("python", releases, fields=plain)
    data = []
    for release, dump in zip(releases, dumps, strict=True):
        links = links_of(release)
        for name in many:
            dump["fields"][name] = list(links[name][1])
        data.append(f"[{json.dumps(dump, cls=DjangoJSONEncoder, ensure_ascii=False)}]")
    return data


def record_first_revisions(releases, links_of, *, comment=COMMENT):
    """Write one revision with one version for each saved release; two INSERTs.

    ``links_of(release)`` returns ``{relation: (node model, node pks)}``.
    Does nothing when the model is not under version control.
    """
    if not releases or not reversion.is_registered(PressRelease):
        return
    options = _get_options(PressRelease)
    db = router.db_for_write(PressRelease)
    content_type = ContentType.objects.db_manager(db).get_for_model(PressRelease)
    now = clock.now()
    revisions = Revision.objects.using(db).bulk_create(
        [Revision(date_created=now, comment=comment) for _ in releases]
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
