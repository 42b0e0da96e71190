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
the vector out: a row is 87 bytes, and finding every match of a common word
reads about 1,100 pages instead (``elections``, 6% of the releases: 3,700
pages before). The trigger now writes the pad whole on an update too (a
release first saved with a short vector, which stayed in its row, would
otherwise keep the next one there as well).

The existing rows are written anew by one UPDATE: it locks rows, not the
table, so searches go on reading the old rows while it runs (a release saved
meanwhile waits for it to commit: about ten seconds at 100,000 releases).
Then a VACUUM (outside a transaction: this migration is not atomic, and
each step can be run again) takes the old row versions out of the table and
its index, without locking either.

A query that must read the vectors themselves (a phrase, ``"human rights"``,
checked against each candidate's positions) reads them from the TOAST table
instead of the row: about as slow as before, when half of them were there.
"""

from django.db import migrations

KEEP = """
    CREATE OR REPLACE FUNCTION press_searchmatch_keep() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.search IS DISTINCT FROM OLD.search THEN
            INSERT INTO press_searchmatch (release_id, search)
            VALUES (NEW.id, coalesce(NEW.search, ''::tsvector))
            ON CONFLICT (release_id) DO UPDATE
                SET search = EXCLUDED.search%s;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql;
"""

FORWARDS = [
    "ALTER TABLE press_searchmatch ADD COLUMN IF NOT EXISTS pad text DEFAULT repeat(' ', 2100);",
    # EXCLUDED.pad is the default, whole: every new row version goes to the toaster.
    KEEP % ", pad = EXCLUDED.pad",
    "UPDATE press_searchmatch SET pad = DEFAULT;",
    "VACUUM ANALYZE press_searchmatch;",
]
BACKWARDS = [KEEP % "", "ALTER TABLE press_searchmatch DROP COLUMN pad;"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite searches its FTS5 table; this one stays empty there
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction

    dependencies = [
        ("press", "0016_search_matches"),
    ]

    operations = [migrations.RunPython(run(FORWARDS), run(BACKWARDS))]
