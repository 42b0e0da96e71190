"""Full-text search on SQLite: an FTS5 index spoken to in PostgreSQL's words.

PostgreSQL searches the trigger-kept weighted ``tsvector`` (migrations 0003
and 0011), built and queried with the configuration of the release's
language (``press.languages.SEARCH_CONFIGS``: each language's stemmer, with
accents folded). SQLite's fallback is English only: the ``porter`` stemmer
below stems English words, whatever the language of the release or the page
(a Russian or German inflection is not found from another form), and the
English stop words are left out of queries on English pages only, since on
other pages they are words ("die", "son", "no"). SQLite gets the rest of
PostgreSQL's behaviour from FTS5, which every Python build ships:

- the same query syntax as ``websearch_to_tsquery``: words are ANDed,
  ``"quoted phrases"``, ``-exclusion``, ``or`` between terms (AND binds
  tighter: "a b or c" is "(a b) or c");
- the same stop words on English pages (PostgreSQL's ``english.stop``): a
  query made only of them ("a", "the") matches nothing, as on PostgreSQL,
  instead of everything;
- stemming by the ``porter`` tokenizer (PostgreSQL's english config is
  Snowball's Porter 2: "trafficking" and "trafficked" are both "traffick"),
  and accents folded by ``unicode61 remove_diacritics 2`` ("Niksic" finds
  "Nikšić", as ``unaccent`` in PostgreSQL's configurations does);
- bm25 ranking weighted title 1.0 > summary 0.4 > body 0.2, the defaults
  ``ts_rank`` gives the A/B/C weights of the PostgreSQL vector;
- ``snippet()`` headlines marked with \\x02/\\x03 like ``ts_headline``.

The user's text never reaches FTS5's query language: it is cut into words
here and every word is sent as a quoted string, so no input (quotes, ``*``,
``NEAR``, ``title:``, parentheses) can be a syntax error.

The index is the FTS5 table ``press_pressrelease_fts``, kept by triggers on
``press_pressrelease`` (see ``INDEX_SQL``), so every write path keeps it
true: ``save()``, ``bulk_create`` (the demo seeder), ``QuerySet.update()``,
deletes. It is an FTS5 table with its own copy of the text, not an
external-content one: the body is indexed as text, not HTML, and an
external-content index can only delete a row by replaying exactly the text
it indexed, which would tie the index to every version of the tag stripper.
The body is stripped by ``press_html_text()``, a Python function registered
on every SQLite connection Django opens (``register_functions``): the same
rule as PostgreSQL's ``regexp_replace(body, '<[^>]*>', ' ')``, plus HTML
entities decoded. A write from outside Django (the ``sqlite3`` shell) fails
loudly with "no such function" rather than leaving the index stale.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import F, FloatField, Func, Lookup, TextField, Value

from . import languages

TABLE = "press_pressrelease_fts"
RELEASE_TABLE = "press_pressrelease"
#: Title > summary > body, as ts_rank's default weights for A, B and C.
WEIGHTS = (1.0, 0.4, 0.2)
#: Enough for any real query; a pasted paragraph is cut, not refused.
MAX_TERMS = 16
MAX_WORDS_IN_PHRASE = 16
SNIPPET_TOKENS = 30

#: PostgreSQL's english.stop (Snowball), so both databases ignore the same words
#: on English pages (``STOP_WORDS_LANGUAGE``); other pages leave no word out.
STOP_WORDS_LANGUAGE = "en"
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what
    which who whom this that these those am is are was were be been being have has had
    having do does did doing a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how
    all any both each few more most other some such no nor not only own same so than too
    very s t can will just don should now
    """.split()  # noqa: SIM905 - the list as PostgreSQL prints it, one block
)

# unicode61 keeps letters and digits together and splits on everything else
# (the underscore included); FTS5 folds case and diacritics itself.
_WORD = re.compile(r"[^\W_]+")
# A quoted phrase (its closing quote optional, like websearch_to_tsquery's),
# or a run of anything up to a space or a quote.
_CHUNK = re.compile(r'(?P<neg>-*)"(?P<phrase>[^"]*)"?|(?P<chunk>[^\s"]+)')
_TAG = re.compile(r"<[^>]*>")


# --- the query -------------------------------------------------------------
@dataclass(frozen=True)
class Conjunction:
    """Phrases that must all occur (``required``) and none of ``excluded``.

    A phrase is a tuple of words that must follow one another.
    """

    required: tuple = ()
    excluded: tuple = ()


@dataclass(frozen=True)
class ParsedQuery:
    """A visitor's query, ready to become FTS5 expressions built only from quoted words.

    ``alternatives`` are ORed conjunctions: ``websearch_to_tsquery`` binds
    AND tighter than "or" ("training border or water" is "(training and
    border) or water"). ``ignored`` are the stop words left out.
    """

    alternatives: tuple = ()
    ignored: tuple = field(default=())

    @property
    def match(self):
        """The MATCH expression, or None when no alternative requires a word."""
        # FTS5 cannot say "not x" alone: an alternative made only of
        # exclusions inside an "or" is left out ("zz or -y" is "zz").
        parts = [_conjunction(c) for c in self.alternatives if c.required]
        return " OR ".join(parts) or None

    @property
    def exclusion(self):
        """Every excluded phrase ORed (for a query of exclusions only), or None."""
        return " OR ".join(_phrase(p) for c in self.alternatives for p in c.excluded) or None


def _phrase(words):
    # Words are runs of letters and digits: nothing in them needs escaping.
    return '"' + " ".join(words) + '"'


def _conjunction(conjunction):
    sql = "(" + " AND ".join(_phrase(p) for p in conjunction.required) + ")"
    if conjunction.excluded:
        sql = f"({sql} NOT ({' OR '.join(_phrase(p) for p in conjunction.excluded)}))"
    return sql


def parse(text, language=None):
    """Read ``text`` with ``websearch_to_tsquery``'s rules. Never raises.

    English stop words are left out only when ``language`` (the page's when
    None) is English: elsewhere "die", "son" or "no" are words to find.
    """
    text = unicodedata.normalize("NFC", str(text or ""))
    english = (language or languages.current()) == STOP_WORDS_LANGUAGE
    stop_words = STOP_WORDS if english else frozenset()
    alternatives, ignored = [Conjunction()], []
    terms = 0
    for m in _CHUNK.finditer(text):
        if m["chunk"] is not None:
            chunk = m["chunk"]
            negated = chunk.startswith("-")
            if chunk.lower() == "or":
                # Starts the next alternative; leading, trailing or doubled,
                # it is ignored (an empty alternative is dropped below).
                alternatives.append(Conjunction())
                continue
        else:
            chunk, negated = m["phrase"], bool(m["neg"])
        words = tuple(_WORD.findall(chunk))[:MAX_WORDS_IN_PHRASE]
        if not words:
            continue  # punctuation only
        if all(w.lower() in stop_words for w in words):
            ignored += [w.lower() for w in words if w.lower() not in ignored]
            continue
        terms += 1
        if terms > MAX_TERMS:
            break
        current = alternatives[-1]
        if negated:
            alternatives[-1] = Conjunction(current.required, (*current.excluded, words))
        else:
            alternatives[-1] = Conjunction((*current.required, words), current.excluded)
    return ParsedQuery(
        alternatives=tuple(c for c in alternatives if c.required or c.excluded),
        ignored=tuple(ignored),
    )


def only_common_words(text):
    """The words of ``text`` when all of them are stop words (so it finds nothing), else []."""
    query = parse(text)
    return [] if query.alternatives else list(query.ignored)


# --- the index's model and expressions ---------------------------------------
class FullTextDocument(TextField):
    """FTS5's hidden column named after its table: the left side of MATCH and
    the first argument of ``bm25()`` and ``snippet()``."""


@FullTextDocument.register_lookup
class Match(Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class ReleaseSearchDocument(models.Model):
    """One row of the SQLite full-text index of releases (read-only: triggers write it).

    Unmanaged: the migration creates the FTS5 table on SQLite only. It exists
    so a queryset of releases can join the index.

    The join goes through ``release_id``, a stored copy of the rowid that
    FTS5 cannot seek by, not through the rowid itself: offered a rowid
    lookup, SQLite's planner walks the releases (by date) and runs the whole
    MATCH again for each one, seconds for a common word at 10,000 releases.
    Joined this way, the MATCH runs once and each hit is looked up by primary
    key.
    """

    release = models.OneToOneField(
        "press.PressRelease",
        primary_key=True,
        db_column="release_id",
        db_constraint=False,
        on_delete=models.DO_NOTHING,  # the delete trigger removes the row
        related_name="search_document",
    )
    document = FullTextDocument(db_column=TABLE, editable=False)

    class Meta:
        managed = False
        db_table = TABLE
        default_permissions = ()
        ordering = ["release"]
        verbose_name = "release search document"

    def __str__(self):
        return f"search document of release {self.release_id}"


DOCUMENT = "search_document__document"


class Bm25Rank(Func):
    """Higher is better, like ``ts_rank`` (FTS5's bm25 is lower-is-better)."""

    function = "bm25"
    template = "(-%(function)s(%(expressions)s))"
    output_field = FloatField()

    def __init__(self):
        super().__init__(F(DOCUMENT), *(Value(w) for w in WEIGHTS))


class Headline(Func):
    """The summary's best fragment with the query's words marked, else the body's.

    Like PostgreSQL's headline over "summary body": a release found by its
    title alone shows the start of its summary (or body), unmarked.
    """

    output_field = TextField()

    def __init__(self):
        super().__init__(F(DOCUMENT))

    def as_sql(self, compiler, connection, **extra):
        document, params = compiler.compile(self.source_expressions[0])

        def snippet(column):
            return f"snippet({document}, {column}, char(2), char(3), char(8230), {SNIPPET_TOKENS})"

        summary, body = snippet(1), snippet(2)
        sql = (
            f"CASE WHEN instr({summary}, char(2)) THEN {summary}"
            f" WHEN instr({body}, char(2)) THEN {body}"
            f" ELSE coalesce(nullif({summary}, ''), {body}) END"
        )
        return sql, list(params) * sql.count(document)


def search(queryset, text):
    """``queryset`` narrowed to releases matching ``text``, annotated with ``rank``."""
    query = parse(text)
    if query.match:
        return queryset.filter(**{f"{DOCUMENT}__match": query.match}).annotate(rank=Bm25Rank())
    if query.exclusion:
        # Only exclusions ("-elections"): everything else, as on PostgreSQL.
        matching = ReleaseSearchDocument.objects.filter(document__match=query.exclusion)
        return queryset.exclude(pk__in=matching.values("release_id")).annotate(rank=Value(0.0))
    return queryset.none().annotate(rank=Value(0.0))


def with_headlines(queryset, text):
    """``queryset`` (already narrowed by ``search(text)``) with a ``headline`` each."""
    # snippet() only works in the query that runs the MATCH: without the
    # index joined (a query of exclusions only), there is nothing to mark.
    if not parse(text).match or TABLE not in queryset.query.alias_map:
        return queryset
    return queryset.annotate(headline=Headline())


# --- keeping the index -------------------------------------------------------
def html_text(value):
    """The words of an HTML body: tags become spaces, entities characters."""
    if not value:
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", str(value))).split())


def register_functions(sender, connection, **kwargs):
    """``connection_created`` receiver: give every SQLite connection ``press_html_text``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("press_html_text", 1, html_text, deterministic=True)


_COLUMNS = "rowid, title, summary, body, release_id"
_VALUES = "{row}.id, {row}.title, {row}.summary, press_html_text({row}.body), {row}.id"

#: The index and the triggers that keep it, each statement idempotent.
INDEX_SQL = [
    f"""
    CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(
        title, summary, body, release_id UNINDEXED,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON {RELEASE_TABLE}
    BEGIN
        INSERT INTO {TABLE} ({_COLUMNS}) VALUES ({_VALUES.format(row="new")});
    END
    """,
    # Only a change to the indexed text rewrites the row (publishing does not).
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_update AFTER UPDATE ON {RELEASE_TABLE}
    WHEN new.id IS NOT old.id OR new.title IS NOT old.title
        OR new.summary IS NOT old.summary OR new.body IS NOT old.body
    BEGIN
        DELETE FROM {TABLE} WHERE rowid = old.id;
        INSERT INTO {TABLE} ({_COLUMNS}) VALUES ({_VALUES.format(row="new")});
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON {RELEASE_TABLE}
    BEGIN
        DELETE FROM {TABLE} WHERE rowid = old.id;
    END
    """,
]
TRIGGERS = (f"{TABLE}_insert", f"{TABLE}_update", f"{TABLE}_delete")
DROP_SQL = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS] + [
    f"DROP TABLE IF EXISTS {TABLE}"
]
REBUILD_SQL = [
    f"DELETE FROM {TABLE}",
    f"INSERT INTO {TABLE} ({_COLUMNS}) SELECT {_VALUES.format(row=RELEASE_TABLE)}"
    f" FROM {RELEASE_TABLE}",
]


def install_index(connection):
    """Create the index and its triggers, and fill it from the releases."""
    register_functions(None, connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
        if not cursor.fetchone()[0]:
            raise ImproperlyConfigured(
                "This Python's SQLite lacks FTS5, which search needs: use a Python "
                "whose sqlite3 has it (python.org, Debian and Homebrew builds do) "
                "or PostgreSQL."
            )
        for statement in INDEX_SQL + REBUILD_SQL:
            cursor.execute(statement)


def drop_index(connection):
    with connection.cursor() as cursor:
        for statement in DROP_SQL:
            cursor.execute(statement)


def repair_index(connection):
    """Put back triggers a table rebuild dropped, and refill the index if it drifted.

    SQLite alters a table by copying it to a new one and dropping the old,
    and the old table's triggers go with it: a later migration that alters
    ``press_pressrelease`` would silently stop the index being kept. Run
    after every ``migrate`` (``post_migrate``); cheap when all is well.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
            [TABLE, *TRIGGERS],
        )
        present = {name for _type, name in cursor.fetchall()}
        if TABLE not in present:
            return  # the migration that creates it has not run (or was reversed)
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {TABLE}) = (SELECT count(*) FROM {RELEASE_TABLE})"  # noqa: S608 - constant names
        )
        in_step = cursor.fetchone()[0]
    if not in_step or not present.issuperset(TRIGGERS):
        install_index(connection)


def repair_after_migrate(sender, using, **kwargs):
    """``post_migrate`` receiver for the press app."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        repair_index(connection)
