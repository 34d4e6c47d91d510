"""Load with nothing lost: concurrent API clients posting feedback, with retries of the same payloads,
against gunicorn and a Celery worker; then, with the same load, the broker restarted mid-run.

What holds afterwards: every acknowledged response is stored exactly once (counted by external id)
with what was sent, no batch is half-stored, nothing unsent is stored, no 5xx was answered, and the
rollups the workers refreshed incrementally equal a full recompute. The figures are printed (run
with ``-s`` to see them); ``bench/reliability_load.py`` runs the same load for longer.
"""

from __future__ import annotations

import os

import pytest

from .harness import check_stored, rollups_match_full_recompute, run_load, world_create

pytestmark = pytest.mark.redis

SECONDS = float(os.environ.get("CXGOV_LOAD_SECONDS", "5"))
CLIENTS = int(os.environ.get("CXGOV_LOAD_CLIENTS", "8"))


def _verify(stack, world, ledger, label: str) -> None:
    figures = ledger.figures
    stack.wait_idle()
    check = check_stored(world.org, ledger)
    rollup_rows, differences = rollups_match_full_recompute(world.org)
    print(f"\n[{label}] {figures.line()}\n[{label}] rows stored {check.rows_stored}, rows checked "
          f"{check.rows_checked}, rollup rows compared {rollup_rows}, broker restarts {stack.redis.restarts}")
    assert figures.status_5xx == 0, f"{figures.status_5xx} answers were 5xx\n{stack.logs()}"
    assert not figures.other_status, figures.other_status
    assert not figures.failures, figures.failures[:5]
    assert not check.problems, check.problems
    assert not differences, differences
    # Nothing here makes a request fail for good: every batch is eventually acknowledged, so every
    # row stored is an acknowledged one.
    assert figures.batches_acknowledged == figures.batches > 0
    assert check.rows_stored == figures.rows_acknowledged == check.rows_checked
    # The retries really were retries: the server answered some of them as duplicates.
    assert figures.retries > 0 and figures.concurrent_resends > 0
    assert figures.duplicates_reported > 0
    assert figures.created_reported <= check.rows_stored


def test_concurrent_clients_retrying_lose_nothing_and_store_nothing_twice(stack) -> None:
    world = world_create(slug="load")
    stack.worker("worker", concurrency=2)
    base_url = stack.web()

    ledger = run_load(base_url=base_url, world=world, clients=CLIENTS, duration=SECONDS)

    _verify(stack, world, ledger, "load")


def test_redis_restarted_mid_run_loses_nothing(stack) -> None:
    """The broker stops (SIGTERM, as ``docker compose restart`` does) and comes back while clients post
    and the worker refreshes rollups: the web processes' publishes retry until it is back, the worker
    reconnects, and the append-only file brings back what was queued or unacknowledged."""
    world = world_create(slug="restart")
    stack.worker("worker", concurrency=2)
    base_url = stack.web()

    def restart_once(elapsed: float) -> None:
        if stack.redis.restarts == 0 and elapsed >= SECONDS / 3:
            stack.redis.restart(down_for=1.0)

    ledger = run_load(base_url=base_url, world=world, clients=max(CLIENTS // 2, 2), duration=SECONDS,
                      on_progress=restart_once)

    assert stack.redis.restarts == 1
    # The outage really met the load: requests were in flight while Redis was down.
    during = ledger.requests_during(stack.redis.outages)
    stopping, back = stack.redis.outages[0]
    print(f"\n[redis restart] {during} requests in flight during the {back - stopping:.1f} s outage")
    assert during > 0
    _verify(stack, world, ledger, "redis restart")
