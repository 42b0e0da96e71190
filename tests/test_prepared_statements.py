"""PostgreSQL plans a statement once per connection: parameters bound by the
server, a statement run twice kept prepared (``DATABASE_PREPARED_STATEMENTS``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from .conftest import make_release, requires_postgres

ROOT = Path(__file__).resolve().parent.parent


def database_options(**env):
    """The default database's OPTIONS as the settings build them from ``env``."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",
             "DATABASE_PREPARED_STATEMENTS", "DJANGO_SETTINGS_MODULE")}  # fmt: skip
    clean.update(DJANGO_LOCAL="1", DJANGO_SETTINGS_MODULE="osce_cms.settings", **env)
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}), default=str))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_postgresql_prepares_statements_unless_told_not_to():
    url = "postgres://postgres@127.0.0.1:5432/unused"
    on = database_options(DATABASE_URL=url)
    assert on["server_side_binding"] is True and on["prepare_threshold"] == 2
    off = database_options(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="0")
    assert "server_side_binding" not in off and "prepare_threshold" not in off
    # SQLite has nothing of the kind.
    assert "server_side_binding" not in database_options(SQLITE_PATH="/tmp/unused.sqlite3")


def prepared(fragment):
    """This connection's prepared statements whose text holds ``fragment``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if fragment in row[0]]


@requires_postgres
@pytest.mark.django_db
def test_a_release_page_run_twice_is_planned_once(client, taxonomy, settings):
    settings.PAGE_CACHE_ENABLED = False  # each request reads the database
    release = make_release(title="Prepared once")
    url = release.get_absolute_url()
    assert client.get(url).status_code == 200
    # Positive control: a statement run once is not prepared.
    assert prepared('"press_pressrelease"."slug" = $') == []
    for _ in range(2):
        assert client.get(url).status_code == 200
    assert prepared('"press_pressrelease"."slug" = $') != []
    # The page is the same, whether the statement was prepared or not.
    assert b"Prepared once" in client.get(url).content


def plan_cache_mode():
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@requires_postgres
@pytest.mark.django_db
def test_the_read_model_is_refreshed_with_plans_for_its_own_values(taxonomy):
    """A refresh's statements, over thousands of releases at once, are never run from a
    plan made for any values (100,000 demo releases took minutes longer that way)."""
    from press import listing_model

    release = make_release(title="Refreshed")  # its save refreshed already: undo that
    with connection.cursor() as cursor:
        cursor.execute("RESET plan_cache_mode")
    assert plan_cache_mode() == "auto"  # positive control: the connection's default
    listing_model.refresh([release.pk])
    # SET LOCAL: for the rest of the transaction the refresh ran in (here the test's).
    assert plan_cache_mode() == "force_custom_plan"
