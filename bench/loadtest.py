"""make loadtest: a mixed public-traffic load test, and a database outage under load.

    python -m bench.loadtest [--seconds 60] [--outage-seconds 40] [--connections 50]
                             [--cache both|on|off] [--skip-steady] [--skip-outage]
                             [--wrk-timeout 30s] [--quiet-wait 60] [--cut-sessions]

Uses the benchmark database of ``bench.run`` (DATABASE_URL, else the local
PostgreSQL database osce_cms_bench, built with seed_demo when missing or
small) and gunicorn with 2 × CPUs + 1 workers on loopback, once with the
full-page cache on and once with it off (Redis redis://127.0.0.1:6379/13 as
the shared cache in both, flushed before each run).

steady  wrk -t2 -c50 -d60s --latency -s bench/mix.lua: listing, search,
        release and feed pages mixed (see bench/mix.lua), with ~200 real
        release slugs taken from the database. Throughput, p50/p95/p99 and
        every status code; any 4xx, 5xx or socket error is an error.
outage  the same mix for 40 s; after 10 s the local PostgreSQL cluster is
        stopped, kept down 8 s and started again. While it is down requests
        must fail with 503 (never 500; cached pages may still answer 200),
        and the site must recover by itself: the last 10 s only 2xx/3xx.
        /healthz is polled every 0.2 s to time the outage and the recovery.

PostgreSQL is always started again at the end, even on failure. Stopping it
cuts everyone's sessions: an outage waits up to --quiet-wait seconds for
sessions on other databases to end and is skipped if they do not, unless
--cut-sessions. Prints a table and writes bench/loadtest-results.json;
gunicorn logs are kept in a temporary folder whose path is printed.
See docs/loadtest.md.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.run import (
    DEFAULT_DB,
    ROOT,
    Gunicorn,
    build_data,
    ensure_database,
    free_port,
    log,
    setup_django,
)

RESULTS = ROOT / "bench" / "loadtest-results.json"
LUA = ROOT / "bench" / "mix.lua"
REDIS_URL = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/13")
SLUG_COUNT = 200
WARMUP_SECONDS = 5
OUTAGE_STOP_AFTER = 10  # seconds into the outage run
OUTAGE_DOWN_FOR = 8
CLEAN_TAIL = 10  # the last seconds of the outage run must be 2xx/3xx only
HEALTH_INTERVAL = 0.2


# --- the server ----------------------------------------------------------------


class LoggedGunicorn(Gunicorn):
    """bench.run's gunicorn, with its own worker count and a log file."""

    def __init__(self, env, workers, log_path):
        self.port = free_port()
        self.log_path = log_path
        self.log_file = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "osce_cms.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--keep-alive",
                "30",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.url("/__trivial__"), timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {log_path}")

    def stop(self):
        try:
            if self.proc.poll() is None:
                super().stop()
        finally:
            self.log_file.close()


def server_env(database_url, cache):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOG_FORMAT": "plain",
    }
    # Redis stays the shared cache in both modes, as in production: "cache off"
    # turns off the full-page cache only, not the cached aggregates (facets,
    # related releases, navigation) that every worker would otherwise compute
    # for itself in a local-memory cache.
    env["REDIS_URL"] = REDIS_URL
    env["PAGE_CACHE_ENABLED"] = "1" if cache else "0"
    return env


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def summarize_log(path):
    """What gunicorn and Django said: 500s, 503 warnings, worker restarts."""
    text = Path(path).read_text(errors="replace")
    lines = text.splitlines()
    errors = [line for line in lines if " ERROR " in line or "[ERROR]" in line]
    exceptions = {}
    for match in re.finditer(r"^(\w+(?:\.\w+)*(?:Error|Exception|Shutdown)): (.*)$", text, re.M):
        name = match.group(1)
        if name not in exceptions:
            exceptions[name] = match.group(2)[:200]
    return {
        "path": str(path),
        "internal_server_errors": text.count("Internal Server Error"),
        "database_unavailable_warnings": text.count("database unavailable"),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "worker_boots": text.count("Booting worker"),
        "exceptions": exceptions,
        "first_errors": errors[:5],
    }


# --- the load ------------------------------------------------------------------


def pick_slugs(count=SLUG_COUNT):
    """``count`` published releases spread evenly over the whole database."""
    from press.models import PressRelease

    slugs = list(
        PressRelease.objects.published().order_by("-published_at").values_list("slug", flat=True)
    )
    step = max(1, len(slugs) // count)
    return slugs[::step][:count]


def start_wrk(url, seconds, connections, slugs_file, timeout):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA)]
    if timeout:
        command += ["--timeout", timeout]
    command += [url, "--", str(slugs_file)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_wrk(proc):
    out, err = proc.communicate()
    if proc.returncode != 0 or "LOADTEST summary" not in out:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err.strip()}\n{out[-2000:]}")
    return out


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(out, started):
    """wrk's own summary plus the LOADTEST lines that bench/mix.lua prints."""
    result = {"status": {}, "classes": {}, "kinds": {}, "per_second": {}}
    for line in out.splitlines():
        parts = line.split()
        if not parts or parts[0] != "LOADTEST":
            continue
        kind = parts[1]
        if kind == "status":
            result["status"][parts[2]] = int(parts[3])
        elif kind == "class":
            result["classes"][parts[2]] = int(parts[3])
        elif kind == "kind":
            result["kinds"][parts[2]] = int(parts[3])
        elif kind == "xcache":
            result.setdefault("x_cache", {})[parts[2]] = int(parts[3])
        elif kind == "second":
            # wrk counts by wall-clock second: this bucket began at EPOCH - started.
            second = round(int(parts[2]) - started, 2)
            row = result["per_second"].setdefault(second, {})
            row[parts[3]] = row.get(parts[3], 0) + int(parts[4])
        elif kind == "latency":
            result.setdefault("latency_ms", {})[parts[2]] = round(int(parts[3]) / 1000, 1)
        elif kind == "summary":
            values = dict(zip(parts[2::2], parts[3::2], strict=False))
            result["requests"] = int(values.pop("requests"))
            result["socket_errors"] = {k.removeprefix("errors_"): int(v) for k, v in values.items()}
    result["status"] = dict(sorted(result["status"].items()))
    result["per_second"] = dict(sorted(result["per_second"].items()))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    result["rps"] = float(rps.group(1)) if rps else None
    wrk_latency = {}
    for pct, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M):
        wrk_latency[f"p{pct}"] = round(float(value) * UNITS_MS[unit], 1)
    result["wrk_latency_ms"] = wrk_latency
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx_3xx"] = int(non.group(1)) if non else 0
    hits = result.get("x_cache", {})
    looked_up = hits.get("HIT", 0) + hits.get("MISS", 0)
    result["page_cache_hit_ratio"] = round(hits.get("HIT", 0) / looked_up, 3) if looked_up else None
    bad_status = sum(n for code, n in result["status"].items() if not 200 <= int(code) < 400)
    socket = result.get("socket_errors", {})
    result["errors"] = bad_status + sum(
        socket.get(k, 0) for k in ("connect", "read", "write", "timeout")
    )
    return result


def status_class(code):
    code = int(code)
    return f"{code // 100}xx" if 200 <= code < 600 else "other"


# --- PostgreSQL ----------------------------------------------------------------


def pg_version():
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: float(v))
    return versions[-1]


def pg_ctl_command(action):
    return ["pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main", action]


def pg_ctl(action):
    subprocess.run(
        pg_ctl_command(action),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )


def pg_ready():
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0


def ensure_postgres_running():
    """Start the cluster if it is down; wait until it accepts connections."""
    if pg_ready():
        return True
    log("PostgreSQL is not accepting connections: starting it …")
    try:
        pg_ctl("start")
    except subprocess.CalledProcessError as exc:
        log(f"  pg_ctlcluster start: {exc.stderr.strip()}")
    deadline = time.time() + 60
    while time.time() < deadline:
        if pg_ready():
            return True
        time.sleep(0.5)
    log("PostgreSQL did NOT come back: check pg_lsclusters and its log")
    return False


def other_sessions(database_url):
    """{database: sessions} of clients other than this load test's own database."""
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT coalesce(datname, '-'), count(*) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            " AND datname IS DISTINCT FROM %s GROUP BY 1",
            [name],
        ).fetchall()
    return dict(rows)


def wait_for_quiet_postgres(database_url, seconds):
    """Stopping PostgreSQL breaks everyone's sessions: wait a while for none.

    Returns the sessions still there after ``seconds`` ({} when quiet)."""
    deadline = time.time() + seconds
    busy = other_sessions(database_url)
    if busy:
        log(f"  other PostgreSQL sessions {busy}: waiting up to {seconds} s for them to end …")
    while busy and time.time() < deadline:
        time.sleep(2)
        busy = other_sessions(database_url)
    return busy


def availability_times(path, started):
    """First and last 503 the server logged (osce_cms.availability), in run seconds.

    Sub-second, unlike wrk's per-second counts. The log's times are local to
    Django's TIME_ZONE."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    zone = ZoneInfo(settings.TIME_ZONE)
    text = Path(path).read_text(errors="replace")
    times = [
        datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=zone).timestamp()
        - started
        for stamp in re.findall(
            r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) WARNING osce_cms\.availability",
            text,
            re.M,
        )
    ]
    return (round(min(times), 2), round(max(times), 2)) if times else (None, None)


def local_cluster(database_url):
    host = re.search(r"@([^:/]+)", database_url)
    return (
        host is not None
        and host.group(1) in ("127.0.0.1", "localhost")
        and os.path.isdir("/etc/postgresql")
        and shutil.which("pg_ctlcluster") is not None
    )


class HealthPoller(threading.Thread):
    """GET /healthz every 0.2 s, one at a time, through the loaded server.

    Each sample is (sent, answered, status), in seconds since the run began.
    Under load a request waits in gunicorn's queue like any other, so the time
    resolution is the queueing latency, not 0.2 s; the status tells what the
    database was when the request was served, close to ``answered``.
    """

    def __init__(self, url, started):
        super().__init__(daemon=True)
        self.url, self.started = url, started
        self.samples = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            sent = time.time()
            try:
                with urllib.request.urlopen(self.url, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0  # refused or timed out
            answered = time.time()
            self.samples.append(
                (round(sent - self.started, 2), round(answered - self.started, 2), status)
            )
            self.halt.wait(max(0.0, HEALTH_INTERVAL - (answered - sent)))


def health_summary(samples, stop_at, start_at, ready_at):
    """When /healthz answered non-200 after the stop, and 200 for good after the start."""
    first_bad = next((a for _, a, s in samples if a >= stop_at and s != 200), None)
    back, back_sent, last_bad = None, None, None
    for i, (sent, answered, status) in enumerate(samples):
        if status != 200:
            last_bad = answered
        if (
            back is None
            and answered >= start_at
            and status == 200
            and all(s == 200 for *_, s in samples[i:])
        ):
            back, back_sent = answered, sent
    statuses = {}
    for *_, status in samples:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    waits = sorted(a - s for s, a, _ in samples)
    return {
        "samples": len(samples),
        "statuses": statuses,
        "median_latency_ms": round(waits[len(waits) // 2] * 1000) if waits else None,
        "first_unhealthy_at_s": first_bad,
        "last_unhealthy_at_s": last_bad,
        "healthy_again_at_s": back,
        "healthy_again_probe_sent_at_s": back_sent,
        "recovery_after_pg_start_s": round(back - start_at, 2) if back is not None else None,
        "recovery_after_pg_ready_s": round(back - ready_at, 2) if back is not None else None,
    }


# --- the scenarios ---------------------------------------------------------------


def warm_up(server, slugs_file, workers, timeout):
    """The same mix, one connection per worker: fills the per-process caches (and
    the page cache) without leaving a queue of abandoned requests behind."""
    out = finish_wrk(start_wrk(server.url("/"), WARMUP_SECONDS, workers, slugs_file, timeout))
    warm = parse_wrk(out, time.time())
    if warm["errors"]:
        log(f"  warm-up: {warm['errors']} errors, status {warm['status']}")
    time.sleep(1)  # let the last warm-up requests finish


def steady(database_url, cache, args, slugs_file, logs):
    name = "cache_on" if cache else "cache_off"
    flush_redis()
    server = LoggedGunicorn(
        server_env(database_url, cache), args.workers, logs / f"steady-{name}.log"
    )
    try:
        warm_up(server, slugs_file, args.workers, args.wrk_timeout)
        load_average = os.getloadavg()[0]
        started = time.time()
        proc = start_wrk(
            server.url("/"), args.seconds, args.connections, slugs_file, args.wrk_timeout
        )
        result = parse_wrk(finish_wrk(proc), started)
        result["worker_peak_rss_mb"] = server.worker_peak_rss_mb()
        result["load_average_before"] = load_average
    finally:
        server.stop()
    result["log"] = summarize_log(server.log_path)
    # The page cache starts empty: the rate over the last 20 whole seconds is the
    # warm figure, the overall rate includes filling it.
    per_second = result.pop("per_second")
    last = [
        sum(counts.values())
        for second, counts in per_second.items()
        if args.seconds - 21 <= second < args.seconds - 1
    ]
    result["rps_last_20s"] = round(sum(last) / len(last), 1) if last else None
    result["responses_per_second"] = [sum(counts.values()) for counts in per_second.values()]
    log(
        f"  steady {name}: {result['rps']} req/s ({result['rps_last_20s']} in the last 20 s), "
        f"p50 {result['latency_ms']['p50']} ms, "
        f"p95 {result['latency_ms']['p95']} ms, p99 {result['latency_ms']['p99']} ms, "
        f"errors {result['errors']}, status {result['status']}, "
        f"page cache hits {result['page_cache_hit_ratio']}"
    )
    return result


def outage(database_url, cache, args, slugs_file, logs):
    name = "cache_on" if cache else "cache_off"
    busy = wait_for_quiet_postgres(database_url, args.quiet_wait)
    if busy and not args.cut_sessions:
        log(f"  outage {name} skipped: other PostgreSQL sessions {busy} (--cut-sessions to go on)")
        return {"skipped": f"other PostgreSQL sessions would be cut: {busy}"}
    flush_redis()
    server = LoggedGunicorn(
        server_env(database_url, cache), args.workers, logs / f"outage-{name}.log"
    )
    events = {}
    poller = None
    try:
        warm_up(server, slugs_file, args.workers, args.wrk_timeout)
        events["load_average"] = os.getloadavg()[0]
        started = time.time()
        poller = HealthPoller(server.url("/healthz"), started)
        poller.start()
        proc = start_wrk(
            server.url("/"), args.outage_seconds, args.connections, slugs_file, args.wrk_timeout
        )
        try:
            time.sleep(max(0.0, started + OUTAGE_STOP_AFTER - time.time()))
            events["other_sessions_cut"] = other_sessions(database_url)
            events["pg_stop_at_s"] = round(time.time() - started, 2)
            pg_ctl("stop")
            events["pg_down_at_s"] = round(time.time() - started, 2)
            time.sleep(max(0.0, started + OUTAGE_STOP_AFTER + OUTAGE_DOWN_FOR - time.time()))
            events["pg_start_at_s"] = round(time.time() - started, 2)
            # pg_ctlcluster waits a while after the server is up: poll beside it.
            starting = subprocess.Popen(pg_ctl_command("start"), stdout=subprocess.DEVNULL)
            deadline = time.time() + 60
            while not pg_ready() and time.time() < deadline:
                time.sleep(0.05)
            events["pg_ready_at_s"] = round(time.time() - started, 2)
            starting.wait(timeout=120)
            events["pg_started_at_s"] = round(time.time() - started, 2)
        finally:
            ensure_postgres_running()
        result = parse_wrk(finish_wrk(proc), started)
        time.sleep(0.5)
    finally:
        if poller is not None:
            poller.halt.set()
            poller.join(timeout=10)
        server.stop()
    result["log"] = summarize_log(server.log_path)
    first_503, last_503 = availability_times(server.log_path, started)
    events["server_first_503_at_s"], events["server_last_503_at_s"] = first_503, last_503
    result["events"] = events
    result["healthz"] = health_summary(
        poller.samples, events["pg_stop_at_s"], events["pg_start_at_s"], events["pg_ready_at_s"]
    )
    result["healthz_timeline"] = compress_timeline(poller.samples)
    per_second = result["per_second"]
    result["per_second"] = {
        str(second): counts for second, counts in per_second.items()
    }  # JSON keys are strings
    end = args.outage_seconds
    tail = [counts for second, counts in per_second.items() if second >= end - CLEAN_TAIL]
    result["tail_clean"] = bool(tail) and all(
        200 <= int(code) < 400 for counts in tail for code in counts
    )
    bad_seconds = [
        second
        for second, counts in per_second.items()
        if any(not 200 <= int(code) < 400 for code in counts)
    ]
    result["first_error_second"] = min(bad_seconds) if bad_seconds else None
    result["last_error_second"] = max(bad_seconds) if bad_seconds else None
    # wrk counts per whole second: the site answered only 2xx/3xx from the end
    # of the last second that had an error.
    ended = round(max(bad_seconds) + 1, 2) if bad_seconds else None
    result["errors_ended_at_s"] = ended
    result["errors_ended_after_pg_start_s"] = (
        round(ended - events["pg_start_at_s"], 2) if ended is not None else None
    )
    result["served_500"] = sum(n for code, n in result["status"].items() if code == "500")
    result["served_503"] = result["status"].get("503", 0)
    log(
        f"  outage {name}: status {result['status']}, socket errors {result['socket_errors']}, "
        f"healthz {result['healthz']}, tail clean {result['tail_clean']}"
    )
    return result


def compress_timeline(samples):
    """[[from_s, to_s, status], …]: runs of equal /healthz answers, by answer time."""
    runs = []
    for _, answered, status in samples:
        if runs and runs[-1][2] == status:
            runs[-1][1] = answered
        else:
            runs.append([answered, answered, status])
    return runs


# --- report --------------------------------------------------------------------


def verdicts(results):
    checks = {}
    for name, row in results["steady"].items():
        checks[f"steady {name}: no errors"] = row["errors"] == 0
    for name, row in results["outage"].items():
        if "skipped" in row:
            continue
        checks[f"outage {name}: no 500s"] = row["served_500"] == 0
        checks[f"outage {name}: only 503 as errors"] = all(
            200 <= int(code) < 400 or code == "503" for code in row["status"]
        )
        checks[f"outage {name}: last {CLEAN_TAIL} s only 2xx/3xx"] = row["tail_clean"]
        checks[f"outage {name}: /healthz recovered"] = (
            row["healthz"]["healthy_again_at_s"] is not None
        )
    return checks


def print_table(r):
    print(
        f"\nLoad test: {r['releases']} releases, {r['machine']['cpus']} CPUs, "
        f"{r['workers']} gunicorn workers, wrk -t2 -c{r['connections']}, {r['date']}\n"
    )
    if r["steady"]:
        print(f"steady mix, {r['seconds']} s")
        print(
            f"{'':12} {'req/s':>8} {'last 20s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'max ms':>8} {'requests':>9} {'errors':>7} {'hits':>6}  status"
        )
        for name, row in r["steady"].items():
            lat = row["latency_ms"]
            hits = row["page_cache_hit_ratio"]
            print(
                f"{name:12} {row['rps']:>8} {row['rps_last_20s']:>8} {lat['p50']:>8} "
                f"{lat['p95']:>8} {lat['p99']:>8} {lat['max']:>8} {row['requests']:>9} "
                f"{row['errors']:>7} "
                f"{hits if hits is not None else '-':>6}"
                f"  {row['status']}"
            )
    if r["outage"]:
        print(
            f"\nPostgreSQL stopped at ~{OUTAGE_STOP_AFTER} s for ~{OUTAGE_DOWN_FOR} s, "
            f"{r['outage_seconds']} s run"
        )
        for name, row in r["outage"].items():
            if "skipped" in row:
                print(f"{name:12} skipped: {row['skipped']}")
                continue
            ev, hz = row["events"], row["healthz"]
            print(f"{name:12} status {row['status']}  socket errors {row['socket_errors']}")
            print(
                f"{'':12} pg stop {ev['pg_stop_at_s']} s, down {ev['pg_down_at_s']} s, "
                f"start {ev['pg_start_at_s']} s, pg_isready {ev['pg_ready_at_s']} s "
                f"(pg_ctlcluster returned at {ev['pg_started_at_s']} s)"
            )
            print(
                f"{'':12} server answered 503 from {ev['server_first_503_at_s']} s to "
                f"{ev['server_last_503_at_s']} s (osce_cms.availability log)"
            )
            print(
                f"{'':12} wrk saw non-2xx/3xx from the 1-s bucket at {row['first_error_second']} s "
                f"to the one ending at {row['errors_ended_at_s']} s "
                f"({row['errors_ended_after_pg_start_s']} s after the start command); "
                f"last {CLEAN_TAIL} s clean: {row['tail_clean']}; 500s: {row['served_500']}"
            )
            print(
                f"{'':12} /healthz non-200 from {hz['first_unhealthy_at_s']} s to "
                f"{hz['last_unhealthy_at_s']} s, 200 for good from {hz['healthy_again_at_s']} s "
                f"(probe sent at {hz['healthy_again_probe_sent_at_s']} s) "
                f"({hz['recovery_after_pg_start_s']} s after the start command, "
                f"{hz['recovery_after_pg_ready_s']} s after pg_isready; one probe at a time, "
                f"median wait {hz['median_latency_ms']} ms)"
            )
    print("\nchecks:")
    for name, ok in r["checks"].items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    print(
        f"\n(load test took {r['loadtest_seconds']} s; results in {RESULTS.relative_to(ROOT)}; "
        f"gunicorn logs in {r['logs']})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--outage-seconds", type=int, default=40)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--cache", choices=["both", "on", "off"], default="both")
    parser.add_argument("--skip-steady", action="store_true")
    parser.add_argument("--skip-outage", action="store_true")
    parser.add_argument(
        "--wrk-timeout",
        default="30s",
        help="wrk --timeout: an unanswered request counts as an error after it (default 30s, "
        "gunicorn's worker timeout; wrk's own default of 2s only measures the queue)",
    )
    parser.add_argument(
        "--cut-sessions",
        action="store_true",
        help="run the outage even if other PostgreSQL sessions are still open after --quiet-wait",
    )
    parser.add_argument(
        "--quiet-wait",
        type=int,
        default=60,
        help="seconds to wait for other PostgreSQL sessions to end before stopping it",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    if args.outage_seconds < OUTAGE_STOP_AFTER + OUTAGE_DOWN_FOR + CLEAN_TAIL:
        sys.exit(
            f"--outage-seconds must be at least {OUTAGE_STOP_AFTER + OUTAGE_DOWN_FOR + CLEAN_TAIL}"
        )
    started = time.perf_counter()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    if local_cluster(database_url):
        ensure_postgres_running()
    ensure_database(database_url)
    setup_django(database_url)
    total, _seed = build_data(args.releases)
    log(f"{total} releases in the benchmark database")
    logs = Path(tempfile.mkdtemp(prefix="loadtest-"))
    slugs_file = logs / "slugs.txt"
    slugs_file.write_text("\n".join(pick_slugs()) + "\n")
    from django.db import connections

    connections.close_all()  # the outage would break it anyway
    modes = {"both": [True, False], "on": [True], "off": [False]}[args.cache]
    results = {
        "date": datetime.date.today().isoformat(),
        "releases": total,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "outage_seconds": args.outage_seconds,
        "logs": str(logs),
        "steady": {},
        "outage": {},
    }
    try:
        if not args.skip_steady:
            log(f"steady mix, {args.seconds} s at {args.connections} connections:")
            for cache in modes:
                name = "cache_on" if cache else "cache_off"
                results["steady"][name] = steady(database_url, cache, args, slugs_file, logs)
        if not args.skip_outage:
            log(f"PostgreSQL outage under load, {args.outage_seconds} s:")
            for cache in modes:
                name = "cache_on" if cache else "cache_off"
                if not local_cluster(database_url):
                    results["outage"][name] = {"skipped": "DATABASE_URL is not a local cluster"}
                    continue
                results["outage"][name] = outage(database_url, cache, args, slugs_file, logs)
    finally:
        if local_cluster(database_url):
            ok = ensure_postgres_running()
            log(f"PostgreSQL {'is running' if ok else 'is NOT running'} (pg_isready -h 127.0.0.1)")
    results["checks"] = verdicts(results)
    results["loadtest_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    if not all(results["checks"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
