from django.db import migrations

# Search in each release's own language (PostgreSQL; SQLite's FTS5 index of
# 0006 stems English only and folds accents itself).
#
# One text-search configuration per language, osce_<code>, a copy of
# PostgreSQL's built-in one with accents folded before stemming, so a reader
# typing without them finds the word written with them ("election" finds
# "élection", "Wahler" finds "Wähler", "елка" finds "ёлка"):
#
#   word, hword, hword_part  ->  osce_<code>_stop, unaccent, <language>_stem
#
# osce_<code>_stop is a `simple` dictionary that only drops the language's
# stop words (ACCEPT = false passes every other word on): it runs before
# unaccent so that accented stop words ("à", "été") are still dropped, as the
# stemmer would have dropped them. ASCII words keep the built-in mapping
# (nothing to unaccent).
#
# The trigger of 0003 stays (BEFORE INSERT OR UPDATE, any column, so a change
# of language re-indexes the row too); its function now picks the release's
# configuration from NEW.language, osce_en for a code it does not know. The
# CASE is this migration's frozen copy of press.languages.SEARCH_CONFIGS, the
# mapping queries use; tests check the two agree.
#
# The unaccent extension must be creatable by the user that runs migrations
# (a superuser, or the database owner on PostgreSQL 13+ where it is trusted),
# or be created beforehand by one.
LANGUAGES = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "ru": "russian",
    "es": "spanish",
}


def config_sql(code, language):
    return [
        f"""
        CREATE TEXT SEARCH DICTIONARY osce_{code}_stop (
            TEMPLATE = pg_catalog.simple, STOPWORDS = {language}, ACCEPT = false
        );
        """,
        f"CREATE TEXT SEARCH CONFIGURATION osce_{code} (COPY = pg_catalog.{language});",
        f"""
        ALTER TEXT SEARCH CONFIGURATION osce_{code}
            ALTER MAPPING FOR hword, hword_part, word
            WITH osce_{code}_stop, unaccent, pg_catalog.{language}_stem;
        """,
    ]


def update_function(config):
    """The trigger's function, ``config`` an SQL expression of type regconfig."""
    return f"""
    CREATE OR REPLACE FUNCTION press_pressrelease_search_update() RETURNS trigger AS $$
    DECLARE
        config regconfig := {config};
    BEGIN
        NEW.search :=
            setweight(to_tsvector(config, coalesce(NEW.title, '')), 'A') ||
            setweight(to_tsvector(config, coalesce(NEW.summary, '')), 'B') ||
            setweight(to_tsvector(config,
                regexp_replace(coalesce(NEW.body, ''), '<[^>]*>', ' ', 'g')), 'C');
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """


CONFIG_OF_LANGUAGE = (
    "CASE NEW.language "
    + " ".join(f"WHEN '{code}' THEN 'osce_{code}'::regconfig" for code in LANGUAGES)
    + " ELSE 'osce_en'::regconfig END"
)
# Every row's vector again, by its trigger (title = title is a write like any other).
REINDEX = "UPDATE press_pressrelease SET title = title;"

FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent;",
    *(sql for code, language in LANGUAGES.items() for sql in config_sql(code, language)),
    update_function(CONFIG_OF_LANGUAGE),
    REINDEX,
]
# Back to 0003's English vectors. The unaccent extension stays: it may have
# been there before, and other objects may use it.
BACKWARDS = [
    update_function("'english'::regconfig"),
    REINDEX,
    *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS osce_{code};" for code in LANGUAGES),
    *(f"DROP TEXT SEARCH DICTIONARY IF EXISTS osce_{code}_stop;" for code in LANGUAGES),
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite has its own FTS5 index (0006, press/search.py)
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("press", "0010_languages"),
    ]

    operations = [
        migrations.RunPython(run(FORWARDS), run(BACKWARDS)),
    ]
