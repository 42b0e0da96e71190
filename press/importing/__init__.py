"""Importing press releases from JSON Lines and plain-text page exports.

Two formats, chosen per file (:mod:`.reading`):

* **JSON Lines** (``.jsonl``/``.json``, or a file whose first non-blank
  character is ``{``): one object per line, see :data:`.record.RECORD_KEYS`.
* **Plain-text page exports** like the seed page (anything else, :mod:`.pages`).

Every record becomes one transaction: a bad record is reported as
``FILE:LINE: reason`` and nothing of it is written; the others go in. An
import is idempotent: a record is matched to the release it was imported as
(by ``source_url``, else by explicit ``slug``, else by title and local
publication date, :mod:`.matching`) and that release is updated only when
something differs (:mod:`.writing`).

Resolving names is dictionary work (:mod:`.tags`): one
:class:`~taxonomy.naming.NameIndex` per tree is built per run, and the
releases a batch of records may match are fetched in one query (and their
links in one light query per link table) per batch. A new release costs its
INSERT, the model's own save work and one INSERT per link table that has
links; nothing is read back. What happened is told by :mod:`.report`.
"""

from .pages import parse_human_date, parse_page, split_dateline
from .reading import detect_format, read_jsonl, read_page
from .record import RECORD_KEYS, Record, RecordError, build_record, normalize_place
from .report import ImportReport, Outcome
from .tags import Resolver
from .writing import Importer, import_files

__all__ = [
    "RECORD_KEYS",
    "ImportReport",
    "Importer",
    "Outcome",
    "Record",
    "RecordError",
    "Resolver",
    "build_record",
    "detect_format",
    "import_files",
    "normalize_place",
    "parse_human_date",
    "parse_page",
    "read_jsonl",
    "read_page",
    "split_dateline",
]
