"""Plain-text page exports like the seed page.

Navigation, then a type line ("Press release"), the title, ``- Date:``/
``- Place:``/``- Source:`` lines and the body, one paragraph per line, the
first one opening with a dateline ("STRASBOURG, 17 May 2024 - ").
"""

import datetime as dt
import html
import re

from .record import RecordError

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
