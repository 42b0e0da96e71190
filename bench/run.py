"""make bench: speed and memory at 100,000 releases, measured in one run.

    python -m bench.run [--releases 100000] [--requests 30] [--budget 10]
                        [--seconds 8] [--pages-only] [--no-alerts]

Uses DATABASE_URL if set, else the local PostgreSQL database osce_cms_bench,
which is built once (seed_demo) and reused. Prints a table and writes
bench/results.json.

Every page kind is timed in-process with the page cache off, twice: *cold*,
every cache alias a DummyCache (how the project's speed is judged: p50,
p95, queries), and *warm*, the normal local-memory cache with the data
caches filled (p50, queries). A trivial Django view is timed in-process in
the same run, before and after the pages and beside each of them (100
requests before each of a page's six rounds of requests and after the
last, across the same seconds), and every figure is also given as a ratio
to the trivial view timed beside it; the page
targets are cold p50s for a machine whose trivial view takes 0.5 ms, so
they are judged as ratios. Throughput is reported as a ratio to the same
trivial view served by the same gunicorn in the same run, never as
absolute numbers to compare across machines. The email alerts (matching one
release against 100,000 subscriptions, the send rate) are timed after the
pages by ``bench.alerts``, which also runs alone (``python -m bench.alerts``).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
STATE = ROOT / "bench" / "state.json"  # the seed time of the reused database
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/osce_cms_bench"
IMPORT_DB = "osce_cms_bench_import"

REFERENCE_TRIVIAL_MS = 0.5  # the trivial view's in-process time the page targets assume
#: Cold p50 targets in ms per page kind (every cache a DummyCache), for a
#: machine whose trivial view takes REFERENCE_TRIVIAL_MS in-process; judged
#: as a ratio to the trivial view measured in the same run.
PAGE_TARGETS_MS = {
    "home": 20,
    "listing": 50,
    "listing_country_topic_year": 30,
    "listing_structures_dates": 30,
    "listing_type_year": 30,
    "listing_meeting": 30,
    "listing_country_q": 30,
    "listing_page_400": 50,
    "search_common": 150,
    "search_rare": 30,
    "release": 15,
    "node_many_descendants": 50,
    "node_structure": 50,
    "rss": 20,
    # The same pages in another language (a fifth of the archive is Russian).
    "ru_listing": 50,
    "ru_listing_country_topic_year": 30,
    "ru_search_common": 150,
    "ru_release": 15,
    "ru_node_many_descendants": 50,
    "ru_rss": 20,
    # The JSON API (api/) on the listing's engine: each with its page's target.
    "api_listing": 50,
    "api_listing_country_topic_year": 30,
    "api_search_common": 150,
    "api_search_rare": 30,
    "api_listing_page_400": 50,
    "api_release": 15,
    "api_facets": 50,
    "api_facets_country_topic_year": 30,
    "api_tree_countries": 20,
    "ru_api_listing": 50,
}
#: Every fifth release of the benchmark's archive is in this language.
OTHER_LANGUAGE = "ru"
TARGETS = {
    "queries_max": 12,
    "cached_listing_ratio_min": 0.5,
    "worker_rss_mb_max": 200,
    "seed_100k_s_max": 180,
    "import_10k_s_max": 60,
}


def log(message):
    print(message, file=sys.stderr, flush=True)


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["PAGE_CACHE_ENABLED"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return name


def build_data(releases):
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F

    from press.models import PressRelease

    call_command("migrate", verbosity=0)
    call_command("load_taxonomy", verbosity=0)
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    have = PressRelease.objects.count()
    if have < releases:
        log(f"building the benchmark database: {releases - have} releases with seed_demo …")
        started = time.perf_counter()
        call_command("seed_demo", releases=releases - have, verbosity=0)
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        if have == 0:
            state["seed_seconds"] = round(seconds, 1)
            state["seed_releases"] = releases
            STATE.write_text(json.dumps(state))
    if not PressRelease.objects.filter(language=OTHER_LANGUAGE).exists():
        log(f"moving every fifth release to {OTHER_LANGUAGE!r} and rebuilding the read model …")
        from press import listing_model

        PressRelease.objects.annotate(one_in_five=F("pk") % 5).filter(one_in_five=0).update(
            language=OTHER_LANGUAGE
        )
        listing_model.rebuild()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    settle()
    return PressRelease.objects.count(), state.get("seed_seconds")


def settle():
    """Write out what the seed left in PostgreSQL's buffers (``CHECKPOINT``), so the pages
    are timed on a database at rest, not beside the minutes of writing a fresh seed of
    100,000 releases leaves behind. Without the right to (not a superuser), skipped."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as error:
        log(f"  (no CHECKPOINT: {error})")


def pick_urls():
    """The page kinds of the benchmark, with real slugs and search words.

    "training" is in about 40% of the generated releases, "ammunition
    Bishkek" in about 0.1%; the table shows each search's share of the
    published releases, so a change in the generator shows. The ``api_``
    kinds are the JSON API's answers to the same questions as their pages.
    """
    from press.models import PressRelease

    release = PressRelease.objects.published().filter(language="en").order_by("-published_at")[0]
    other = (
        PressRelease.objects.published()
        .filter(language=OTHER_LANGUAGE)
        .order_by("-published_at")[0]
    )
    year = release.published_at.year - 1
    prefix = f"/{OTHER_LANGUAGE}"
    country_topic_year = f"country=participating-states&topic=elections&year={year}"
    return {
        "home": "/",
        "listing": "/press/",
        "listing_country_topic_year": f"/press/?{country_topic_year}",
        "listing_structures_dates": (
            "/press/?structure=secretariat&structure=institutions"
            "&date_from=2015-01-01&date_to=2019-12-31"
        ),
        "listing_type_year": f"/press/?type=news&year={year}",
        "listing_meeting": "/press/?meeting=human-rights-meetings",
        "listing_country_q": "/press/?country=moldova&q=elections",
        "listing_page_400": "/press/?page=400",
        "search_common": "/press/?q=training",
        "search_rare": "/press/?q=ammunition+Bishkek",
        "release": release.get_absolute_url(),
        "node_many_descendants": "/countries/participating-states/",
        "node_structure": "/structures/secretariat/",
        "rss": "/press/feed/",
        "ru_listing": f"{prefix}/press/",
        "ru_listing_country_topic_year": f"{prefix}/press/?{country_topic_year}",
        "ru_search_common": f"{prefix}/press/?q=training",
        "ru_release": other.get_absolute_url(),
        "ru_node_many_descendants": f"{prefix}/countries/participating-states/",
        "ru_rss": f"{prefix}/press/feed/",
        "api_listing": "/api/v1/releases/",
        "api_listing_country_topic_year": f"/api/v1/releases/?{country_topic_year}",
        "api_search_common": "/api/v1/releases/?q=training",
        "api_search_rare": "/api/v1/releases/?q=ammunition+Bishkek",
        "api_listing_page_400": "/api/v1/releases/?page=400",
        "api_release": f"/api/v1/releases/{release.slug}/",
        "api_facets": "/api/v1/facets/",
        "api_facets_country_topic_year": f"/api/v1/facets/?{country_topic_year}",
        "api_tree_countries": "/api/v1/countries/",
        "ru_api_listing": f"{prefix}/api/v1/releases/",
    }


#: Rounds of a page's requests, each after a block of the trivial view's (measure()).
ROUNDS = 6
#: Trivial-view requests in each block: one before each round and one after the last.
TRIVIAL_BLOCK = 100


def _ms(seconds):
    return seconds * 1000


def _p95(times):
    return statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]


def time_trivial(client, repeats=2000, warm_up=100):
    """The in-process times of the trivial view: the yardstick of every page figure."""
    for _ in range(warm_up):
        client.get("/__trivial__")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get("/__trivial__")
        times.append(_ms(time.perf_counter() - started))
    return times


def ok(url, response):
    """``response``, which must be a 200: an error page timed as a page would pass unseen."""
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def result_count(response):
    """How many releases a listing found: its page's ``data-result-count``, an API list's count."""
    if response["Content-Type"].startswith("application/json"):
        data = response.json()  # a list and the facets have "count"; a tree's counts nodes
        return data["count"] if "next" in data or "facets" in data else None
    count = re.search(rb'data-result-count="(\d+)"', response.content)
    return int(count.group(1)) if count else None


def measure(client, url, repeats, budget_s):
    """p50, p95 and the query count of ``url`` under the caches in force.

    Two untimed requests first, so templates are compiled and per-process
    tables loaded; then up to ``repeats`` timed requests, fewer (but at
    least 7) once ``budget_s`` seconds have gone. They are timed in
    ``ROUNDS`` rounds, each after a block of the trivial view's requests,
    with one more block after the last: the page's yardstick
    (``trivial_beside_ms``, the p50 of those blocks) is timed across the
    same seconds as the page, so a burst of load on a shared machine slows
    both, not one. Every answer must be a 200.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        ok(url, client.get(url))
    with CaptureQueriesContext(connection) as captured:
        response = ok(url, client.get(url))
    queries = len(captured)
    # Each block of the trivial view is timed on its own, not between page
    # requests, where the page's garbage would slow it and flatter the ratio.
    trivial, times = [], []
    deadline = time.perf_counter() + budget_s
    per_round = -(-repeats // ROUNDS)  # rounded up
    while len(times) < repeats:
        trivial += time_trivial(client, TRIVIAL_BLOCK, warm_up=10)
        ok(url, client.get(url))  # untimed: the first page after the switch, as before
        for _ in range(min(per_round, repeats - len(times))):
            started = time.perf_counter()
            answer = client.get(url)
            times.append(_ms(time.perf_counter() - started))
            ok(url, answer)
        if len(times) >= 7 and time.perf_counter() > deadline:
            break
    trivial += time_trivial(client, TRIVIAL_BLOCK, warm_up=10)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_p95(times), 2),
        "queries": queries,
        "samples": len(times),
        "trivial_beside_ms": round(statistics.median(trivial), 3),
    }, result_count(response)


def language_of(url):
    """The language of a page by its address's prefix (the default unprefixed)."""
    from press.languages import CODES, DEFAULT

    first = url.split("/")[1]
    return first if first in CODES else DEFAULT


def time_pages(urls, repeats, budget_s):
    """Every page kind cold (every cache a DummyCache) and warm (local memory, data caches warm).

    The page cache is off in both (``setup_django``); the trivial view is
    timed before and after, and beside each page (``measure``): every figure is
    also given as a ratio to the trivial view timed beside it.
    """
    from django.conf import settings
    from django.core.cache import cache, caches
    from django.core.cache.backends.dummy import DummyCache
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings

    from press.models import PressRelease

    assert not settings.PAGE_CACHE_ENABLED
    client = Client()
    published = dict(
        PressRelease.objects.published()
        .values_list("language")
        .annotate(n=Count("pk"))
        .values_list("language", "n")
    )
    trivial_times = time_trivial(client)
    rows = {}
    for name, url in urls.items():
        with override_settings(CACHES=settings.COLD_CACHES):
            assert all(isinstance(caches[alias], DummyCache) for alias in settings.CACHES)
            cold, results = measure(client, url, repeats, budget_s)
        cache.clear()  # warm: what every visitor after the first finds
        warm, _ = measure(client, url, repeats, budget_s)
        rows[name] = {
            "url": url,
            "cold": cold,
            "warm": warm,
            "results": results,
            "results_share": (
                round(results / published[language_of(url)], 3) if results is not None else None
            ),
        }
        log(f"  {name:30} cold p50 {cold['p50_ms']:8.1f} ms  q {cold['queries']:2}   "
            f"warm p50 {warm['p50_ms']:7.1f} ms  q {warm['queries']:2}")  # fmt: skip
    trivial_times += time_trivial(client)
    trivial_ms = round(statistics.median(trivial_times), 3)
    log(f"  trivial view in-process p50: {trivial_ms} ms")
    for name, row in rows.items():
        row["trivial_ms"] = trivial_ms
        for mode in ("cold", "warm"):
            # Each ratio to the trivial view timed beside the page (measure()).
            beside = row[mode]["trivial_beside_ms"]
            for figure in ("p50", "p95"):
                row[mode][f"{figure}_x_trivial"] = round(row[mode][f"{figure}_ms"] / beside, 1)
        target = PAGE_TARGETS_MS.get(name)
        row["target_cold_p50_ms"] = target
        row["target_x_trivial"] = target / REFERENCE_TRIVIAL_MS if target else None
        row["target_ms_this_machine"] = (
            round(target * row["cold"]["trivial_beside_ms"] / REFERENCE_TRIVIAL_MS, 1)
            if target
            else None
        )
        time_met = target is None or row["cold"]["p50_x_trivial"] <= row["target_x_trivial"]
        queries_met = max(row["cold"]["queries"], row["warm"]["queries"]) <= TARGETS["queries_max"]
        row["time_met"], row["queries_met"] = time_met, queries_met
        row["met"] = time_met and queries_met
    trivial = {
        "p50_ms": trivial_ms,
        "p95_ms": round(_p95(trivial_times), 3),
        "samples": len(trivial_times),
        "reference_ms": REFERENCE_TRIVIAL_MS,
    }
    return rows, trivial


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, env, workers=2):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "osce_cms.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--log-level", "warning", "--keep-alive", "30"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url("/__trivial__"), timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_peak_rss_mb(self):
        peaks = []
        for pid in subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True,
                                  text=True).stdout.split():  # fmt: skip
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return round(max(peaks), 1) if peaks else None

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def load(url, seconds, connections=8):
    """Requests per second against ``url``: wrk when present, else a threaded client."""
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if errors:
            raise RuntimeError(f"{url}: {errors.group(1)} error responses")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    done = [0] * connections
    stop = time.time() + seconds

    def worker(i):
        conn = http.client.HTTPConnection(parts.hostname, parts.port)
        while time.time() < stop:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: {response.status}")
            done[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def throughput(urls, seconds, database_url):
    base_env = {**os.environ, "DATABASE_URL": database_url,
                "DJANGO_SETTINGS_MODULE": "bench.settings"}  # fmt: skip
    results = {}
    peak = 0.0
    for mode in ("cache_off", "cache_on"):
        env = dict(base_env)
        if mode == "cache_off":
            env["PAGE_CACHE_ENABLED"] = "0"
            env.pop("REDIS_URL", None)
        else:
            env["PAGE_CACHE_ENABLED"] = "1"
            env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        server = Gunicorn(env)
        try:
            trivial = load(server.url("/__trivial__"), seconds)
            row = {"trivial_rps": round(trivial, 1)}
            for name in ("listing", "release"):
                rps = load(server.url(urls[name]), seconds)
                row[f"{name}_rps"] = round(rps, 1)
                row[f"{name}_ratio"] = round(rps / trivial, 3)
            peak = max(peak, server.worker_peak_rss_mb() or 0)
        finally:
            server.stop()
        results[mode] = row
        log(f"  {mode}: {row}")
    return results, peak


def import_benchmark(count=10_000):
    """Time importing ``count`` JSON Lines records into a fresh database."""
    from taxonomy.models import Country, Structure, Topic

    topics = list(Topic.objects.values_list("name", flat=True))
    countries = list(Country.objects.filter(level=1).values_list("name", flat=True))
    structures = list(Structure.objects.filter(level=1).values_list("name", flat=True))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for i in range(count):
            record = {
                "title": f"Imported release {i}: {topics[i % len(topics)]} in "
                f"{countries[i % len(countries)]}",
                "date": f"{2005 + i % 20}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "type": "Press release",
                "place": "Vienna",
                "sources": [f"OSCE {structures[i % len(structures)]}"],
                "topics": [topics[i % len(topics)], topics[(i * 7) % len(topics)]],
                "countries": [countries[i % len(countries)]],
                "summary": "A summary sentence for the import benchmark.",
                "body": "First paragraph.\n\nSecond paragraph with more words.",
                "source_url": f"https://bench.invalid/press/{i}",
            }
            f.write(json.dumps(record) + "\n")
        path = f.name
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{IMPORT_DB}"
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{IMPORT_DB}"')
        conn.execute(f'CREATE DATABASE "{IMPORT_DB}"')
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_taxonomy", "-v0"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run([*manage, "import_press_releases", path], env=env, cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - started
    os.unlink(path)
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{IMPORT_DB}"')
    if done.returncode != 0:
        raise RuntimeError(f"import failed: {done.stderr[-2000:]}")
    return round(seconds, 1), summary


def verdicts(pages, load_results, peak, seed_seconds, import_seconds, alerts=None):
    checks = {}
    for name, row in pages.items():
        if row["target_cold_p50_ms"] is not None:
            checks[f"{name} cold p50 ≤ {row['target_cold_p50_ms']} ms (× trivial)"] = row[
                "time_met"
            ]
    checks["queries per page ≤ 12, cold and warm"] = all(
        row["queries_met"] for row in pages.values()
    )
    if load_results is not None:
        checks["cached listing ≥ 50% of trivial"] = (
            load_results["cache_on"]["listing_ratio"] >= TARGETS["cached_listing_ratio_min"]
        )
        checks["worker RSS ≤ 200 MB"] = peak <= TARGETS["worker_rss_mb_max"]
    checks["seed_demo 100k ≤ 3 min"] = (
        seed_seconds is not None and seed_seconds <= TARGETS["seed_100k_s_max"]
    )
    if import_seconds is not None:
        checks["import 10k ≤ 60 s"] = import_seconds <= TARGETS["import_10k_s_max"]
    if alerts is not None:
        from bench.alerts import TARGET_NAME

        checks[TARGET_NAME] = alerts["met"]
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page and mode")
    parser.add_argument(
        "--budget", type=float, default=10.0,
        help="seconds per page and mode after which fewer requests (≥ 7) are timed",
    )  # fmt: skip
    parser.add_argument("--seconds", type=int, default=8, help="seconds of load per URL")
    parser.add_argument(
        "--pages-only", action="store_true",
        help="only the in-process page times: no alerts, no gunicorn, no import",
    )  # fmt: skip
    parser.add_argument(
        "--no-alerts", action="store_true",
        help="leave out the email alerts (bench.alerts: 100,000 subscriptions, sending)",
    )  # fmt: skip
    args = parser.parse_args()
    started = time.perf_counter()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    ensure_database(database_url)
    setup_django(database_url)
    total, seed_seconds = build_data(args.releases)
    log(f"{total} releases in the benchmark database")
    urls = pick_urls()
    log("server time per page kind, in-process, page cache off (cold: every cache a DummyCache):")
    pages, trivial = time_pages(urls, args.requests, args.budget)
    load_results, peak, import_seconds, import_summary, alerts = None, None, None, None, None
    if not (args.pages_only or args.no_alerts):
        from bench import alerts as alerts_bench

        log("email alerts: matching one release against 100,000 subscriptions, sending:")
        alerts = alerts_bench.run(trivial["p50_ms"])
    if not args.pages_only:
        log("throughput under gunicorn (2 workers) on loopback:")
        load_results, peak = throughput(urls, args.seconds, database_url)
        log("import of 10,000 JSON Lines records into a fresh database:")
        import_seconds, import_summary = import_benchmark()
        log(f"  {import_seconds} s ({import_summary})")
    checks = verdicts(pages, load_results, peak, seed_seconds, import_seconds, alerts)
    results = {
        "releases": total,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "load_tool": "wrk" if shutil.which("wrk") else "python threads"},
        "trivial_view_in_process": trivial,
        "pages": pages,
        "throughput": load_results,
        "worker_peak_rss_mb": peak,
        "seed_demo_100k_seconds": seed_seconds,
        "import_10k_seconds": import_seconds,
        "import_summary": import_summary,
        "alerts": alerts,
        "targets": checks,
        "bench_seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)


def print_table(r):
    trivial = r["trivial_view_in_process"]["p50_ms"]
    print(f"\nBenchmark: {r['releases']} releases, {r['machine']['cpus']} CPUs")
    print(f"trivial view in-process p50: {trivial:.3f} ms in this run "
          f"(targets assume {REFERENCE_TRIVIAL_MS} ms; ×t = ratio to the trivial view "
          f"timed beside each page)\n")  # fmt: skip
    print(f"{'page kind':30} {'target':>11} {'cold p50':>15} {'cold p95':>8} {'cold q':>6} "
          f"{'warm p50':>14} {'warm q':>6} {'results':>14}  verdict")  # fmt: skip
    for name, row in r["pages"].items():
        cold, warm = row["cold"], row["warm"]
        target = (f"{row['target_cold_p50_ms']:>3} ms {row['target_x_trivial']:>3.0f}×t"
                  if row["target_cold_p50_ms"] else "")  # fmt: skip
        results = ""
        if row["results"] is not None:
            results = f"{row['results']} ({row['results_share']:.1%})"
        missed = [w for w, ok in (("time", row["time_met"]), ("queries", row["queries_met"]))
                  if not ok]  # fmt: skip
        verdict = "met" if not missed else f"missed ({', '.join(missed)})"
        cold_p50 = f"{cold['p50_ms']:>7.1f} {cold['p50_x_trivial']:>5.0f}×t"
        warm_p50 = f"{warm['p50_ms']:>6.1f} {warm['p50_x_trivial']:>5.0f}×t"
        print(f"{name:30} {target:>11} {cold_p50} {cold['p95_ms']:>8.1f} {cold['queries']:>6} "
              f"{warm_p50} {warm['queries']:>6} {results:>14}  {verdict}")  # fmt: skip
    print(
        "(cold: every cache a DummyCache; warm: local-memory cache with the data caches warm;"
        " page cache off in both; ms in-process, p50/p95 of up to 30 requests)"
    )
    if r["throughput"]:
        print(f"\n{'throughput (ratio to trivial view)':36} {'cache off':>10} {'cache on':>10}")
        for name in ("listing", "release"):
            off = r["throughput"]["cache_off"][f"{name}_ratio"]
            on = r["throughput"]["cache_on"][f"{name}_ratio"]
            print(f"{name:36} {off:>10} {on:>10}")
        print(f"{'trivial view req/s (reference)':36} "
              f"{r['throughput']['cache_off']['trivial_rps']:>10}"
              f" {r['throughput']['cache_on']['trivial_rps']:>10}")  # fmt: skip
        print(f"\nworker peak RSS: {r['worker_peak_rss_mb']} MB")
    print(f"seed_demo 100k: {r['seed_demo_100k_seconds']} s   import 10k: "
          f"{r['import_10k_seconds']} s")  # fmt: skip
    if r.get("alerts"):
        from bench.alerts import print_table as print_alerts

        print_alerts(r["alerts"])
    print("\ntargets:")
    for name, ok in r["targets"].items():
        print(f"  {'PASS' if ok else 'MISS'}  {name}")
    print(f"\n(bench took {r['bench_seconds']} s; results in bench/results.json)")


if __name__ == "__main__":
    main()
