"""Maturity Celery entry points: they take ids and call one service each."""

from __future__ import annotations

from celery import shared_task

from cxgov.tenancy.models import Organization
from cxgov.tenancy.tasks import org_task

from .services import maturity_scores_compute


@org_task()
def recompute_scores(*, org: Organization) -> int | None:
    """Recompute the organization's maturity scores; returns the id of the snapshot holding them.

    Idempotent: with unchanged inputs no new snapshot is stored. Enqueued after an assessment is
    submitted, the weights or the framework change, and by other apps when an initiative finishes
    (``transaction.on_commit(lambda: recompute_scores.delay(org_id=org.pk))``); the nightly beat
    job runs it for every organization.
    """
    snapshot = maturity_scores_compute(org=org)
    return snapshot.pk if snapshot else None


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recompute_all_scores() -> int:
    """Nightly: one recompute task per active organization (evidence ages out of its 12 months)."""
    # System code that iterates organizations; each task then works inside one organization.
    org_ids = list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))
    for org_id in org_ids:
        recompute_scores.delay(org_id=org_id)
    return len(org_ids)
