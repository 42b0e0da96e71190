"""make bench: speed and memory at 100,000 releases, measured in one run.

    python -m bench.run [--releases 100000] [--requests 30] [--seconds 8]

Uses DATABASE_URL if set, else the local PostgreSQL database osce_cms_bench,
which is built once (seed_demo) and reused. Prints a table and writes
bench/results.json. Throughput is reported as a ratio to a trivial Django
view served by the same gunicorn in the same run, never as absolute
numbers to compare across machines.
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

TARGETS = {
    "listing_p50_ms": 50,
    "listing_p95_ms": 150,
    "search_p50_ms": 80,
    "release_p50_ms": 20,
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
    return PressRelease.objects.count(), state.get("seed_seconds")


def pick_urls():
    """The page kinds of the benchmark, with real slugs and a rare search word."""
    from press.models import PressRelease

    release = PressRelease.objects.published().order_by("-published_at").first()
    year = release.published_at.year - 1
    return {
        "home": "/",
        "listing": "/press/",
        "listing_country_topic_year": (
            f"/press/?country=participating-states&topic=elections&year={year}"
        ),
        "listing_structures_dates": (
            "/press/?structure=secretariat&structure=institutions"
            "&date_from=2015-01-01&date_to=2019-12-31"
        ),
        "search_common": "/press/?q=co-operation",
        "search_rare": "/press/?q=ammunition+Bishkek",
        "release": release.get_absolute_url(),
        "node_many_descendants": "/countries/participating-states/",
        "rss": "/press/feed/",
    }


def time_pages(urls, repeats):
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    rows = {}
    for name, url in urls.items():
        # The first request after any edit: every data cache empty (facets,
        # counts, related releases, navigation, tree index).
        cache.clear()
        started = time.perf_counter()
        assert client.get(url).status_code == 200, url
        cold = (time.perf_counter() - started) * 1000
        with CaptureQueriesContext(connection) as captured_cold:
            cache.clear()
            client.get(url)
        cold_queries = len(captured_cold)
        for _ in range(3):  # then warm, as every later visitor finds it
            assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries = len(captured)  # read now: reset_queries() below empties the log
        times = []
        for _ in range(repeats):
            reset_queries()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        count = re.search(rb'data-result-count="(\d+)"', response.content)
        rows[name] = {
            "url": url,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(statistics.quantiles(times, n=20)[18], 1),
            "queries": queries,
            "cold_ms": round(cold, 1),
            "cold_queries": cold_queries,
            "results": int(count.group(1)) if count else None,
        }
        log(f"  {name:28} p50 {rows[name]['p50_ms']:7.1f} ms  queries {queries}")
    return rows


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
    from taxonomy.models import Location, Structure, Topic

    topics = list(Topic.objects.values_list("name", flat=True))
    countries = list(Location.objects.filter(level=1).values_list("name", flat=True))
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


def verdicts(pages, load_results, peak, seed_seconds, import_seconds):
    listings = [v for k, v in pages.items() if k.startswith("listing")]
    searches = [v for k, v in pages.items() if k.startswith("search")]
    checks = {
        "listing p50 ≤ 50 ms": max(v["p50_ms"] for v in listings) <= TARGETS["listing_p50_ms"],
        "listing p95 ≤ 150 ms": max(v["p95_ms"] for v in listings) <= TARGETS["listing_p95_ms"],
        "search p50 ≤ 80 ms": max(v["p50_ms"] for v in searches) <= TARGETS["search_p50_ms"],
        "release p50 ≤ 20 ms": pages["release"]["p50_ms"] <= TARGETS["release_p50_ms"],
        "queries per page ≤ 12": max(v["queries"] for v in pages.values())
        <= TARGETS["queries_max"],
        "cached listing ≥ 50% of trivial": load_results["cache_on"]["listing_ratio"]
        >= TARGETS["cached_listing_ratio_min"],
        "worker RSS ≤ 200 MB": peak <= TARGETS["worker_rss_mb_max"],
        "seed_demo 100k ≤ 3 min": seed_seconds is not None
        and seed_seconds <= TARGETS["seed_100k_s_max"],
        "import 10k ≤ 60 s": import_seconds <= TARGETS["import_10k_s_max"],
    }
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    started = time.perf_counter()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    ensure_database(database_url)
    setup_django(database_url)
    total, seed_seconds = build_data(args.releases)
    log(f"{total} releases in the benchmark database")
    urls = pick_urls()
    log("server time per page kind (in-process, uncached):")
    pages = time_pages(urls, args.requests)
    log("throughput under gunicorn (2 workers) on loopback:")
    load_results, peak = throughput(urls, args.seconds, database_url)
    log("import of 10,000 JSON Lines records into a fresh database:")
    import_seconds, import_summary = import_benchmark()
    log(f"  {import_seconds} s ({import_summary})")
    checks = verdicts(pages, load_results, peak, seed_seconds, import_seconds)
    results = {
        "releases": total,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "load_tool": "wrk" if shutil.which("wrk") else "python threads"},
        "pages": pages,
        "throughput": load_results,
        "worker_peak_rss_mb": peak,
        "seed_demo_100k_seconds": seed_seconds,
        "import_10k_seconds": import_seconds,
        "import_summary": import_summary,
        "targets": checks,
        "bench_seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


def print_table(r):
    print(f"\nBenchmark: {r['releases']} releases, {r['machine']['cpus']} CPUs\n")
    print(f"{'page kind':28} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7} "
          f"{'cold ms':>8} {'cold q':>7} {'results':>8}")  # fmt: skip
    for name, row in r["pages"].items():
        print(f"{name:28} {row['p50_ms']:>7} {row['p95_ms']:>7} {row['queries']:>7} "
              f"{row['cold_ms']:>8} {row['cold_queries']:>7} "
              f"{row['results'] if row['results'] is not None else '':>8}")  # fmt: skip
    print(
        "(p50/p95: repeated requests, data caches warm, page cache off; "
        "cold: first request after an edit, every cache empty)"
    )
    print(f"\n{'throughput (ratio to trivial view)':36} {'cache off':>10} {'cache on':>10}")
    for name in ("listing", "release"):
        off = r["throughput"]["cache_off"][f"{name}_ratio"]
        on = r["throughput"]["cache_on"][f"{name}_ratio"]
        print(f"{name:36} {off:>10} {on:>10}")
    print(f"{'trivial view req/s (reference)':36} {r['throughput']['cache_off']['trivial_rps']:>10}"
          f" {r['throughput']['cache_on']['trivial_rps']:>10}")  # fmt: skip
    print(f"\nworker peak RSS: {r['worker_peak_rss_mb']} MB")
    print(f"seed_demo 100k: {r['seed_demo_100k_seconds']} s   import 10k: "
          f"{r['import_10k_seconds']} s")  # fmt: skip
    print("\ntargets:")
    for name, ok in r["targets"].items():
        print(f"  {'PASS' if ok else 'MISS'}  {name}")
    print(f"\n(bench took {r['bench_seconds']} s; results in bench/results.json)")


if __name__ == "__main__":
    main()
