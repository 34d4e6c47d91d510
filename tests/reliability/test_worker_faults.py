"""Worker faults: a Celery worker killed with SIGKILL in the middle of a rollup refresh and in the middle
of a CSV import; a new worker finishes the work, and nothing is lost or doubled.

How "in the middle" is made deterministic without hooks in production code:
- the rollup refresh: this test holds row locks on the month rollups the refresh must rewrite, so the
  worker's refresh transaction is seen (in ``pg_stat_activity``) open and waiting inside its work
  when the worker is killed; PostgreSQL then rolls the transaction back;
- the import: a file of many chunks, and each kill as soon as the job's progress shows a chunk counted.
The import is first hit by killing only the pool process running it (the worker rejects the message on
worker loss and it is redelivered at once), then by killing the whole worker. A dead worker's messages
were taken but never acknowledged (acks late), so the broker hands them to the next worker after the
visibility timeout (4 s in these tests, see process_settings.py; 30 min in production).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from cxgov.celery import app as celery_app
from voc import tasks as voc_tasks
from voc.ingest import services as ingest
from voc.models import ImportJob, Response, Rollup
from voc.rollups import rollups_refresh
from voc.services import responses_record

from .harness import rollup_snapshot, rollups_match_full_recompute, wait_until, world_create

pytestmark = pytest.mark.redis


@pytest.fixture
def publish_to_stack(stack, monkeypatch):
    """Tasks this test process enqueues (after commit, as the services do) go to the stack's broker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False

    def delay_via_stack(task):
        def delay(*args: Any, **kwargs: Any):
            with celery_app.connection_for_write(stack.redis.url()) as conn:
                return task.apply_async(args=args, kwargs=kwargs, queue=stack.queue, connection=conn)
        return delay

    for task in (voc_tasks.refresh_rollups, voc_tasks.import_feedback):
        monkeypatch.setattr(task, "delay", delay_via_stack(task))
    try:
        yield stack
    finally:
        celery_app.conf.task_always_eager = previous


def _rows(prefix: str, n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for i in range(n):
        metric = rng.choice(("nps", "csat"))
        rows.append({"source": "api", "external_id": f"{prefix}{i}", "metric": metric,
                     "score": rng.randint(0, 10) if metric == "nps" else rng.randint(1, 5),
                     "submitted_at": now - dt.timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))})
    return rows


def _expected_rollups(org) -> list[tuple]:
    """What a full recompute would give, computed in a transaction that is then rolled back."""
    expected: list[tuple] = []
    try:
        with transaction.atomic():
            rollups_refresh(org=org)
            expected = rollup_snapshot(org)
            raise _Discard
    except _Discard:
        pass
    return expected


class _Discard(Exception):
    pass


def _blocked_by(locker_pid: int) -> list[int]:
    """Backends waiting for a lock that ``locker_pid`` holds.

    Read through Django's connection (autocommit): inside a transaction PostgreSQL would answer from a
    snapshot of the activity taken at its first read.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [locker_pid])
        return [row[0] for row in cursor.fetchall()]


def _activity() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, state, wait_event_type, wait_event, left(query, 120) FROM pg_stat_activity "
                       "WHERE datname = current_database()")
        return "\n".join(map(str, cursor.fetchall()))


def _dsn() -> str:
    settings = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None, port=settings["PORT"] or None,
    )


def test_worker_killed_mid_rollup_refresh_then_a_new_worker_completes_it(publish_to_stack) -> None:
    stack = publish_to_stack
    world = world_create(slug="kill-refresh")
    org = world.org
    responses_record(org=org, rows=_rows("a", 400, seed=1))  # enqueues a refresh after commit
    first = stack.worker("worker-1")
    stack.wait_idle()
    assert Rollup.objects.for_org(org).filter(period="month").exists(), stack.logs()

    with psycopg.connect(_dsn()) as locker:
        # Hold the month rollups: the next refresh will block on them, inside its transaction.
        locker.execute("SELECT id FROM voc_rollup WHERE organization_id = %s AND period = 'month' FOR UPDATE",
                       [org.pk])
        responses_record(org=org, rows=_rows("b", 400, seed=2))
        wait_until(lambda: _blocked_by(locker.info.backend_pid), timeout=30, what="the refresh to block mid-way",
                   logs=lambda: f"{_activity()}\n{stack.logs()}", watch=stack.processes)
        first.kill()
        locker.rollback()

    assert not first.alive
    # The killed refresh wrote nothing: its transaction died with it; the rollups are stale.
    expected = _expected_rollups(org)
    assert rollup_snapshot(org) != expected

    second = stack.worker("worker-2")
    stack.wait_idle(timeout=60)
    rows, differences = rollups_match_full_recompute(org)
    assert not differences, differences
    assert rollup_snapshot(org) == expected and rows > 0
    assert "refresh_rollups" in second.log(tail=100_000) and "succeeded" in second.log(tail=100_000)
    print(f"\n[kill mid-refresh] 1 SIGKILL, {Response.objects.for_org(org).count()} responses, {rows} rollup rows "
          "equal to a full recompute after redelivery")


IMPORT_ROWS = 8_000  # 8 chunks of 1,000: the kills land after the first and the second, long before the last


def _pool_children(worker) -> list[int]:
    """The pool processes of a prefork worker (children of its main process)."""
    pid = worker.proc.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert children, "the worker has no pool process"
    return [int(child) for child in children]


def _csv(n: int, touchpoint: int, *, seed: int) -> bytes:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    lines = ["id,touchpoint,score,date"]
    for i in range(n):
        when = now - dt.timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))
        lines.append(f"imp-{i},{touchpoint},{rng.randint(0, 10)},{when.strftime('%Y-%m-%d %H:%M')}")
    return ("\n".join(lines) + "\n").encode()


def test_worker_killed_mid_import_then_the_import_completes_without_duplicates(publish_to_stack) -> None:
    stack = publish_to_stack
    world = world_create(slug="kill-import")
    org = world.org
    job = ingest.import_job_create(org=org, by=None, uploaded=SimpleUploadedFile(
        "big.csv", _csv(IMPORT_ROWS, world.touchpoints[0], seed=3)))
    source = job.defaults["source"]
    # 50 rows of the file are already stored (an earlier partial load): they must count as duplicates.
    responses_record(org=org, rows=[{"source": source, "external_id": f"imp-{i}", "metric": "nps", "score": 9,
                                     "submitted_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=1)}
                                    for i in range(0, IMPORT_ROWS, IMPORT_ROWS // 50)])
    ingest.import_job_start(org=org, job=job)  # enqueues import_feedback after commit
    first = stack.worker("worker-1")

    def progress() -> int:
        return ImportJob.objects.for_org(org).values_list("processed_rows", flat=True).get(pk=job.pk)

    wait_until(lambda: progress() > 0, timeout=90, what="the import to count its first chunk", logs=stack.logs,
               watch=stack.processes, interval=0.02)
    # 1. Only the pool process running the task dies: the worker sees it lost, rejects the message
    #    (reject on worker loss) and the broker hands it straight back; the import resumes.
    os.kill(_pool_children(first)[0], signal.SIGKILL)
    at_child_kill = progress()
    wait_until(lambda: progress() > at_child_kill, timeout=60, what="the import to resume in a new pool process",
               logs=stack.logs, watch=stack.processes, interval=0.02)
    assert first.alive
    assert "WorkerLostError" in first.log(tail=200_000)
    # 2. The whole worker dies: the message waits, unacknowledged, for the next worker.
    first.kill()
    at_kill = progress()
    assert at_child_kill < at_kill < IMPORT_ROWS, (at_child_kill, at_kill)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING

    stack.worker("worker-2")
    wait_until(lambda: ImportJob.objects.for_org(org).get(pk=job.pk).status == ImportJob.Status.DONE,
               timeout=120, what="the import to finish", logs=stack.logs, watch=stack.processes)
    stack.wait_idle()

    job.refresh_from_db()
    stored = list(Response.objects.for_org(org).filter(source__code=source).values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)) == IMPORT_ROWS
    assert set(stored) == {f"imp-{i}" for i in range(IMPORT_ROWS)}
    # Each chunk counted once, although two workers ran the job.
    assert (job.processed_rows, job.created_count, job.duplicate_count, job.error_count) == (
        IMPORT_ROWS, IMPORT_ROWS - 50, 50, 0)
    assert job.report
    rows, differences = rollups_match_full_recompute(org)
    assert not differences, differences
    print(f"\n[kill mid-import] SIGKILL of the pool process after {at_child_kill} rows, of the worker after {at_kill} "
          f"of {IMPORT_ROWS} rows; import done with "
          f"{job.created_count} created + {job.duplicate_count} duplicates, {rows} rollup rows checked")
