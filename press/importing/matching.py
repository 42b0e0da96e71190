"""Which stored release an incoming record is, and what that release holds now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..bulk import link_table
from ..models import PressRelease
from .tags import M2M_FIELDS

SCALAR_FIELDS = ("title", "type", "status", "published_at", "place", "summary", "body")
COMPARED_FIELDS = (*SCALAR_FIELDS, *M2M_FIELDS)


def release_values(release, links):
    """The compared values of a stored release; ``links`` maps relation -> node pks."""
    return {
        "title": release.title,
        "type": release.type_id,
        "status": release.status,
        "published_at": release.published_at,
        "place": release.place,
        "summary": release.summary,
        "body": release.body,
        "source_url": release.source_url,
        **{name: frozenset(links.get(name, ())) for name in M2M_FIELDS},
    }


def release_links(pks):
    """{release pk: {relation: set of node pks}}: one light query per relation, no instances."""
    links = {}
    for name in M2M_FIELDS:
        through, own, other = link_table(name)
        rows = through.objects.filter(**{f"{own}__in": pks}).values_list(own, other)
        for release_pk, node_pk in rows.iterator():
            links.setdefault(release_pk, {}).setdefault(name, set()).add(node_pk)
    return links


def fingerprint(values):
    return {key: hash(value) for key, value in values.items()}


@dataclass(eq=False)
class Known:
    """A release an incoming record may be: how to find it and what it holds (hashed)."""

    pk: int | None
    slug: str
    source_url: str
    title: str
    date: dt.date | None
    hashes: dict
    instance: PressRelease | None = None
    written: bool = False


class KnownIndex:
    def __init__(self):
        self.by_url, self.by_slug, self.by_date = {}, {}, {}

    def add(self, known, *, old_slugs=()):
        if known.source_url:
            self.by_url.setdefault(known.source_url, known)
        for slug in (known.slug, *old_slugs):
            self.by_slug.setdefault(slug, known)
        if known.date is not None:
            self.by_date.setdefault((known.title, known.date), []).append(known)

    def replace(self, known, new):
        """``known`` now holds ``new``'s values (after an import wrote them)."""
        key = (known.title, known.date)
        if key in self.by_date and known in self.by_date[key]:
            self.by_date[key].remove(known)
        known.title, known.date, known.hashes = new.title, new.date, new.hashes
        known.source_url = known.source_url or new.source_url
        known.instance = None
        self.add(known)
