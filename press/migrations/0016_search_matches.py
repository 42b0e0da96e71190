"""PostgreSQL: a narrow copy of every release's search vector, for finding all matches.

A listing's count and facets need every release a search matches (40% of
the archive for a common word), only their ids. In ``press_pressrelease``
each match is a 2 kB row to visit (21,000 pages for one common word at
100,000 releases: 250 ms); here a row is the id and a pointer to the
vector, stored out of line (``toast_tuple_target``), so all of them fit in
about 700 pages (a few ms). Kept by a trigger after the release's own,
which computes the vector; the row goes with its release.
``press.selection.search_ids`` reads it; ranking and headlines still read
the release's own column.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

FORWARDS = [
    """
    CREATE TABLE press_searchmatch (
        release_id bigint PRIMARY KEY
            REFERENCES press_pressrelease (id) ON DELETE CASCADE,
        search tsvector NOT NULL
    ) WITH (toast_tuple_target = 128);
    """,
    "ALTER TABLE press_searchmatch ALTER COLUMN search SET STORAGE EXTERNAL;",
    """
    CREATE FUNCTION press_searchmatch_keep() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' OR NEW.search IS DISTINCT FROM OLD.search THEN
            INSERT INTO press_searchmatch (release_id, search)
            VALUES (NEW.id, coalesce(NEW.search, ''::tsvector))
            ON CONFLICT (release_id) DO UPDATE SET search = EXCLUDED.search;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER press_searchmatch_trigger AFTER INSERT OR UPDATE ON press_pressrelease
    FOR EACH ROW EXECUTE FUNCTION press_searchmatch_keep();
    """,
    """
    INSERT INTO press_searchmatch (release_id, search)
    SELECT id, coalesce(search, ''::tsvector) FROM press_pressrelease;
    """,
    "CREATE INDEX press_searchmatch_gin ON press_searchmatch USING gin (search);",
    "ANALYZE press_searchmatch;",
]
BACKWARDS = [
    "DROP TRIGGER IF EXISTS press_searchmatch_trigger ON press_pressrelease;",
    "DROP FUNCTION IF EXISTS press_searchmatch_keep();",
    "DROP TABLE IF EXISTS press_searchmatch;",
]


#: SQLite searches its FTS5 table (0006, press/search.py), which is narrow
#: already: the table stays empty there, and exists only so that what walks
#: every model (``dumpdata``) finds it.
SQLITE_FORWARDS = [
    """
    CREATE TABLE press_searchmatch (
        release_id integer NOT NULL PRIMARY KEY
            REFERENCES press_pressrelease (id) ON DELETE CASCADE,
        search text NOT NULL
    );
    """,
]
SQLITE_BACKWARDS = ["DROP TABLE IF EXISTS press_searchmatch;"]


def run(statements, sqlite_statements):
    def apply(apps, schema_editor):
        chosen = statements if schema_editor.connection.vendor == "postgresql" else sqlite_statements
        for statement in chosen:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("press", "0015_listing_clock"),
    ]

    operations = [
        # The model tells Django the table is there (a test database's flush
        # empties it with the releases); only PostgreSQL fills it.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchMatch",
                    fields=[
                        (
                            "release",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="press.pressrelease",
                            ),
                        ),
                        ("search", django.contrib.postgres.search.SearchVectorField()),
                    ],
                    options={"default_permissions": ()},
                ),
            ],
            database_operations=[
                migrations.RunPython(
                    run(FORWARDS, SQLITE_FORWARDS), run(BACKWARDS, SQLITE_BACKWARDS)
                )
            ],
        ),
    ]
