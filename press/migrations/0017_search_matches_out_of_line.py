"""PostgreSQL: every search vector of ``press_searchmatch`` stored out of line, as 0016 meant.

0016 asked for vectors out of line (``toast_tuple_target = 128``, storage
EXTERNAL), but PostgreSQL only hands a row to its toaster when the row is
longer than about 2 kB (``TOAST_TUPLE_THRESHOLD``) or carries a value that is
out of line already; the target then says how far to shrink it. A release's
vector is about 900 bytes: only the vectors copied from a release row long
enough to be toasted went out of line, and at 100,000 releases the table
kept 5,400 pages, where a common word's matches were read from 3,700.

A ``pad`` column whose default is 2,100 spaces makes every new row long
enough for the toaster, which then compresses the pad to 35 bytes and moves
the vector out: a row is 87 bytes, the table about 1,100 pages, and finding
every match of a common word reads those instead (``elections``, 6% of the
releases: 3,700 pages and 7.9 ms, then 1,100 and about 3 ms). Rows the
trigger rewrites stay out of line (a row with a value out of line is always
toasted again). The rows there are now written anew, in one statement.

A query that must read the vectors themselves (a phrase, ``"human rights"``,
checked against each candidate's positions) reads them from the TOAST table
instead of the row: about as slow as before, when half of them were there.
"""

from django.db import migrations

FORWARDS = [
    "ALTER TABLE press_searchmatch ADD COLUMN pad text DEFAULT repeat(' ', 2100);",
    # Written anew, so every row goes through the toaster (a fresh heap, no
    # dead rows; the index built once after).
    "DROP INDEX press_searchmatch_gin;",
    "TRUNCATE press_searchmatch;",
    """
    INSERT INTO press_searchmatch (release_id, search)
    SELECT id, coalesce(search, ''::tsvector) FROM press_pressrelease;
    """,
    "CREATE INDEX press_searchmatch_gin ON press_searchmatch USING gin (search);",
    "ANALYZE press_searchmatch;",
]
BACKWARDS = ["ALTER TABLE press_searchmatch DROP COLUMN pad;"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite searches its FTS5 table; this one stays empty there
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("press", "0016_search_matches"),
    ]

    operations = [migrations.RunPython(run(FORWARDS), run(BACKWARDS))]
