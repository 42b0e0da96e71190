"""Reading import files: each yields (line number, raw record dict or RecordError)."""

import json
from pathlib import Path

from .pages import parse_page
from .record import RecordError


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
            except RecursionError:
                yield number, RecordError("invalid JSON: nested too deeply")
                continue
            except ValueError as exc:  # e.g. an integer of more digits than Python converts
                yield number, RecordError(f"invalid JSON: {exc}")
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
