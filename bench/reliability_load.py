"""Load with nothing lost, for longer than CI runs it (tests/reliability/test_load.py).

Many API clients post feedback to ``POST /api/v1/feedback/bulk/`` on loopback against gunicorn, with a
Celery worker refreshing rollups, for ``--duration`` seconds; clients re-send payloads (after a client
timeout, after an error, deliberately, and two connections at once). Optionally the private Redis is
restarted every ``--restart-redis-every`` seconds. Afterwards it checks that every acknowledged response
is stored exactly once with what was sent, that no batch is half-stored, that the rollups equal a full
recompute, and counts the 5xx. Exit status 1 if any of that fails.

    createdb -h 127.0.0.1 -U postgres cxgov_bench      # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxgov_bench \\
      .venv/bin/python bench/reliability_load.py --duration 60 --clients 16

It works in a throwaway database (``test_<name>``, created and dropped) and a private redis-server, so
it touches neither the named database nor a shared Redis.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads (default 16)")
    parser.add_argument("--batch-size", type=int, default=25, help="responses per request (default 25)")
    parser.add_argument("--timeout", type=float, default=2.0, help="client timeout before a re-send, s (default 2)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--celery-concurrency", type=int, default=2, help="Celery worker processes (default 2)")
    parser.add_argument("--restart-redis-every", type=float, default=0.0,
                        help="restart the private Redis every N seconds during the load (default: never)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL database (SQLite cannot take concurrent writers)")
    for name, value in (("--duration", args.duration), ("--clients", args.clients),
                        ("--batch-size", args.batch_size), ("--timeout", args.timeout)):
        if value <= 0:
            parser.error(f"{name} must be positive")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxgov.settings")
    os.environ.pop("REDIS_URL", None)  # this process enqueues nothing; the web and worker get the private Redis
    import django

    django.setup()
    from django.db import connection

    from tests.reliability.harness import (
        RedisServer,
        broker_idle,
        check_stored,
        database_url_for,
        django_env,
        rollups_match_full_recompute,
        run_load,
        start_web,
        start_worker,
        wait_until,
        world_create,
    )

    started = time.monotonic()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    processes = []
    with tempfile.TemporaryDirectory(prefix="cxgov-reliability-") as tmp:
        tmp_dir = Path(tmp)
        redis = RedisServer(tmp_dir)
        try:
            redis.start()
            env = django_env(database_url=database_url_for(connection), redis_url=redis.url(),
                             MEDIA_ROOT=str(tmp_dir / "media"))
            world = world_create(slug="bench-load")
            processes.append(start_worker(env, tmp_dir, name="worker", concurrency=args.celery_concurrency))
            web, base_url = start_web(env, tmp_dir, workers=args.web_workers)
            processes.append(web)
            print(f"setup {time.monotonic() - started:.1f} s; load for {args.duration:.0f} s with {args.clients} "
                  f"clients × {args.batch_size} responses per request against {base_url}", flush=True)

            next_restart = args.restart_redis_every or float("inf")

            def on_progress(elapsed: float) -> None:
                nonlocal next_restart
                if elapsed >= next_restart and elapsed < args.duration - 1:
                    redis.restart(down_for=1.0)
                    print(f"  Redis restarted at {elapsed:.1f} s", flush=True)
                    next_restart += args.restart_redis_every

            ledger = run_load(base_url=base_url, world=world, clients=args.clients, duration=args.duration,
                              batch_size=args.batch_size, timeout=args.timeout, on_progress=on_progress)
            drain_started = time.monotonic()
            wait_until(lambda: broker_idle(redis.url(), "celery"), timeout=600,
                       what="the worker to drain the queue",
                       logs=lambda: "\n".join(p.log() for p in processes))
            drained = time.monotonic() - drain_started
            check = check_stored(world.org, ledger)
            rollup_rows, differences = rollups_match_full_recompute(world.org)
        finally:
            for process in reversed(processes):
                process.stop()
            redis.stop()
            connection.creation.destroy_test_db(original_name, verbosity=0)

    figures = ledger.figures
    print(figures.line())
    print(f"queue drained {drained:.1f} s after the load; rows stored {check.rows_stored}, rows checked "
          f"{check.rows_checked}, rollup rows compared with a full recompute {rollup_rows}; "
          f"Redis restarts {redis.restarts}; total {time.monotonic() - started:.0f} s")
    failures = list(check.problems) + list(differences) + figures.failures[:5]
    if figures.status_5xx:
        failures.append(f"{figures.status_5xx} answers were 5xx")
    if figures.batches_acknowledged != figures.batches:
        failures.append(f"{figures.batches - figures.batches_acknowledged} batches never acknowledged")
    for failure in failures:
        print(f"FAIL: {failure}")
    print("OK: nothing lost, nothing doubled, rollups equal a full recompute, no 5xx" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
