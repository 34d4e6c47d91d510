"""An ingest never waits for a rollup refresh (and so can never deadlock with one).

Found by the load test: an ingest's deferred foreign-key checks take ``FOR KEY SHARE`` locks on the
metrics of its rows at commit, one row at a time; a refresh that locks its metrics ``FOR UPDATE`` conflicts
with that, and the two lock orders cross, so under load PostgreSQL aborts one of them ("deadlock
detected") and the client gets a 500. Locking metrics ``FOR NO KEY UPDATE`` still serialises refreshes
among themselves and does not conflict with ``KEY SHARE``.

Made deterministic: a refresh is held mid-way (this test locks the month rollups it must rewrite) while
an ingest of the same metric commits; the ingest must not be blocked by it.
"""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest
from django.db import connection, connections

from cxgov.tenancy.services import organization_create
from tests.conftest import need
from voc import tasks as voc_tasks
from voc.models import Response, Rollup
from voc.rollups import rollups_refresh
from voc.services import responses_record

from .harness import wait_until


def _dsn() -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None,
                                          host=s["HOST"] or None, port=s["PORT"] or None)


def _blockers(pid: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(pg_blocking_pids(%s))", [pid])
        return [row[0] for row in cursor.fetchall()]


def _rows(prefix: str, n: int) -> list[dict]:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    return [{"source": "api", "external_id": f"{prefix}{i}", "metric": "nps", "score": i % 11,
             "submitted_at": when - dt.timedelta(hours=i)} for i in range(n)]


@pytest.mark.django_db(transaction=True)
def test_an_ingest_commits_while_a_refresh_of_its_metric_is_in_progress(monkeypatch) -> None:
    need(connection.vendor == "postgresql", "row locks between concurrent transactions need PostgreSQL")
    org = organization_create(name="Locks", slug="locks")
    responses_record(org=org, rows=_rows("a", 20))  # refreshed eagerly here: month rollups exist
    assert Rollup.objects.for_org(org).filter(period="month").exists()
    monkeypatch.setattr(voc_tasks.refresh_rollups, "delay", lambda **kwargs: None)  # the ingest below only
    # New responses not yet rolled up, so the refresh below must rewrite the (locked) month rollups.
    responses_record(org=org, rows=_rows("c", 5))
    pids: dict[str, int] = {}
    done: dict[str, object] = {}

    def refresh() -> None:
        try:
            pids["refresh"] = connection.cursor().connection.info.backend_pid
            rollups_refresh(org=org)
            done["refresh"] = True
        finally:
            connections.close_all()

    def ingest() -> None:
        try:
            pids["ingest"] = connection.cursor().connection.info.backend_pid
            done["ingest"] = responses_record(org=org, rows=_rows("b", 20)).created
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            done["ingest"] = exc
        finally:
            connections.close_all()

    with psycopg.connect(_dsn()) as locker:
        locker.execute("SELECT id FROM voc_rollup WHERE organization_id = %s AND period = 'month' FOR UPDATE",
                       [org.pk])
        refresher = threading.Thread(target=refresh)
        refresher.start()
        wait_until(lambda: "refresh" in pids and locker.info.backend_pid in _blockers(pids["refresh"]),
                   timeout=30, what="the refresh to hold its metrics and wait mid-way")
        ingester = threading.Thread(target=ingest)
        ingester.start()
        # Either the ingest finishes, or it is seen waiting for the refresh: whichever comes first.
        wait_until(lambda: "ingest" in done or ("ingest" in pids and pids["refresh"] in _blockers(pids["ingest"])),
                   timeout=30, what="the ingest to finish or to wait")
        blocked = "ingest" not in done
        locker.rollback()
    refresher.join(30)
    ingester.join(30)

    assert not blocked, "the ingest waited for a rollup refresh (metrics locked FOR UPDATE, not FOR NO KEY UPDATE)"
    assert done["ingest"] == 20 and done.get("refresh") is True
    assert Response.objects.for_org(org).count() == 45
