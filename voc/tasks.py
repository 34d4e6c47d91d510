"""VoC Celery entry points: they take ids and primitives and call one service each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from cxgov.tenancy.models import Organization
from cxgov.tenancy.tasks import org_task

from .models import Rollup
from .rollups import rollups_refresh
from .signals import rollups_refreshed

# Retried with backoff (org_task's policy) on a lost broker or database connection, a deadlock or a
# serialization failure: every task here is idempotent, so a rerun is always safe.
RETRY_ON = (ConnectionError, TimeoutError, OperationalError, InterfaceError)


@org_task(autoretry_for=RETRY_ON)
def refresh_rollups(*, org: Organization, touched: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Recompute the rollups of the touched {metric id: [ISO local days]} of ``org`` (all when None).

    Idempotent: rerunning it, or running it after a worker died mid-way, yields the same rollups.
    """
    parsed = None
    if touched is not None:
        parsed = {int(metric): {dt.date.fromisoformat(day) for day in days} for metric, days in touched.items()}
    stats = rollups_refresh(org=org, touched=parsed)
    if stats.metrics:
        rollups_refreshed.send(
            sender=Rollup, org_id=org.pk, metric_ids=sorted(parsed) if parsed is not None else None
        )
    return {"metrics": stats.metrics, "days": stats.days, "rows": stats.rows}


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=RETRY_ON, retry_backoff=True,
             retry_jitter=True, max_retries=8)
def refresh_all_rollups() -> int:
    """Nightly: a full recompute for every active organization, one task per organization."""
    # System code that iterates organizations; each task then works inside one organization.
    org_ids = list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))
    for org_id in org_ids:
        refresh_rollups.delay(org_id=org_id)
    return len(org_ids)


def touched_payload(touched: dict[int, set[dt.date]]) -> dict[str, list[str]]:
    """The JSON-safe form of {metric id: local days} that ``refresh_rollups`` takes."""
    return {str(metric): sorted(day.isoformat() for day in days) for metric, days in touched.items()}


@org_task(autoretry_for=RETRY_ON)
def import_feedback(*, org: Organization, job_id: int) -> dict[str, Any] | None:
    """Run a queued CSV / Excel import job (``voc.ingest.services.import_job_run``).

    Idempotent: chunks already counted are skipped on a rerun, rows already stored are duplicates,
    and a finished job is left alone, so a redelivered or retried task changes nothing.
    """
    from .ingest.services import import_job_run

    job = import_job_run(org=org, job_id=job_id)
    if job is None:
        return None
    return {"status": job.status, "processed": job.processed_rows, "created": job.created_count,
            "duplicates": job.duplicate_count, "errors": job.error_count}
