"""The delivery guarantees the fault tests rely on, as configured; and the one race a client's retry
creates (its first attempt still in flight), made deterministic on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections, transaction

from cxgov.tenancy.services import organization_create
from tests.conftest import need
from voc.models import Response
from voc.services import responses_record
from voc.tasks import import_feedback, refresh_all_rollups, refresh_rollups

from .harness import wait_until


@pytest.mark.parametrize("task", [refresh_rollups, import_feedback, refresh_all_rollups], ids=lambda t: t.name)
def test_voc_tasks_are_acked_late_and_retried_with_backoff_on_lost_connections(task) -> None:
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert {ConnectionError, TimeoutError, OperationalError} <= set(task.autoretry_for)
    assert task.retry_backoff and task.retry_jitter and task.max_retries >= 5


def test_broker_settings_ride_out_a_restart_and_redeliver_a_dead_workers_messages() -> None:
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_CONNECTION_RETRY and settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None
    assert settings.CELERY_TASK_PUBLISH_RETRY
    policy = settings.CELERY_TASK_PUBLISH_RETRY_POLICY
    patience = sum(min(policy["interval_start"] + i * policy["interval_step"], policy["interval_max"])
                   for i in range(policy["max_retries"]))
    assert patience >= 10  # seconds a publish keeps trying: longer than a Redis restart
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    # Longer than the longest retry countdown, or a waiting retry would be delivered twice.
    assert timeout > refresh_rollups.retry_backoff_max * 2


def _blocked_by(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid])
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_retry_racing_its_first_attempt_stores_once_and_reports_a_duplicate() -> None:
    """The first attempt has inserted row X but not committed; the retry (X and Y) waits on the unique
    index, the first commits, and the retry stores Y and counts X as a duplicate: no error, no double."""
    need(connection.vendor == "postgresql", "the race needs two concurrent writers (PostgreSQL)")
    org = organization_create(name="Race", slug="race")
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    row = {"source": "api", "metric": "nps", "score": 9, "submitted_at": when}
    first_inserted, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first_attempt() -> None:
        try:
            with transaction.atomic():
                outcome["first"] = responses_record(org=org, rows=[{**row, "external_id": "X"}]).created
                connection.cursor().execute("SELECT 1")
                outcome["first_pid"] = connection.connection.info.backend_pid
                first_inserted.set()
                release.wait(30)
        finally:
            connections.close_all()

    def retry() -> None:
        try:
            result = responses_record(org=org, rows=[{**row, "external_id": "X"}, {**row, "external_id": "Y"}])
            outcome["retry"] = (result.created, result.duplicates)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome["retry"] = exc
        finally:
            connections.close_all()

    first = threading.Thread(target=first_attempt)
    first.start()
    assert first_inserted.wait(30)
    second = threading.Thread(target=retry)
    second.start()
    wait_until(lambda: _blocked_by(outcome["first_pid"]), timeout=30, what="the retry to wait on the first attempt")
    release.set()
    first.join(30)
    second.join(30)
    assert outcome["first"] == 1
    assert outcome["retry"] == (1, 1)
    assert sorted(Response.objects.for_org(org).values_list("external_id", flat=True)) == ["X", "Y"]
