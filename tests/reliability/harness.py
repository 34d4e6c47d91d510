"""The machinery of the reliability tests, shared with ``bench/reliability_load.py``.

Real processes, as production runs them: a private ``redis-server`` (so a test may kill and restart
it without touching the Redis other programs use), ``gunicorn`` serving ``cxgov.wsgi`` and
``celery -A cxgov worker``, all pointed at the PostgreSQL database the caller uses. The load driver
posts feedback with plain HTTP from many threads and keeps a ledger of what was acknowledged; the
checks compare that ledger with the database and the incrementally refreshed rollups with a full
recompute.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

BASE_DIR = Path(__file__).resolve().parents[2]
BULK_PATH = "/api/v1/feedback/bulk/"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for(connection: Any) -> str:
    """A DATABASE_URL for the database ``connection`` actually uses (``test_<name>`` under pytest)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return parts._replace(path="/" + quote(str(connection.settings_dict["NAME"]))).geturl()


# --- processes ----------------------------------------------------------------------------------

class Process:
    """A child process with its log file; stopped politely, or killed."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path):
        self.name = name
        self.log_path = log_path
        self.stopped = False  # killed or stopped on purpose
        with log_path.open("a") as log:
            # A session of its own: SIGKILL reaches a prefork worker's children too (see kill()).
            self.proc = subprocess.Popen(argv, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler runs, nothing is acknowledged."""
        self.stopped = True
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 20) -> None:
        self.stopped = True
        if not self.alive:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def stop_all(processes: list[Process | None], timeout: float = 20) -> None:
    """Stop several processes at once (SIGTERM to all, then wait), killing those that linger."""
    running = [p for p in processes if p is not None and p.alive]
    for process in running:
        process.proc.terminate()
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()


class RedisServer:
    """A private redis-server on a free port, with an append-only file in ``data_dir``.

    The append-only file is what docker-compose.yml runs in production: a restarted Redis still holds
    the queued and the unacknowledged (taken but not finished) messages. ``restart()`` stops it as
    ``docker compose restart`` does (SIGTERM: the file is flushed) and starts it again on the same port.
    """

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.process: Process | None = None
        self.restarts = 0
        self.outages: list[tuple[float, float]] = []  # (stopping, answering again), time.monotonic()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir),
                "--save", "", "--appendonly", "yes", "--protected-mode", "no"]
        self.process = Process("redis", argv, dict(os.environ), self.data_dir / "redis.log")
        self.wait_up()

    def wait_up(self, timeout: float = 15) -> None:
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url(), socket_timeout=1).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on {self.port}:\n{self.process.log() if self.process else ''}")

    def restart(self, down_for: float = 0.5) -> None:
        assert self.process is not None
        stopping = time.monotonic()
        self.process.stop()
        time.sleep(down_for)
        self.restarts += 1
        self.start()
        self.outages.append((stopping, time.monotonic()))

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def django_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a web or worker process: the caller's database and broker."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "cxgov.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_URL": redis_url.rsplit("/", 1)[0] + "/1",
        # The load is many requests from one token; the per-user throttle is not what is measured.
        "API_THROTTLE_USER": "1000000/min",
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("CXGOV_TESTING", None)
    env.update(extra)
    return env


def start_web(env: dict[str, str], log_dir: Path, *, workers: int = 2, threads: int = 4) -> tuple[Process, str]:
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "cxgov.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
            "--timeout", "120", "--graceful-timeout", "5"]
    web = Process("web", argv, env, log_dir / "web.log")
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not web.alive:
            raise RuntimeError(f"gunicorn exited:\n{web.log()}")
        try:
            with urllib.request.urlopen(base_url + "/healthz/", timeout=2):  # noqa: S310 - our own http URL
                return web, base_url
        except urllib.error.HTTPError:
            return web, base_url  # it answers, whatever the path says
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{web.log()}")


def start_worker(env: dict[str, str], log_dir: Path, *, name: str, pool: str = "prefork",
                 concurrency: int = 1) -> Process:
    argv = [sys.executable, "-m", "celery", "-A", "cxgov", "worker", "--pool", pool,
            "--concurrency", str(concurrency), "--hostname", f"{name}@%h",
            "--without-mingle", "--without-gossip", "--loglevel", "INFO"]
    return Process(name, argv, env, log_dir / f"{name}.log")


def broker_idle(redis_url: str, queue: str) -> bool:
    """Nothing queued and nothing taken-but-unfinished (a task running, or waiting for a retry).

    A message whose task has already finished may still sit in ``unacked``: a worker that finished
    it while Redis was restarting loses the acknowledgement, and the message comes back after the
    visibility timeout to run once more (the tasks are idempotent). That is redelivery bookkeeping,
    not work still owed, so such a message counts as done.
    """
    import json

    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    # The queue and its priority lists (``celery\x06\x163``...), not the result keys (``celery-task-meta-``).
    queued = sum(client.llen(key) for key in client.scan_iter(match=f"{queue}*", _type="list"))
    if queued:
        return False
    for raw in client.hvals("unacked"):
        task_id = json.loads(raw)[0]["headers"]["id"]
        meta = client.get(f"celery-task-meta-{task_id}")
        if meta is None or json.loads(meta)["status"] not in ("SUCCESS", "FAILURE"):
            return False
    return True


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str,
               logs: Callable[[], str] = lambda: "", interval: float = 0.2,
               watch: list[Process] | None = None) -> None:
    """Poll ``condition``; fail after ``timeout``, or at once if a process of ``watch`` died unasked."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        dead = [p for p in watch or [] if not p.stopped and not p.alive]
        if dead:
            raise AssertionError(f"{dead[0].name} exited with {dead[0].proc.returncode} while waiting for "
                                 f"{what}\n{logs()}")
        try:
            if condition():
                return
        except Exception as exc:  # noqa: BLE001 - a broker being restarted answers with errors for a moment
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last error: {last_error})\n{logs()}")


# --- the data the load runs against ---------------------------------------------------------------

@dataclass
class World:
    org: Any
    token: str
    touchpoints: list[int]


def world_create(*, slug: str) -> World:
    """An organization (Madrid time, so local days differ from UTC ones) with two journeys, five
    touchpoints and an integrator's API token; its default catalogue brings the api source and metrics."""
    from cxgov.tenancy.models import User
    from cxgov.tenancy.services import api_token_create, membership_set, organization_create
    from voc.services import journey_create, touchpoint_create

    org = organization_create(name=f"Load {slug}", slug=slug, timezone_name="Europe/Madrid")
    user = User.objects.create_user(email=f"integrator@{slug}.example", password=None)
    membership_set(org=org, user=user, role="integrator")
    _token, raw = api_token_create(org=org, user=user, name="load")
    touchpoints = []
    for j in range(2):
        journey = journey_create(org=org, name=f"Journey {j}")
        for t in range(3 if j == 0 else 2):
            touchpoints.append(touchpoint_create(org=org, journey=journey, name=f"Touchpoint {j}.{t}").pk)
    return World(org=org, token=raw, touchpoints=touchpoints)


# --- the load driver ----------------------------------------------------------------------------

@dataclass
class LoadFigures:
    clients: int = 0
    seconds: float = 0.0
    requests: int = 0
    retries: int = 0            # re-sends of a payload already sent (deliberate, after a timeout, or after an error)
    concurrent_resends: int = 0  # a payload posted by two connections at once
    client_timeouts: int = 0
    connection_errors: int = 0
    status_5xx: int = 0
    other_status: Counter = field(default_factory=Counter)
    batches: int = 0
    batches_acknowledged: int = 0
    rows_acknowledged: int = 0
    created_reported: int = 0
    duplicates_reported: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.clients} clients, {self.seconds:.1f} s: {self.requests} requests "
                f"({self.requests / max(self.seconds, 0.001):.0f}/s), {self.retries} retries "
                f"({self.concurrent_resends} concurrent, {self.client_timeouts} after a client timeout, "
                f"{self.connection_errors} after a connection error), {self.batches_acknowledged}/{self.batches} "
                f"batches = {self.rows_acknowledged} rows acknowledged, created {self.created_reported} + "
                f"duplicates {self.duplicates_reported} reported, 5xx: {self.status_5xx}, "
                f"other statuses: {dict(self.other_status)}")


class Ledger:
    """Every payload sent and which were acknowledged (a 200 with counts); thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.batches: dict[str, list[dict[str, Any]]] = {}
        self.acknowledged: set[str] = set()
        self.spans: list[tuple[float, float]] = []  # each request's (start, end), time.monotonic()
        self.figures = LoadFigures()

    def requests_during(self, windows: list[tuple[float, float]]) -> int:
        """How many requests were in flight at some moment of one of ``windows``."""
        return sum(1 for start, end in self.spans if any(start < w_end and end > w_start for w_start, w_end in windows))

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self.figures, name, getattr(self.figures, name) + value)


def _batch(rng: random.Random, world: World, ident: str, size: int, now: dt.datetime) -> list[dict[str, Any]]:
    items = []
    for i in range(size):
        metric = rng.choice(("nps", "nps", "csat"))
        score = rng.randint(0, 10) if metric == "nps" else rng.randint(1, 5)
        # Spread over 40 days and every hour, so days, weeks and months are touched concurrently.
        when = now - dt.timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        items.append({"external_id": f"{ident}-{i}", "metric": metric, "score": score,
                      "touchpoint": rng.choice(world.touchpoints), "submitted_at": when.isoformat()})
    return items


def _post(base_url: str, token: str, body: bytes, timeout: float) -> tuple[int, dict[str, Any] | None]:
    request = urllib.request.Request(base_url + BULK_PATH, data=body, method="POST", headers={  # noqa: S310
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http://127.0.0.1
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code, None


def run_load(*, base_url: str, world: World, clients: int, duration: float, batch_size: int = 25,
             timeout: float = 2.0, seed: int = 7, max_attempts: int = 30,
             on_progress: Callable[[float], None] | None = None) -> Ledger:
    """``clients`` threads post fresh batches for ``duration`` seconds, each until acknowledged.

    Retries, as real clients do them: a batch is re-sent after a client-side timeout (its first
    attempt may still commit), after a connection error or a 5xx (with backoff); one in four
    acknowledged batches is re-sent once more (a client that lost the answer); one in six is posted by
    two connections at once (a retry racing its own first attempt). ``on_progress(elapsed)`` runs
    every ~0.2 s in the calling thread (a test injects faults from it).
    """
    ledger = Ledger()
    ledger.figures.clients = clients
    now = dt.datetime.now(dt.UTC)
    deadline = time.monotonic() + duration
    started = time.monotonic()

    def send(ident: str, body: bytes, rows: int, first: bool) -> bool:
        """Post until acknowledged (or out of attempts). Returns whether it was."""
        for attempt in range(max_attempts):
            if attempt or not first:
                ledger.add(retries=1)
            ledger.add(requests=1)
            began = time.monotonic()
            try:
                status, answer = _post(base_url, world.token, body, timeout)
            except TimeoutError:
                ledger.add(client_timeouts=1)
                continue
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                if isinstance(getattr(exc, "reason", None), TimeoutError):
                    ledger.add(client_timeouts=1)
                else:
                    ledger.add(connection_errors=1)
                time.sleep(min(0.05 * 2 ** attempt, 1.0))
                continue
            finally:
                with ledger.lock:
                    ledger.spans.append((began, time.monotonic()))
            if status == 200 and answer is not None:
                with ledger.lock:
                    ledger.acknowledged.add(ident)
                    ledger.figures.created_reported += answer["created"]
                    ledger.figures.duplicates_reported += answer["duplicates"]
                    if answer["errors"]:
                        ledger.figures.failures.append(f"{ident}: row errors {answer['errors'][:2]}")
                return True
            if status >= 500:
                ledger.add(status_5xx=1)
            else:
                with ledger.lock:
                    ledger.figures.other_status[status] += 1
                if status not in (429,):
                    return False
            time.sleep(min(0.05 * 2 ** attempt, 1.0))
        return False

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        sequence = 0
        while time.monotonic() < deadline:
            ident = f"c{number}-b{sequence}"
            sequence += 1
            items = _batch(rng, world, ident, batch_size, now)
            body = json.dumps({"responses": items}).encode()
            with ledger.lock:
                ledger.batches[ident] = items
                ledger.figures.batches += 1
            if rng.random() < 1 / 6:
                ledger.add(concurrent_resends=1)
                twin = threading.Thread(target=send, args=(ident, body, len(items), False))
                twin.start()
                send(ident, body, len(items), True)
                twin.join()
            elif send(ident, body, len(items), True) and rng.random() < 1 / 4:
                send(ident, body, len(items), False)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        if on_progress is not None:
            on_progress(time.monotonic() - started)
        time.sleep(0.2)
    ledger.figures.seconds = time.monotonic() - started
    ledger.figures.batches_acknowledged = len(ledger.acknowledged)
    ledger.figures.rows_acknowledged = sum(len(ledger.batches[i]) for i in ledger.acknowledged)
    return ledger


# --- the checks -----------------------------------------------------------------------------------

@dataclass
class Check:
    rows_stored: int
    rows_checked: int
    problems: list[str]


def check_stored(org: Any, ledger: Ledger) -> Check:
    """Every acknowledged row stored exactly once with what was sent; every batch whole or absent;
    nothing stored that was never sent."""
    from decimal import Decimal

    from voc.models import Response

    rows = list(Response.objects.for_org(org).values_list("external_id", "source__code", "score", "metric__code",
                                                         "touchpoint_id"))
    problems: list[str] = []
    counts = Counter(r[0] for r in rows)
    twice = [k for k, n in counts.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} external ids stored more than once, e.g. {twice[:3]}")
    stored = {r[0]: r for r in rows}
    sent = {item["external_id"]: item for items in ledger.batches.values() for item in items}
    strays = set(stored) - set(sent)
    if strays:
        problems.append(f"{len(strays)} stored rows were never sent, e.g. {sorted(strays)[:3]}")
    checked = 0
    for ident, items in ledger.batches.items():
        present = [item["external_id"] in stored for item in items]
        if ident in ledger.acknowledged and not all(present):
            problems.append(f"acknowledged batch {ident}: {present.count(False)} of {len(items)} rows missing")
        elif any(present) and not all(present):
            problems.append(f"batch {ident} half-stored: {present.count(True)} of {len(items)} rows")
        for item in items:
            row = stored.get(item["external_id"])
            if row is None:
                continue
            checked += 1
            expected = ("api", Decimal(item["score"]), item["metric"], item["touchpoint"])
            if (row[1], Decimal(row[2]), row[3], row[4]) != expected:
                problems.append(f"{item['external_id']} stored as {row[1:]}, sent {expected}")
    return Check(rows_stored=len(rows), rows_checked=checked, problems=problems[:20])


def rollup_snapshot(org: Any) -> list[tuple]:
    from voc.models import Rollup

    return sorted(Rollup.objects.for_org(org).values_list(
        "metric_id", "grain", "subject_id", "period", "period_start", "n", "score_sum", "favourable",
        "unfavourable", "value"))


def rollups_match_full_recompute(org: Any) -> tuple[int, list[str]]:
    """Compare the rollups the workers left with a full recompute; returns (rows, differences)."""
    from voc.rollups import rollups_refresh

    incremental = rollup_snapshot(org)
    rollups_refresh(org=org)
    full = rollup_snapshot(org)
    if incremental == full:
        return len(full), []
    only_incremental = sorted(set(incremental) - set(full))
    only_full = sorted(set(full) - set(incremental))
    return len(full), [f"{len(only_incremental)} rows differ from a full recompute ({len(only_full)} expected), "
                       f"e.g. left {only_incremental[:2]} expected {only_full[:2]}"]
