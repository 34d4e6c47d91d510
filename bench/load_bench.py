"""Load benchmark: the executive dashboard and the rollups API under concurrent clients, side by side
with a trivial view that does one query (``/healthz/``), in one run, on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres cxgov_load      # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxgov_load .venv/bin/python bench/load_bench.py

It migrates the database, builds (once, then reuses) an organization with N responses, 200
initiatives, a maturity history, rollups, an executive and an integrator; counts the SQL queries of
one request to each URL in-process (``CaptureQueriesContext``) and lists the dashboard's slowest; then
starts gunicorn (sync workers, ``DEBUG=false``, production settings behind a TLS proxy: requests
carry ``X-Forwarded-Proto: https``), drives each URL with ``wrk`` for ``--duration`` seconds, stops
gunicorn and prints requests/s, p50 / p95 / p99 latency, errors, and the dashboard's p95 over the
trivial view's (target ≤ 3×).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WRK = "/usr/bin/wrk"
SLUG = "bench-load"
DASHBOARD_CANDIDATES = ("/dashboard/executive/", "/")
# The benchmark hammers one token far beyond the API's default 1,200 requests a minute; the
# throttle still runs (and costs what it costs), it just never answers 429.
THROTTLE = "1000000/min"

LUA = r"""
wrk.headers["X-Forwarded-Proto"] = "https"
%(headers)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0; last_status = 0 end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1; last_status = status end
end
function done(summary, latency, requests)
  local bad, last = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("not_ok")
    if t:get("last_status") ~= 0 then last = t:get("last_status") end
  end
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %%d %%f %%f %%f %%f %%f %%d %%d %%d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    e.connect + e.read + e.write + e.timeout, bad, last))
end
"""


@dataclass
class Result:
    name: str
    url: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    socket_errors: int
    not_200: int
    last_bad_status: int
    load_before: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def configure_environment() -> None:
    """Production mode for this process and gunicorn: DEBUG off, a throwaway secret, no 429s."""
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["API_THROTTLE_USER"] = THROTTLE
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.load_settings"
    os.environ.pop("CXGOV_TESTING", None)


def setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_dataset(n: int, initiatives: int):
    """The benchmark organization with ``n`` responses and its programme; built once, then reused."""
    from django.db import connection

    from bench.datagen import bench_org, bench_programme, bench_rollups, load_responses
    from voc.models import Response

    org = bench_org(SLUG)
    have = Response.objects.for_org(org).count()
    loaded = False
    if have < n:
        start = time.perf_counter()
        load_responses(org, n - have, seed=have + 1, prefix=f"load{have}")
        print(f"loaded {n - have:,} responses with COPY in {time.perf_counter() - start:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE voc_response")
        loaded = True
    start = time.perf_counter()
    users = bench_programme(org, initiatives=initiatives)
    if loaded and have:
        bench_rollups(org, force=True)  # new responses: the existing rollups are stale
    print(f"programme ready in {time.perf_counter() - start:.1f} s")
    return org, users


def collect_static() -> None:
    from django.conf import settings
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    call_command("collectstatic", interactive=False, verbosity=0)
    if not manifest.exists():
        sys.exit(f"collectstatic wrote no manifest at {manifest}")


def dashboard_url(wanted: str | None) -> str:
    from django.urls import Resolver404, resolve

    if wanted:
        return wanted
    for candidate in DASHBOARD_CANDIDATES:
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate
    return "/"


def rollups_url(org) -> str:
    today = dt.date.today()
    start = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    return (f"/api/v1/rollups/?metric=nps&grain=touchpoint&period=month"
            f"&from={start.isoformat()}&to={today.replace(day=1).isoformat()}")


def session_cookie(user) -> str:
    """A real session row for ``user``, as the login view would leave it."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@dataclass
class InProcess:
    status: int
    queries: list
    wall_ms: float  # median of a few requests through the test client, one process, no concurrency
    sql_ms: float  # of those, waiting on SQL (as Django's query log times it)


def in_process(targets: dict[str, tuple[str, dict[str, str]]], repeat: int = 7) -> dict[str, InProcess]:
    """Per name: status, queries, median wall time and SQL time of one request in this process, after
    a warm-up request: where a request's time goes when nothing else competes for the workers."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out = {}
    for name, (url, headers) in targets.items():
        client = Client(headers=headers)
        client.get(url, secure=True)
        runs = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url, secure=True)
                wall = time.perf_counter() - start
            runs.append((wall, sum(float(q["time"]) for q in ctx.captured_queries), ctx.captured_queries))
        wall, sql, queries = sorted(runs, key=lambda r: r[0])[repeat // 2]
        out[name] = InProcess(status=response.status_code, queries=queries, wall_ms=wall * 1000, sql_ms=sql * 1000)
    return out


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", url, headers={"X-Forwarded-Proto": "https", **headers})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "cxgov.wsgi:application", "--chdir", str(ROOT),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--timeout", "120", "--log-level", "warning",
    ]
    server = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        try:
            if get(port, "/healthz/", {})[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(server)
    sys.exit("gunicorn did not answer /healthz/ within 60 s")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # the arbiter stops its workers gracefully
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run_wrk(name: str, port: int, url: str, headers: dict[str, str], args, workdir: Path, *,
            duration: int | None = None) -> Result:
    lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    script = workdir / f"{re.sub(r'[^a-z]+', '-', name)}.lua"
    script.write_text(LUA % {"headers": lines})
    load = os.getloadavg()[0]
    command = [WRK, "--threads", str(args.threads), "--connections", str(args.connections),
               "--duration", f"{duration or args.duration}s", "--timeout", "30s", "--script", str(script),
               f"http://127.0.0.1:{port}{url}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = re.search(r"^BENCH_RESULT (.*)$", output, re.M)
    if match is None:
        sys.exit(f"wrk printed no result for {name}:\n{output}")
    requests, micros, p50, p95, p99, mean, sock, bad, last = match.group(1).split()
    return Result(name=name, url=url, requests=int(requests), seconds=float(micros) / 1e6, p50_ms=float(p50) / 1e3,
                  p95_ms=float(p95) / 1e3, p99_ms=float(p99) / 1e3, mean_ms=float(mean) / 1e3,
                  socket_errors=int(sock), not_200=int(bad), last_bad_status=int(last), load_before=load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000, help="responses in the organization")
    parser.add_argument("--initiatives", type=int, default=200)
    parser.add_argument("--duration", type=int, default=12, help="seconds of wrk per URL")
    parser.add_argument("--connections", type=int, default=8, help="concurrent wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--url-dashboard", default=None,
                        help="the executive dashboard's path (default: /dashboard/executive/ when it exists, else /)")
    parser.add_argument("--explain", type=int, default=0, metavar="N",
                        help="also print the plans of the dashboard's N costliest queries")
    args = parser.parse_args()
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")
    if not os.path.exists(WRK):
        sys.exit(f"wrk is needed at {WRK}")

    configure_environment()
    setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Run the benchmark on PostgreSQL: set DATABASE_URL=postgres://…")
    from bench.datagen import bench_token
    from voc.models import Response

    org, users = ensure_dataset(args.responses, args.initiatives)
    collect_static()
    token = bench_token(org, users["integrator"])
    cookie = session_cookie(users["executive"])
    dash = dashboard_url(args.url_dashboard)
    targets = {
        "trivial /healthz/": ("/healthz/", {}),
        "executive dashboard": (dash, {"Cookie": cookie}),
        "rollups API": (rollups_url(org), {"Authorization": f"Bearer {token}"}),
    }
    n = Response.objects.for_org(org).count()
    print(f"organization {org.slug}: {n:,} responses, dashboard {dash}")

    single = in_process(targets)
    # The dashboard's body is cached (cxgov/dashboards/freshness.py) when the cache is shared (Redis):
    # the rows above are then cache hits. The same request rendered from the database, for the plans:
    from django.test import override_settings

    with override_settings(DASHBOARD_BODY_CACHE=False):
        single["dashboard, uncached"] = in_process({"x": targets["executive dashboard"]})["x"]
    print("\nOne request at a time, in-process (test client, same settings), median of 7:")
    print(f"  {'':<22} {'queries':>7} {'wall ms':>8} {'SQL ms':>7} {'other ms':>8}")
    for name, r in single.items():
        print(f"  {name:<22} {len(r.queries):>7} {r.wall_ms:8.1f} {r.sql_ms:7.1f} {r.wall_ms - r.sql_ms:8.1f}"
              f"  (HTTP {r.status})")
    if single["executive dashboard"].status != 200:
        sys.exit(f"the dashboard answered {single['executive dashboard'].status} to the executive; nothing to measure")
    # The database's own time for each of the dashboard's reads (EXPLAIN ANALYZE runs it again; reads
    # only), against the time the request waited for it: the gap is round trips and a busy machine.
    reads = [q for q in single["dashboard, uncached"].queries
             if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    timed = []
    for q in reads:
        plan = explain(q["sql"])
        server_ms = sum(float(x) for x in re.findall(r"(?:Planning|Execution) Time: ([\d.]+) ms", plan))
        timed.append((server_ms, float(q["time"]) * 1000, q["sql"], plan))
    timed.sort(key=lambda t: -t[0])
    print(f"\ndashboard: PostgreSQL plans and executes its {len(reads)} reads in "
          f"{sum(t[0] for t in timed):.1f} ms (EXPLAIN ANALYZE); the request waited "
          f"{sum(t[1] for t in timed):.1f} ms for them. Costliest on the server:")
    for server_ms, waited_ms, sql, _plan in timed[:5]:
        print(f"  {server_ms:6.2f} ms server {waited_ms:6.1f} ms waited  {sql[:110]}")
    for server_ms, _waited, sql, plan in timed[:args.explain]:
        print(f"\nEXPLAIN ANALYZE ({server_ms:.2f} ms):\n{sql[:300]}\n{plan}")
    connection.close()  # gunicorn's workers get their own; this one would sit idle in a transaction

    port = free_port()
    server = start_gunicorn(port, args.workers)
    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory(prefix="cxgov-load-") as tmp:
            for name, (url, headers) in targets.items():
                status, body = get(port, url, headers)
                if status != 200:
                    sys.exit(f"{name} {url} answered {status} over HTTP: {body[:300]!r}")
                run_wrk(name, port, url, headers, args, Path(tmp), duration=2)  # warm both workers
                results.append(run_wrk(name, port, url, headers, args, Path(tmp)))
    finally:
        stop_gunicorn(server)

    print(f"\nwrk {args.duration} s per URL, {args.connections} connections, {args.threads} threads; "
          f"gunicorn {args.workers} sync workers; {os.cpu_count()} CPUs")
    # "worker ms" = workers / throughput: the worker time one request costs (latency minus queueing).
    print(f"{'':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'worker ms':>9} {'errors':>7} "
          f"{'load':>5}  url")
    for r in results:
        errors = r.socket_errors + r.not_200
        worker_ms = args.workers * 1000 / r.rps if r.rps else float("nan")
        print(f"{r.name:<22} {r.rps:8.1f} {r.p50_ms:8.1f} {r.p95_ms:8.1f} {r.p99_ms:8.1f} {worker_ms:9.1f} {errors:>7} "
              f"{r.load_before:5.2f}  {r.url[:60]}")
        if r.not_200:
            print(f"  {r.not_200} responses were not 200 (last: {r.last_bad_status})")
    trivial, dashboard, api = results
    ratio = dashboard.p95_ms / trivial.p95_ms
    verdict = "met" if ratio <= 3 else "NOT met"
    print(f"\ndashboard p95 / trivial p95 = {ratio:.2f}x  (target <= 3x: {verdict})")
    print(f"rollups API p95 / trivial p95 = {api.p95_ms / trivial.p95_ms:.2f}x")
    from cxgov.dashboards.freshness import body_cache_enabled

    print(f"dashboard SQL queries per request: {len(single['executive dashboard'].queries)} "
          f"(body cache {'on' if body_cache_enabled() else 'off: set REDIS_URL'}; "
          f"{len(single['dashboard, uncached'].queries)} uncached)")


if __name__ == "__main__":
    main()
