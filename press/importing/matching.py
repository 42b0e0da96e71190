"""Which stored release an incoming record is, and what that release holds now."""

from __future__ import annotations

from dataclasses import dataclass

from ..bulk import link_table
from ..models import PressRelease
from .tags import M2M_FIELDS

SCALAR_FIELDS = (
    "title",
    "type",
    "status",
    "published_at",
    "place",
    "summary",
    "body",
    "language",
    "translation_group",
)
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
        "language": release.language,
        "translation_group": release.translation_group,
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
    """A release an incoming record may be: how to find it and what it holds (hashed).

    ``path`` and ``line`` say which record this run last wrote it from
    (empty for a release as it was stored before the run).
    """

    pk: int | None
    slug: str
    source_url: str
    import_key: str
    hashes: dict
    instance: PressRelease | None = None
    path: str = ""
    line: int = 0


class KnownIndex:
    """Releases by the two things that make a record theirs: source address, import identity."""

    def __init__(self):
        self.by_url, self.by_key = {}, {}

    def add(self, known):
        if known.source_url:
            self.by_url.setdefault(known.source_url, known)
        if known.import_key:
            self.by_key.setdefault(known.import_key, known)

    def find(self, record):
        """The release ``record`` is: the same source address, else the same import identity.

        A release with another source address is never the record's, whatever
        its identity.
        """
        if record.source_url and record.source_url in self.by_url:
            return self.by_url[record.source_url]
        for key in record.import_keys:
            known = self.by_key.get(key)
            if known is not None and known.source_url in ("", record.source_url):
                return known
        return None

    def copy(self):
        """Another index of the same entries (the entries themselves are shared)."""
        other = KnownIndex()
        other.by_url, other.by_key = dict(self.by_url), dict(self.by_key)
        return other

    def put(self, known):
        """``known`` was (re)written by this run: it replaces what was indexed under its names."""
        if known.source_url:
            self.by_url[known.source_url] = known
        if known.import_key:
            self.by_key[known.import_key] = known
