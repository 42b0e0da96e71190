"""The record format: the keys of a record, their values, and the validated Record.

A raw record is a dict, from a JSON Lines line or a parsed page export.
:func:`build_record` checks every value and names every problem at once; tag
names become node links through the resolver it is given, and a tag that
does not resolve is a warning, never a reason to refuse the record.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.utils import timezone

from ..html import sanitize_html, text_to_html
from ..languages import CODES as LANGUAGE_CODES
from ..languages import DEFAULT as DEFAULT_LANGUAGE
from ..models import PressRelease
from .tags import RELATIONS

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
        "language",
        "translation_group",
    }
)


class RecordError(ValueError):
    """A record cannot be imported; the message says why (without file and line).

    ``warnings`` are the record's tag warnings, reported with the error so
    that the file can be corrected in one go.
    """

    def __init__(self, message, *, warnings=()):
        super().__init__(message)
        self.warnings = tuple(warnings)


def normalize_place(place):
    """ "STRASBOURG" -> "Strasbourg", "VIENNA/WARSAW" -> "Vienna/Warsaw"; mixed case is kept."""
    place = " ".join(str(place).split()).strip(" ,")
    if place.isupper():
        place = re.sub(r"[^\W\d_]+", lambda m: m[0].capitalize(), place.lower())
    return place


#: The years a release may be dated in: the organisation's whole history and
#: far beyond, with room on both sides for time-zone arithmetic (a date near
#: year 1 or 9999 cannot be shifted by a day in Python or stored everywhere).
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


def lone_surrogate(value):
    """The position of the first lone surrogate (from a JSON ``\\ud800`` escape), or None.

    No database, file or terminal can hold one: such text is refused.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def refusal(value):
    """Why a string cannot be stored ("contains a NUL character", ...), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    position = lone_surrogate(value)
    if position is not None:
        return f"contains a lone surrogate at character {position + 1}"
    return None


def parse_datetime_value(value):
    """A record's date: "YYYY-MM-DD" (00:00 local) or an ISO datetime (local without offset)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RecordError("missing date")
    if not isinstance(value, str):
        raise RecordError("'date' must be a string")
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
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise RecordError(f"date {value!r} out of range (years {EARLIEST_YEAR} to {LATEST_YEAR})")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def local_date(moment):
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


#: A record's ``status`` and the state it is stored in. "approved" and
#: "published" are one state: approved for publication at the record's date
#: (public once it has come, scheduled until then, with an embargo link).
STATUSES = {
    "draft": PressRelease.Status.DRAFT,
    "in_review": PressRelease.Status.IN_REVIEW,
    "approved": PressRelease.Status.PUBLISHED,
    "published": PressRelease.Status.PUBLISHED,
    "withdrawn": PressRelease.Status.WITHDRAWN,
}


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
    language: str
    translation_group: str
    links: dict  # release relation -> frozenset of node pks
    warnings: tuple = ()  # TagWarnings: tags filed in another tree or left out

    @property
    def date_key(self):
        return (self.title, local_date(self.published_at))

    @property
    def identity(self):
        """What names the release this record is, in words: "source_url '...'", "slug '...'"."""
        if self.source_url:
            return f"source_url {self.source_url!r}"
        if self.slug:
            return f"slug {self.slug!r}"
        title, date = self.date_key
        return f"title {title!r} on {date.isoformat()}"

    @cached_property
    def import_keys(self):
        """The import identities this record may have been stored under, its own first.

        The first is stored on the release the record creates, and a later
        import updates only that release. A record with a ``source_url`` is
        also matched on a release's own ``source_url`` (an address given in
        the admin counts too), and on its slug or title identity, from before
        the record had an address.
        """
        title, date = self.date_key
        own = f"slug:{self.slug}" if self.slug else f"title:{date.isoformat()}:{title}"
        return (f"url:{self.source_url}"[:500], own) if self.source_url else (own,)

    @property
    def import_key(self):
        return self.import_keys[0]

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
            "language": self.language,
            "translation_group": self.translation_group,
            **self.links,
        }

    @property
    def tags_from_group(self):
        """A translation without tags of its own: it carries its group's."""
        return bool(self.translation_group) and not any(self.links.values())


_url_validator = URLValidator(schemes=["http", "https"])


def _field_length(name):
    return PressRelease._meta.get_field(name).max_length


def build_record(path, line, data, resolver):
    """Validate and resolve one raw record; raise RecordError listing every problem."""
    problems = []
    refused = set()  # keys whose value was refused: not "missing" as well
    unknown = sorted(set(data) - RECORD_KEYS)
    if unknown:
        problems.append(f"unknown key(s): {', '.join(map(repr, unknown))}")

    def text(key):
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            problem = "must be a string"
        elif (problem := refusal(value)) is None:
            return value.strip()
        problems.append(f"{key!r} {problem}")
        refused.add(key)
        return ""

    def names(key):
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{key!r} must be a list of names")
            return []
        refused_names = [problem for v in value if (problem := refusal(v))]
        if refused_names:
            problems.append(f"{key!r} has a name that {refused_names[0]}")
            return []
        return [v for v in value if v.strip()]

    title = " ".join(text("title").split())
    if not title:
        if "title" not in refused:
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
        if "type" not in refused:
            problems.append("missing type")
    elif release_type is None:
        known = ", ".join(sorted({t.name for t in resolver.types.values()}))
        problems.append(f"unknown type {type_name!r} (known: {known})")

    given_status = (text("status") or "published").casefold()
    status = STATUSES.get(given_status, "")
    if not status:
        problems.append(
            f"bad status {data.get('status')!r} (expected one of {', '.join(STATUSES)})"
        )

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

    language = (text("language") or DEFAULT_LANGUAGE).lower()
    if language not in LANGUAGE_CODES:
        expected = ", ".join(LANGUAGE_CODES)
        problems.append(f"bad language {data.get('language')!r} (expected one of {expected})")

    translation_group = " ".join(text("translation_group").split())
    if len(translation_group) > _field_length("translation_group"):
        length = _field_length("translation_group")
        problems.append(f"translation_group longer than {length} characters")

    summary = text("summary")
    body = sanitize_html(text_to_html(text("body")))

    # A name two nodes had in turn means the one that had it on the record's day.
    day = local_date(published_at) if published_at is not None else None
    links, warnings = resolver.links({key: names(key) for key in RELATIONS}, on=day)

    if problems:
        raise RecordError("; ".join(problems), warnings=warnings)
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
        language=language,
        translation_group=translation_group,
        links={name: frozenset(pks) for name, pks in links.items()},
        warnings=tuple(warnings),
    )
