"""No data is lost: not by concurrent tree writes, an interrupted import or closing a node.

The PostgreSQL tests run real separate processes (tests/workers/, and
manage.py) against the test database, so they are transactional: the data
the children need is committed before they start.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.text import slugify

from press.models import PressRelease
from taxonomy.integrity import tree_problems
from taxonomy.models import Country, Meeting, Structure, Topic

from .conftest import make_release, requires_postgres

ROOT = Path(settings.BASE_DIR)
WORKERS = Path(__file__).resolve().parent / "workers"
LINK_RELATIONS = ("topics", "countries", "structures", "sources", "meetings")


def in_separate_processes(test):
    """PostgreSQL only; transactional, so that children see the committed test data."""
    for mark in (
        pytest.mark.usefixtures("taxonomy"),
        pytest.mark.django_db(transaction=True),
        requires_postgres,
    ):
        test = mark(test)
    return test


# --- Helpers ----------------------------------------------------------------------


def child_env():
    """The environment of a child process that works on this test's database."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=f"postgres://{user}{password}@{host}:{port}/{db['NAME']}",
        PYTHONUNBUFFERED="1",
    )
    return env


def release_links(release_pks):
    """Every (relation, release pk, node pk) link of these releases, read from the link tables."""
    release_pks = list(release_pks)
    links = set()
    for name in LINK_RELATIONS:
        field = PressRelease._meta.get_field(name)
        through = field.remote_field.through
        own = through._meta.get_field(field.m2m_field_name()).attname
        other = through._meta.get_field(field.m2m_reverse_field_name()).attname
        rows = through.objects.filter(**{f"{own}__in": release_pks}).values_list(own, other)
        links.update((name, release_pk, node_pk) for release_pk, node_pk in rows)
    return links


def assert_trees_intact():
    for model in (Topic, Country, Structure, Meeting):
        assert tree_problems(model) == [], model.__name__
    out = StringIO()
    call_command("check_trees", stdout=out, stderr=out)  # raises CommandError if broken
    assert "BROKEN" not in out.getvalue()


# --- 1. Trees under concurrent writes from several processes -------------------------

CHURN_PROCESSES = 4
CHURN_SECONDS = 8


@in_separate_processes
def test_concurrent_processes_lose_no_node_and_no_release_link():
    churned = (Topic, Country, Structure)
    topics = list(Topic.objects.values_list("slug", flat=True))
    countries = list(Country.objects.exclude(iso_code="").values_list("slug", flat=True))
    structures = list(Structure.objects.values_list("slug", flat=True))
    releases = [
        make_release(
            f"Linked release {n}",
            tags={
                "topics": [topics[n % len(topics)], topics[(3 * n + 1) % len(topics)]],
                "countries": [countries[(7 * n) % len(countries)]],
                "structures": [structures[(5 * n) % len(structures)]],
                "sources": [structures[(5 * n) % len(structures)]],
            },
        )
        for n in range(30)
    ]
    links = release_links(r.pk for r in releases)
    assert len(links) >= 30 * 4
    before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in churned}
    assert_trees_intact()

    children = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKERS / "tree_churn.py"),
                "--seconds",
                str(CHURN_SECONDS),
                "--seed",
                str(seed),
            ],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(1, CHURN_PROCESSES + 1)
    ]
    results = []
    for child in children:
        try:
            out, err = child.communicate(timeout=CHURN_SECONDS + 60)
        except subprocess.TimeoutExpired:
            for other in children:
                other.kill()
            raise
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    # The children did work, and work that raced: not a sequential no-op.
    assert all(r["operations"] > 10 for r in results), results
    assert sum(r["moves"] + r["reparents"] for r in results) > 0, results
    assert_trees_intact()
    for model in churned:
        inserted = sum(r["inserts"][model.__name__] for r in results)
        after = set(model._base_manager.values_list("pk", flat=True))
        assert before[model] <= after, f"{model.__name__} lost {before[model] - after}"
        assert len(after) == len(before[model]) + inserted, model.__name__
        churn_names = model._base_manager.filter(slug__startswith="churn-").count()
        assert churn_names == inserted, model.__name__
    assert PressRelease.objects.filter(pk__in=[r.pk for r in releases]).count() == 30
    assert release_links(r.pk for r in releases) == links


def test_a_move_next_to_a_target_moved_meanwhile_keeps_the_tree_intact(taxonomy):
    """What a writer that waited for the tree lock meets: its target was moved meanwhile.

    Deterministic, in one process: the stale instance is the one a concurrent
    writer holds while it waits for the lock. mptt takes the new parent of a
    left/right move from ``target.parent``, so the target's parent must be
    read again under the lock, not only its lft/rght.
    """
    stale_target = Structure.objects.get(slug="conflict-prevention-centre")
    # Another writer moves the target one level down (under a sibling).
    Structure.objects.move_node(
        Structure.objects.get(slug="conflict-prevention-centre"),
        Structure.objects.get(slug="secretary-general"),
        "last-child",
    )
    # This writer puts a unit next to it, from what it read before.
    unit = Structure.objects.get(slug="gender-issues-programme")
    Structure.objects.move_node(unit, stale_target, "left")

    assert tree_problems(Structure) == []
    assert Structure.objects.get(slug="gender-issues-programme").parent.slug == "secretary-general"


def test_a_move_to_the_left_of_a_node_under_another_parent_lands_there(taxonomy):
    """Not lost, but misplaced: "left of" must not become "last child of the parent"."""
    Structure.objects.move_node(
        Structure.objects.get(slug="gender-issues-programme"),
        Structure.objects.get(slug="troika"),
        "left",
    )
    assert tree_problems(Structure) == []
    unit = Structure.objects.get(slug="gender-issues-programme")
    assert unit.parent.slug == "chairpersonship"
    assert unit.get_next_sibling().slug == "troika"


# --- 2. An interrupted import leaves no half record; a rerun completes it -------------

IMPORT_RECORDS = 3000
KILL_AFTER = 200
URL_PREFIX = "https://www.osce.org/test-interrupted-import/"
SUMMARY = re.compile(r"created (\d+), updated (\d+), unchanged (\d+), failed (\d+)")


def write_records(path):
    """``IMPORT_RECORDS`` records by name; return {source_url: expected links by pk}."""
    topics = list(Topic.objects.values_list("pk", "name"))
    countries = list(Country.objects.exclude(iso_code="").values_list("pk", "name"))
    structures = list(Structure.objects.filter(level__gt=0).values_list("pk", "name"))
    expected = {}
    with path.open("w", encoding="utf-8") as file:
        for n in range(IMPORT_RECORDS):
            first, second = (
                topics[n % len(topics)],
                topics[(n // len(topics) + n + 1) % len(topics)],
            )
            if first == second:
                second = topics[(n + 2) % len(topics)]
            country = countries[(7 * n) % len(countries)]
            structure = structures[(3 * n) % len(structures)]
            url = f"{URL_PREFIX}{n}"
            record = {
                "title": f"Interrupted import record {n:04d}",
                "date": f"{2016 + n % 9}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "type": "Press release",
                "place": "Vienna",
                "topics": [first[1], second[1]],
                "countries": [country[1]],
                "structures": [structure[1]],
                "summary": f"Summary of record {n}.",
                "body": f"First paragraph of record {n}.\n\nSecond paragraph.",
                "source_url": url,
            }
            file.write(json.dumps(record) + "\n")
            expected[url] = {
                ("topics", first[0]),
                ("topics", second[0]),
                ("countries", country[0]),
                ("structures", structure[0]),
            }
    return expected


def imported_links():
    """{source_url: {(relation, node pk)}} of every release this test imported."""
    releases = dict(
        PressRelease.objects.filter(source_url__startswith=URL_PREFIX).values_list(
            "pk", "source_url"
        )
    )
    found = {url: set() for url in releases.values()}
    for relation, release_pk, node_pk in release_links(releases):
        found[releases[release_pk]].add((relation, node_pk))
    return found


KILLED_APP = "killed-import"


def wait_for_backend_gone(application_name, timeout=60):
    """Wait until the server has ended a killed client's session.

    A COMMIT already sent may still complete after the client died; only once
    its backend is gone is what the database holds final.
    """
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [application_name],
            )
            if cursor.fetchone()[0] == 0:
                return
            assert time.monotonic() < deadline, "the killed import's session never ended"
            time.sleep(0.05)


def import_command(path):
    return [sys.executable, str(ROOT / "manage.py"), "import_press_releases", str(path)]


def run_import(path):
    done = subprocess.run(
        import_command(path), cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    created, updated, unchanged, failed = map(int, SUMMARY.search(done.stdout).groups())
    return {"created": created, "updated": updated, "unchanged": unchanged, "failed": failed}


def imported_count():
    # A fresh statement each time: at READ COMMITTED it sees every commit made before it.
    return PressRelease.objects.filter(source_url__startswith=URL_PREFIX).count()


@in_separate_processes
def test_a_killed_import_leaves_no_half_record_and_a_rerun_completes_it(tmp_path):
    path = tmp_path / "many.jsonl"
    expected = write_records(path)
    assert len(expected) == IMPORT_RECORDS

    # An uncommitted release, in this test's transaction, holding the slug of the
    # last record: the import blocks on that record, so it cannot finish before
    # the kill however slowly this loop polls, and the kill lands inside a
    # record's transaction. Each count below is a fresh statement (and snapshot).
    with transaction.atomic():
        last = f"Interrupted import record {IMPORT_RECORDS - 1:04d}"
        # A draft: it holds the slug, but no public total, which every
        # import record's transaction would otherwise wait for.
        make_release(
            last, status="draft", slug=slugify(last), source_url="https://blocker.example.org/"
        )
        child = subprocess.Popen(
            import_command(path),
            cwd=ROOT,
            env={**child_env(), "PGAPPNAME": KILLED_APP},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while imported_count() < KILL_AFTER:
                assert child.poll() is None, "the import ended before it could be interrupted"
                assert time.monotonic() < deadline, "the import never got going"
                time.sleep(0.005)
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(timeout=30)
        transaction.set_rollback(True)
    assert child.returncode == -signal.SIGKILL
    wait_for_backend_gone(KILLED_APP)

    partial = imported_links()
    assert KILL_AFTER <= len(partial) < IMPORT_RECORDS, len(partial)
    incomplete = {url: links for url, links in partial.items() if links != expected[url]}
    assert incomplete == {}, "half-imported records"

    second = run_import(path)
    assert second == {
        "created": IMPORT_RECORDS - len(partial),
        "updated": 0,
        "unchanged": len(partial),
        "failed": 0,
    }
    releases = PressRelease.objects.filter(source_url__startswith=URL_PREFIX)
    assert releases.count() == IMPORT_RECORDS
    assert releases.values("source_url").distinct().count() == IMPORT_RECORDS
    assert imported_links() == expected

    third = run_import(path)
    assert third == {"created": 0, "updated": 0, "unchanged": IMPORT_RECORDS, "failed": 0}
    assert releases.count() == IMPORT_RECORDS


# --- 3. Closing a field operation keeps its releases reachable ------------------------


@pytest.mark.usefixtures("taxonomy")
def test_closing_a_field_operation_keeps_its_releases_reachable(client):
    operation = Structure.objects.get(slug="mission-to-moldova")
    assert operation.is_active
    release = make_release(
        "Mission to Moldova final report",
        tags={"structures": ["mission-to-moldova"], "sources": ["mission-to-moldova"]},
    )
    listing = "/press/?structure=mission-to-moldova"
    node_page = operation.get_absolute_url()
    # Seen once while open: cached pages must not hide the change either.
    for url in (listing, node_page, release.get_absolute_url()):
        assert client.get(url).status_code == 200

    operation.is_active = False
    operation.save()

    operation.refresh_from_db()
    assert not operation.is_active
    response = client.get(listing)
    assert response.status_code == 200
    page = response.content.decode()
    assert release.title in page and 'data-result-count="1"' in page
    response = client.get(node_page)
    assert response.status_code == 200
    page = response.content.decode()
    assert release.title in page and 'data-result-count="1"' in page
    assert re.search(r'<h1>Mission to Moldova <span class="badge">closed</span></h1>', page)
    response = client.get(release.get_absolute_url())
    assert response.status_code == 200
    assert node_page in response.content.decode()
