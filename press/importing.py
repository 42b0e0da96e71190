"""Importing press releases from JSON Lines and plain-text page exports.

Two formats, chosen per file:

* **JSON Lines** (``.jsonl``/``.json``, or a file whose first non-blank
  character is ``{``): one object per line, see :data:`RECORD_KEYS`.
* **Plain-text page exports** like the seed page (anything else): navigation,
  then a type line ("Press release"), the title, ``- Date:``/``- Place:``/
  ``- Source:`` lines and the body, one paragraph per line, the first one
  opening with a dateline ("STRASBOURG, 17 May 2024 - ").

Every record becomes one transaction: a bad record is reported as
``FILE:LINE: reason`` and nothing of it is written; the others go in. An
import is idempotent: a record is matched to the release it was imported as
(by ``source_url``, else by explicit ``slug``, else by title and local
publication date) and that release is updated only when something differs.

Resolving names is dictionary work: one :class:`~taxonomy.naming.NameIndex`
per tree is built per run, and the releases a batch of records may match are
fetched in one query (and their links in one light query per link table) per
batch. A new release costs its INSERT, the model's own save work and one
INSERT per link table that has links; nothing is read back.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import reversion
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from taxonomy.models import Location, Meeting, Structure, Topic
from taxonomy.naming import NameIndex

from .html import sanitize_html, text_to_html
from .models import OldSlug, PressRelease, ReleaseType, unique_slug

#: Every key a JSON Lines record may have. Only title, date and type are required.
RECORD_KEYS = frozenset(
    {
        "title",
        "date",
        "type",
        "place",
        "sources",
        "structures",
        "topics",
        "countries",
        "meetings",
        "summary",
        "body",
        "slug",
        "source_url",
        "status",
    }
)
#: Record key -> (release relation, tree model). Sources also go to structures.
RELATIONS = {
    "sources": ("sources", Structure),
    "structures": ("structures", Structure),
    "topics": ("topics", Topic),
    "countries": ("locations", Location),
    "meetings": ("meetings", Meeting),
}
M2M_FIELDS = ("sources", "topics", "locations", "structures", "meetings")
SCALAR_FIELDS = ("title", "type", "status", "published_at", "place", "summary", "body")
COMPARED_FIELDS = (*SCALAR_FIELDS, *M2M_FIELDS)

BATCH_SIZE = 500
PROGRESS_EVERY = 1000
PROGRESS_MIN_RECORDS = 200

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"
_DRY_WORDS = {CREATED: "would create", UPDATED: "would update", UNCHANGED: "unchanged"}


class RecordError(ValueError):
    """A record cannot be imported; the message says why (without file and line)."""


# --- Report -------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened to one record (or, with line 0, to a whole unreadable file)."""

    path: str
    line: int
    action: str
    slug: str = ""
    message: str = ""
    changed: tuple = ()

    @property
    def where(self):
        return f"{self.path}:{self.line}" if self.line else self.path

    def describe(self, *, dry_run=False):
        if self.action == FAILED:
            return f"{self.where}: {self.message}"
        word = _DRY_WORDS[self.action] if dry_run else self.action
        text = f"{self.where}: {word} {self.slug}"
        if self.changed:
            text += f" ({', '.join(self.changed)})"
        return text


@dataclass
class ImportReport:
    dry_run: bool = False
    outcomes: list = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(self, outcome):
        self.outcomes.append(outcome)
        self.counts[outcome.action] += 1

    created = property(lambda self: self.counts[CREATED])
    updated = property(lambda self: self.counts[UPDATED])
    unchanged = property(lambda self: self.counts[UNCHANGED])
    failed = property(lambda self: self.counts[FAILED])

    @property
    def ok(self):
        return not self.failed

    @property
    def errors(self):
        return [o.describe() for o in self.outcomes if o.action == FAILED]

    def summary(self):
        text = (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, failed {self.failed}"
        )
        return f"Dry run, nothing written: {text}" if self.dry_run else text


# --- Small parsers --------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_HUMAN_DATE = rf"\d{{1,2}}\s+(?:{_MONTH})\.?\s+\d{{4}}"
_HUMAN_DATE_RE = re.compile(rf"^(\d{{1,2}})\s+({_MONTH})\.?\s+(\d{{4}})$", re.IGNORECASE)
# A hyphen-minus is a dash only with a space before it ("NUR-SULTAN" is a place).
_DASH = r"(?:\s+-|\s*[\u2010-\u2015\u2212])\s*"
# A place: letters first; no digits or sentence ends ("ST. PETERSBURG" is allowed).
_PLACE = r"[^\W\d_](?:[^\d:;!?.\n]|\.(?=\s?[^\W\d_])){0,80}?"
_DATELINE_PLACE_FIRST = re.compile(
    rf"^\s*(?P<place>{_PLACE})\s*,\s*(?P<date>{_HUMAN_DATE}){_DASH}", re.IGNORECASE
)
_DATELINE_DATE_FIRST = re.compile(
    rf"^\s*(?P<date>{_HUMAN_DATE})\s*,\s*(?P<place>{_PLACE}){_DASH}", re.IGNORECASE
)


def parse_human_date(text):
    """ "17 May 2024" -> date(2024, 5, 17); also accepts YYYY-MM-DD. None if not a date."""
    text = " ".join(str(text).split())
    match = _HUMAN_DATE_RE.match(text)
    try:
        if match:
            day, month, year = match.groups()
            return dt.date(int(year), _MONTHS[month.casefold()], int(day))
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def split_dateline(paragraph):
    """Split "STRASBOURG, 17 May 2024 - Text" into ("STRASBOURG", "17 May 2024", "Text").

    Also "30 October 2025, SARAJEVO – Text" (date first). Returns None when the
    paragraph does not open with a dateline.
    """
    for pattern in (_DATELINE_PLACE_FIRST, _DATELINE_DATE_FIRST):
        match = pattern.match(paragraph)
        if match:
            return (
                match["place"].strip(" ,"),
                " ".join(match["date"].split()),
                paragraph[match.end() :].lstrip(),
            )
    return None


def normalize_place(place):
    """ "STRASBOURG" -> "Strasbourg", "VIENNA/WARSAW" -> "Vienna/Warsaw"; mixed case is kept."""
    place = " ".join(str(place).split()).strip(" ,")
    if place.isupper():
        place = re.sub(r"[^\W\d_]+", lambda m: m[0].capitalize(), place.lower())
    return place


def parse_datetime_value(value):
    """A record's date: "YYYY-MM-DD" (00:00 local) or an ISO datetime (local without offset)."""
    if not isinstance(value, str) or not value.strip():
        raise RecordError("missing date")
    text = value.strip()
    try:
        if len(text) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time.min)
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(
            f"bad date {value!r} (expected YYYY-MM-DD or an ISO date and time)"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def local_date(moment):
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


# --- Plain-text page exports ------------------------------------------------------

_META_LINE = re.compile(r"^-\s*(?P<key>[A-Za-z][A-Za-z ]{0,30}?)\s*:\s*(?P<value>.*)$")
_META_KEYS = {
    "date": "date",
    "place": "place",
    "source": "sources",
    "sources": "sources",
    "topic": "topics",
    "topics": "topics",
    "field of work": "topics",
    "fields of work": "topics",
    "country": "countries",
    "countries": "countries",
    "structure": "structures",
    "structures": "structures",
    "meeting": "meetings",
    "meetings": "meetings",
}
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")


def _meta_key(line):
    match = _META_LINE.match(line)
    if not match:
        return None, None, None
    key = " ".join(match["key"].split()).casefold()
    return key, _META_KEYS.get(key), match["value"].strip()


def parse_page(text, *, type_names):
    """Parse one exported page; return (line of the title, record dict).

    ``type_names`` are the release type names in lower case; the line naming
    the type is how the release is found below the navigation. Raises
    RecordError with a ``line`` attribute when the page holds no release.
    """
    lines = text.splitlines()
    stripped = [line.strip() for line in lines]

    def next_filled(index):
        while index < len(stripped) and not stripped[index]:
            index += 1
        return index

    def previous_filled(index):
        index -= 1
        while index >= 0 and not stripped[index]:
            index -= 1
        return index

    type_at = title_at = None
    # The metadata block anchors the release: the title is just above it, the type above that.
    for index, line in enumerate(stripped):
        if _meta_key(line)[1] == "date":
            title = previous_filled(index)
            kind = previous_filled(title) if title >= 0 else -1
            if kind >= 0 and not stripped[title].startswith("-"):
                type_at, title_at = kind, title
            break
    if type_at is None:
        for index, line in enumerate(stripped):
            if line.startswith("-") or " ".join(line.split()).casefold() not in type_names:
                continue
            title = next_filled(index + 1)
            if title < len(stripped) and not stripped[title].startswith("-"):
                type_at, title_at = index, title
                break
    if type_at is None:
        error = RecordError(
            "no press release found: expected a type line (e.g. 'Press release') "
            "followed by the title"
        )
        error.line = 1
        raise error

    record = {"type": stripped[type_at], "title": stripped[title_at]}
    meta = {}
    key = None
    index = title_at + 1
    while index < len(stripped):
        line = stripped[index]
        if not line:
            index += 1
            continue
        if not line.startswith("-"):
            break
        raw_key, known, value = _meta_key(line)
        if known:
            key = known
            meta.setdefault(key, [])
            if value:
                meta[key].append(value)
        elif raw_key and not value:
            error = RecordError(f"unknown field {raw_key!r} on line {index + 1}")
            error.line = title_at + 1
            raise error
        elif key:
            meta[key].append(line.lstrip("-").strip())
        index += 1
    paragraphs = [line for line in stripped[index:] if line]

    dateline = split_dateline(paragraphs[0]) if paragraphs else None
    if dateline:
        dateline_place, dateline_date, rest = dateline
        paragraphs[0] = rest
        if not paragraphs[0]:
            paragraphs.pop(0)
    else:
        dateline_place = dateline_date = ""

    date_text = " ".join(meta.get("date", [])).strip() or dateline_date
    parsed = parse_human_date(date_text) if date_text else None
    record["date"] = parsed.isoformat() if parsed else date_text
    record["place"] = " ".join(meta.get("place", [])).strip() or dateline_place
    for name in ("sources", "topics", "countries", "structures", "meetings"):
        values = []
        for value in meta.get(name, []):
            values.extend(part for part in _LIST_SPLIT.split(value) if part)
        record[name] = values
    # The export is text: escape it, so that "<" in a sentence stays a character.
    record["body"] = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    return title_at + 1, record


# --- Reading files ------------------------------------------------------------------


def detect_format(path):
    """ "jsonl" or "text", from the name, else from the first non-blank character."""
    path = Path(path)
    if path.suffix.lower() in (".jsonl", ".json"):
        return "jsonl"
    with path.open("rb") as handle:
        for raw in handle:
            text = raw.lstrip(b"\xef\xbb\xbf").strip()
            if text:
                return "jsonl" if text.startswith(b"{") else "text"
    return "text"


def read_jsonl(path):
    """Yield (line number, dict or RecordError) for each non-blank line."""
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, RecordError("not valid UTF-8")
                continue
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, RecordError(f"invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(data, dict):
                yield number, RecordError("expected a JSON object")
                continue
            yield number, data


def read_page(path, *, type_names):
    """Yield the one (line number, dict or RecordError) of a plain-text page export."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        yield 1, RecordError("not valid UTF-8")
        return
    try:
        yield parse_page(text, type_names=type_names)
    except RecordError as exc:
        yield getattr(exc, "line", 1), exc


# --- Records --------------------------------------------------------------------------


@dataclass
class Record:
    """A validated, resolved record: everything a release needs, as stored values."""

    path: str
    line: int
    title: str
    type_id: int
    status: str
    published_at: dt.datetime
    place: str
    summary: str
    body: str
    slug: str
    source_url: str
    links: dict  # release relation -> frozenset of node pks

    @property
    def date_key(self):
        return (self.title, local_date(self.published_at))

    def values(self):
        return {
            "title": self.title,
            "type": self.type_id,
            "status": self.status,
            "published_at": self.published_at,
            "place": self.place,
            "summary": self.summary,
            "body": self.body,
            "source_url": self.source_url,
            **self.links,
        }


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
        field = PressRelease._meta.get_field(name)
        through = field.remote_field.through
        own = through._meta.get_field(field.m2m_field_name()).attname
        other = through._meta.get_field(field.m2m_reverse_field_name()).attname
        rows = through.objects.filter(**{f"{own}__in": pks}).values_list(own, other)
        for release_pk, node_pk in rows.iterator():
            links.setdefault(release_pk, {}).setdefault(name, set()).add(node_pk)
    return links


def _fingerprint(values):
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


class Resolver:
    """Names to nodes and types, with every index built once."""

    def __init__(self):
        self.indexes = {model: NameIndex(model) for model in (Structure, Topic, Location, Meeting)}
        self.types = {}
        for release_type in ReleaseType.objects.all():
            self.types[release_type.slug.casefold()] = release_type
            self.types[" ".join(release_type.name.split()).casefold()] = release_type
        self.type_names = {" ".join(t.name.split()).casefold() for t in self.types.values()}

    def release_type(self, name):
        return self.types.get(" ".join(str(name).split()).casefold())


_url_validator = URLValidator(schemes=["http", "https"])


def field_model(name):
    """The node model of a release relation ("topics" -> Topic)."""
    return PressRelease._meta.get_field(name).related_model


def _field_length(name):
    return PressRelease._meta.get_field(name).max_length


def build_record(path, line, data, resolver):
    """Validate and resolve one raw record; raise RecordError listing every problem."""
    problems = []
    unknown = sorted(set(data) - RECORD_KEYS)
    if unknown:
        problems.append(f"unknown key(s): {', '.join(map(repr, unknown))}")

    def text(key):
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            problems.append(f"{key!r} must be a string")
            return ""
        if "\x00" in value:
            problems.append(f"{key!r} contains a NUL character")
            return ""
        return value.strip()

    def names(key):
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{key!r} must be a list of names")
            return []
        return [v for v in value if v.strip()]

    title = " ".join(text("title").split())
    if not title:
        problems.append("missing title")
    elif len(title) > _field_length("title"):
        problems.append(f"title longer than {_field_length('title')} characters")

    published_at = None
    try:
        published_at = parse_datetime_value(data.get("date"))
    except RecordError as exc:
        problems.append(str(exc))

    type_name = text("type")
    release_type = resolver.release_type(type_name) if type_name else None
    if not type_name:
        problems.append("missing type")
    elif release_type is None:
        known = ", ".join(sorted({t.name for t in resolver.types.values()}))
        problems.append(f"unknown type {type_name!r} (known: {known})")

    status = (text("status") or PressRelease.Status.PUBLISHED).casefold()
    if status not in PressRelease.Status.values:
        problems.append(f"bad status {data.get('status')!r} (expected 'published' or 'draft')")

    place = normalize_place(text("place"))
    if len(place) > _field_length("place"):
        problems.append(f"place longer than {_field_length('place')} characters")

    slug = text("slug")
    if slug:
        try:
            validate_slug(slug)
            if len(slug) > _field_length("slug"):
                raise ValidationError("too long")
        except ValidationError:
            problems.append(f"bad slug {slug!r}")

    source_url = text("source_url")
    if source_url:
        try:
            _url_validator(source_url)
            if len(source_url) > _field_length("source_url"):
                raise ValidationError("too long")
        except ValidationError:
            problems.append(f"bad source_url {source_url!r}")

    summary = text("summary")
    body = sanitize_html(text_to_html(text("body")))

    links = {name: set() for name in M2M_FIELDS}
    unknown_names = []
    for key, (relation, model) in RELATIONS.items():
        wanted = names(key)
        if not wanted:
            continue
        try:
            nodes = resolver.indexes[model].resolve_all(wanted)
        except LookupError as exc:
            unknown_names.append(str(exc))
        else:
            links[relation].update(node.pk for node in nodes)
    problems.extend(unknown_names)
    # The model's convention: sources are structures too.
    links["structures"] |= links["sources"]

    if problems:
        raise RecordError("; ".join(problems))
    return Record(
        path=str(path),
        line=line,
        title=title,
        type_id=release_type.pk,
        status=status,
        published_at=published_at,
        place=place,
        summary=summary,
        body=body,
        slug=slug,
        source_url=source_url,
        links={name: frozenset(pks) for name, pks in links.items()},
    )


@functools.cache
def _link_statements():
    """Release relation -> INSERT of one (release, node) row into its link table."""
    quote = connection.ops.quote_name
    statements = {}
    for name in M2M_FIELDS:
        field = PressRelease._meta.get_field(name)
        through = field.remote_field.through._meta
        own = through.get_field(field.m2m_field_name()).column
        other = through.get_field(field.m2m_reverse_field_name()).column
        statements[name] = (
            f"INSERT INTO {quote(through.db_table)} ({quote(own)}, {quote(other)}) VALUES (%s, %s)"
        )
    return statements


def _slug_base(title):
    # The same base as press.models.unique_slug.
    return slugify(title)[: 220 - 8].strip("-") or "release"


# --- The import service ---------------------------------------------------------------


class Importer:
    """Imports files record by record; one instance per run (its indexes are per run)."""

    def __init__(self, *, dry_run=False, stdout=None, stderr=None, verbosity=1):
        self.dry_run = dry_run
        self.stdout, self.stderr = stdout, stderr
        self.verbosity = verbosity
        self.report = ImportReport(dry_run=dry_run)
        self.resolver = Resolver()
        # Releases this run wrote (or, in a dry run, would have written).
        self.written = KnownIndex()
        self.run_slugs = set()

    # Output ------------------------------------------------------------------------

    def _write(self, stream, text):
        if stream is not None:
            stream.write(text)

    def _record(self, outcome):
        self.report.add(outcome)
        if outcome.action == FAILED:
            self._write(self.stderr, outcome.describe())
        elif self.verbosity >= 2 or (self.dry_run and self.verbosity >= 1):
            self._write(self.stdout, outcome.describe(dry_run=self.dry_run))

    # Files ---------------------------------------------------------------------------

    def run(self, paths):
        for path in paths:
            self.import_file(path)
        return self.report

    def import_file(self, path):
        name = str(path)
        try:
            if detect_format(path) == "jsonl":
                items = read_jsonl(path)
            else:
                items = read_page(path, type_names=self.resolver.type_names)
            batch, count = [], 0
            for item in items:
                batch.append(item)
                count += 1
                if len(batch) >= BATCH_SIZE:
                    self._process_batch(name, batch)
                    batch = []
                if count % PROGRESS_EVERY == 0 and self.verbosity >= 1:
                    self._write(self.stderr, f"{name}: {count} records…")
            self._process_batch(name, batch)
        except OSError as exc:
            self._record(Outcome(name, 0, FAILED, message=f"cannot read: {exc.strerror or exc}"))
            return
        if count > PROGRESS_MIN_RECORDS and self.verbosity >= 1:
            self._write(self.stderr, f"{name}: {count} records, done")

    # Batches -------------------------------------------------------------------------

    def _process_batch(self, path, batch):
        if not batch:
            return
        records = []
        for line, item in batch:
            if isinstance(item, RecordError):
                records.append(Outcome(path, line, FAILED, message=str(item)))
                continue
            try:
                records.append(build_record(path, line, item, self.resolver))
            except RecordError as exc:
                records.append(Outcome(path, line, FAILED, message=str(exc)))
        good = [r for r in records if isinstance(r, Record)]
        existing = self._existing(good)
        taken = self._taken_slugs(good)
        for record in records:
            if isinstance(record, Outcome):
                self._record(record)
            else:
                self._record(self._apply(record, existing, taken))

    def _existing(self, records):
        """The stored releases these records may be, with their links, in one go."""
        index = KnownIndex()
        if not records:
            return index
        urls = {r.source_url for r in records if r.source_url}
        slugs = {r.slug for r in records if r.slug}
        old_slugs = {}
        if slugs:
            for slug, release_id in OldSlug.objects.filter(slug__in=slugs).values_list(
                "slug", "release_id"
            ):
                old_slugs.setdefault(release_id, []).append(slug)
        moments = [r.published_at for r in records]
        condition = Q(
            title__in={r.title for r in records},
            published_at__range=(
                min(moments) - dt.timedelta(days=1),
                max(moments) + dt.timedelta(days=1),
            ),
        )
        if urls:
            condition |= Q(source_url__in=urls)
        if slugs:
            condition |= Q(slug__in=slugs)
        if old_slugs:
            condition |= Q(pk__in=list(old_slugs))
        releases = list(PressRelease.objects.filter(condition).order_by("pk"))
        links = release_links([release.pk for release in releases]) if releases else {}
        for release in releases:
            index.add(
                Known(
                    pk=release.pk,
                    slug=release.slug,
                    source_url=release.source_url,
                    title=release.title,
                    date=local_date(release.published_at) if release.published_at else None,
                    hashes=_fingerprint(release_values(release, links.get(release.pk, {}))),
                    instance=release,
                ),
                old_slugs=old_slugs.get(release.pk, ()),
            )
        return index

    def _taken_slugs(self, records):
        bases = {_slug_base(r.title) for r in records if not r.slug}
        if not bases:
            return set()
        taken = set(PressRelease.objects.filter(slug__in=bases).values_list("slug", flat=True))
        taken.update(OldSlug.objects.filter(slug__in=bases).values_list("slug", flat=True))
        return taken

    # Records --------------------------------------------------------------------------

    def _find(self, record, existing):
        """The release this record is, if any: by source_url, else slug, else title and date."""
        indexes = (self.written, existing)
        if record.source_url:
            for index in indexes:
                known = index.by_url.get(record.source_url)
                if known is not None:
                    return known

        def compatible(known):
            # A release imported from another address is another release.
            return not (record.source_url and known.source_url not in ("", record.source_url))

        if record.slug:
            for index in indexes:
                known = index.by_slug.get(record.slug)
                if known is not None:
                    if not compatible(known):
                        raise RecordError(
                            f"slug {record.slug!r} is already used by the release imported "
                            f"from {known.source_url}"
                        )
                    return known
            return None
        for index in indexes:
            for known in index.by_date.get(record.date_key, ()):
                if compatible(known):
                    return known
        return None

    def _apply(self, record, existing, taken):
        try:
            known = self._find(record, existing)
            if known is None:
                return self._create(record, taken)
            hashes = _fingerprint(record.values())
            fields = COMPARED_FIELDS + (("source_url",) if record.source_url else ())
            changed = tuple(f for f in fields if hashes[f] != known.hashes.get(f))
            if not changed:
                return Outcome(record.path, record.line, UNCHANGED, slug=known.slug)
            return self._update(record, known, changed, hashes)
        except RecordError as exc:
            return Outcome(record.path, record.line, FAILED, message=str(exc))
        except (DatabaseError, ValidationError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return Outcome(record.path, record.line, FAILED, message=f"not saved: {message}")

    def _new_slug(self, title, taken):
        base = _slug_base(title)
        if base not in taken and base not in self.run_slugs:
            return base
        slug = unique_slug(title)
        number = 1
        # In a dry run nothing was saved, so unique_slug cannot see this run's slugs.
        while slug in self.run_slugs:
            number += 1
            slug = f"{base}-{number}"
        return slug

    def _link_rows(self, release, record):
        """Write the links of a new release: one multi-row INSERT per relation.

        Plain SQL, no per-link query or model instance: this is most of an
        import's work otherwise. The release's own save already told the
        caches (post_save), and the links are in the same transaction, so
        nobody ever sees the release without them.
        """
        with connection.cursor() as cursor:
            for name, sql in _link_statements().items():
                pks = record.links[name]
                if pks:
                    cursor.executemany(sql, [(release.pk, pk) for pk in sorted(pks)])

    def _cached_queryset(self, model, pks):
        """An evaluated queryset of these nodes, taken from the name index (no query)."""
        queryset = model._base_manager.all()
        nodes = self.resolver.indexes[model].nodes
        queryset._result_cache = [nodes[pk] for pk in sorted(pks)]
        queryset._prefetch_done = True
        return queryset

    def _version(self, release, record, action):
        """A reversion version of what an import update wrote, serialised from memory.

        Only updates get one: they overwrite what may be an editor's work, and
        the history then shows the import as its own step. A created release's
        first state is its source record (versioning every created release
        would about double the time of a large import).
        """
        if not reversion.is_registered(PressRelease):
            return
        # The serializer reads links from the prefetch cache when there is one:
        # fill it with what was just written instead of querying it back.
        release._prefetched_objects_cache = {
            name: self._cached_queryset(field_model(name), record.links[name])
            for name in M2M_FIELDS
        }
        with reversion.create_revision(atomic=False):
            reversion.set_comment(
                f"{action.capitalize()} by import from {Path(record.path).name}:{record.line}"
            )
            reversion.add_to_revision(release)

    def _create(self, record, taken):
        slug = record.slug or self._new_slug(record.title, taken)
        pk = None
        if not self.dry_run:
            with transaction.atomic():
                release = PressRelease(
                    title=record.title,
                    slug=slug,
                    type_id=record.type_id,
                    status=record.status,
                    published_at=record.published_at,
                    place=record.place,
                    summary=record.summary,
                    body=record.body,
                    source_url=record.source_url,
                )
                release.save()
                self._link_rows(release, record)
            pk = release.pk
        self.run_slugs.add(slug)
        taken.add(slug)
        self.written.add(
            Known(
                pk=pk,
                slug=slug,
                source_url=record.source_url,
                title=record.title,
                date=record.date_key[1],
                hashes=_fingerprint(record.values()),
                written=True,
            )
        )
        return Outcome(record.path, record.line, CREATED, slug=slug)

    def _update(self, record, known, changed, hashes):
        if not self.dry_run:
            with transaction.atomic():
                release = known.instance or PressRelease.objects.get(pk=known.pk)
                for name in (*SCALAR_FIELDS, "source_url"):
                    if name in changed:
                        attribute = "type_id" if name == "type" else name
                        setattr(release, attribute, getattr(record, attribute))
                # Always saved, so that updated_at tells when the import changed it.
                release.save()
                for name in M2M_FIELDS:
                    if name in changed:
                        getattr(release, name).set(record.links[name])
                self._version(release, record, UPDATED)
        new = Known(
            pk=known.pk,
            slug=known.slug,
            source_url=record.source_url or known.source_url,
            title=record.title,
            date=record.date_key[1],
            hashes=hashes,
            written=True,
        )
        if known.written:
            self.written.replace(known, new)
        else:
            self.written.add(new)
        return Outcome(record.path, record.line, UPDATED, slug=known.slug, changed=changed)


def import_files(paths, *, dry_run=False, stdout=None, stderr=None, verbosity=1):
    """Import press releases from ``paths``; return an :class:`ImportReport`.

    Per-record lines go to ``stdout`` (in a dry run, or at verbosity 2),
    errors and the progress counter to ``stderr``; either may be None.
    """
    importer = Importer(dry_run=dry_run, stdout=stdout, stderr=stderr, verbosity=verbosity)
    return importer.run(paths)


__all__ = [
    "ImportReport",
    "Importer",
    "Outcome",
    "RecordError",
    "build_record",
    "detect_format",
    "import_files",
    "normalize_place",
    "parse_human_date",
    "parse_page",
    "split_dateline",
]
