"""Celery: eager execution in the embedded default, and a real round trip through Redis and a worker.

Why the round trip uses a worker *process* (``celery -A cxgov worker``) rather than the in-process
thread of ``celery.contrib.testing.worker.start_worker``:

- it is what production runs: the app is loaded by ``-A cxgov``, tasks are found by autodiscovery,
  arguments cross a process boundary as JSON, and the result comes back through the Redis backend;
- a thread worker shares this process's Django connections and settings patches, and keeps its own
  PostgreSQL connection alive (``CONN_MAX_AGE``) after the test, which can block the test database's
  teardown; a process is stopped and its connections are gone, deterministically;
- later tests of acknowledgement and worker loss need a process they can kill.

The price: the worker must see the test's data. pytest-django's test database is ``test_<name>``, so the
worker gets a ``DATABASE_URL`` pointing at it, and the test uses ``transaction=True`` so its rows are
committed (a plain ``db`` test keeps them in a transaction no other connection can see). SQLite's test
database lives in this process's memory, so with SQLite there is nothing to point a worker at: use
PostgreSQL (CI does). Each test consumes from a queue of its own, so a developer's running worker on the
same Redis cannot steal the task.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection

from cxgov.celery import app as celery_app
from cxgov.tenancy.models import Organization
from cxgov.tenancy.services import organization_create
from cxgov.tenancy.tasks import heartbeat, organization_ping
from tests.conftest import need

BASE_DIR = Path(__file__).resolve().parents[2]
ROUND_TRIP_TIMEOUT = 60


def test_tasks_are_acknowledged_late_and_rejected_on_worker_loss() -> None:
    assert organization_ping.acks_late is True
    assert organization_ping.reject_on_worker_lost is True
    assert heartbeat.acks_late is True
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


@pytest.fixture
def eager() -> Iterator[None]:
    """Eager mode as the settings choose it when REDIS_URL is unset (tests/test_project.py proves that choice).

    With REDIS_URL set the app is configured for the broker, so the eager behaviour is switched on for
    this test only and restored afterwards.
    """
    if not os.environ.get("REDIS_URL"):
        assert celery_app.conf.task_always_eager is True
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_without_a_broker_tasks_run_eagerly_in_process(eager, org_a) -> None:
    result = organization_ping.delay(org_id=org_a.pk)
    assert result.successful()
    assert result.get() == {"organization": org_a.slug, "name": org_a.name}


@pytest.mark.django_db
def test_org_task_is_a_no_op_for_a_missing_or_inactive_organization(eager, org_a) -> None:
    assert organization_ping.delay(org_id=org_a.pk + 10_000).get() is None
    org_a.is_active = False
    org_a.save(update_fields=["is_active"])
    assert organization_ping.delay(org_id=org_a.pk).get() is None


def _test_database_url() -> str:
    """A DATABASE_URL for the database this test run actually uses (``test_<name>``)."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        need(not connection.is_in_memory_db(),
             "the SQLite test database is in this process's memory; a worker process cannot see it "
             "(set DATABASE_URL to PostgreSQL)")
        return f"sqlite:///{name}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return parts._replace(path="/" + quote(str(name))).geturl()


@dataclass
class WorkerProcess:
    """A ``celery -A cxgov worker`` process consuming one private queue."""

    queue: str
    proc: subprocess.Popen
    log_path: Path

    def wait(self, result: AsyncResult) -> Any:
        """Wait for ``result``; fail early, with the worker's log, if the worker process died."""
        deadline = time.monotonic() + ROUND_TRIP_TIMEOUT
        while time.monotonic() < deadline:
            if result.ready():
                return result.get(timeout=5)
            if self.proc.poll() is not None:
                pytest.fail(f"the Celery worker exited with {self.proc.returncode}:\n{self.log_path.read_text()}")
            time.sleep(0.1)
        pytest.fail(f"no result within {ROUND_TRIP_TIMEOUT}s; worker log:\n{self.log_path.read_text()}")


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path) -> Iterator[WorkerProcess]:
    """Start a worker on a private queue for one test; stop it (warm shutdown) afterwards."""
    need(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set: no broker for a real worker")
    need(not celery_app.conf.task_always_eager, "Celery is eager although REDIS_URL is set")
    queue = f"cxgov-test-{uuid.uuid4().hex[:12]}"
    env = dict(os.environ, DATABASE_URL=_test_database_url(), DJANGO_SETTINGS_MODULE="cxgov.settings")
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "cxgov", "worker",
                "--pool", "solo", "--queues", queue, "--hostname", f"{queue}@%h",
                "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "INFO",
            ],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        yield WorkerProcess(queue=queue, proc=proc, log_path=log_path)
    finally:
        proc.terminate()  # SIGTERM is Celery's warm shutdown: it closes its DB and broker connections.
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.redis
def test_round_trip_through_redis_and_a_worker_process(celery_worker_process: WorkerProcess) -> None:
    worker = celery_worker_process
    org = organization_create(name="Round Trip Bank", slug="round-trip")

    result = organization_ping.apply_async(kwargs={"org_id": org.pk}, queue=worker.queue)
    assert worker.wait(result) == {"organization": "round-trip", "name": "Round Trip Bank"}
    assert result.status == "SUCCESS"

    # The worker reads the committed rows, and the organization scope applies there too.
    missing = organization_ping.apply_async(kwargs={"org_id": org.pk + 10_000}, queue=worker.queue)
    assert worker.wait(missing) is None
    beat = heartbeat.apply_async(queue=worker.queue)
    assert worker.wait(beat) == {"organizations": Organization.objects.filter(is_active=True).count()}
