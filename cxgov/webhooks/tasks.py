"""Celery entry points of webhooks: one delivery attempt, and the sweeper that rescues stalled ones."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from cxgov.tenancy.models import Organization
from cxgov.tenancy.tasks import org_task

from . import services
from .models import WebhookDelivery

# A retry that is this late was lost (or we run without a broker): the sweeper sends it again.
SWEEP_GRACE = timedelta(minutes=5)
SWEEP_BATCH = 500
# Finished deliveries (succeeded or failed for good) are kept this long for the delivery log.
DELIVERY_LOG_DAYS = 30


@org_task(bind=True, autoretry_for=(), max_retries=None)
def deliver_webhook(self, *, org: Organization, delivery_id: int) -> str:
    """One attempt of one delivery; on a retryable failure, schedule the next attempt with backoff.

    Acknowledged late and rejected on worker loss (``org_task``): a worker killed mid-request leaves
    the message to another worker, and ``delivery_attempt`` claims each attempt once, so nothing is
    sent twice for the same attempt and a succeeded delivery is never sent again. In eager mode (no
    broker) the retry is not run in-process: it waits for the sweeper.
    """
    outcome = services.delivery_attempt(org=org, delivery_id=delivery_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.status


@shared_task(acks_late=True)
def webhook_deliveries_sweep() -> int:
    """Every few minutes: re-enqueue deliveries whose retry is overdue or that never started.

    A safety net for a broker that lost a message, and the retry path when tasks run eagerly.
    Returns how many deliveries were enqueued.
    """
    now = timezone.now()
    Status = WebhookDelivery.Status
    # unscoped(): a system job over every organization's queue; each task re-enters one organization.
    overdue = Q(status__in=[Status.PENDING, Status.RETRYING], next_retry_at__lte=now - SWEEP_GRACE)
    never_started = Q(status=Status.PENDING, attempts=0, created_at__lte=now - SWEEP_GRACE)
    due = list(
        WebhookDelivery.objects.unscoped().filter(overdue | never_started)
        .order_by("pk").only("pk", "organization_id")[:SWEEP_BATCH]
    )
    for delivery in due:
        deliver_webhook.delay(org_id=delivery.organization_id, delivery_id=delivery.pk)
    return len(due)


@shared_task(acks_late=True)
def webhook_deliveries_prune(days: int = DELIVERY_LOG_DAYS) -> int:
    """Daily: delete finished deliveries older than ``days`` in every organization; returns how many.

    Pending and retrying deliveries are kept whatever their age, so pruning never drops an event that
    is still owed to a receiver. Idempotent: a second run finds nothing older.
    """
    Status = WebhookDelivery.Status
    cutoff = timezone.now() - timedelta(days=days)
    # unscoped(): a system job over every organization's log, keyed by age and status only.
    deleted, _by_model = (
        WebhookDelivery.objects.unscoped()
        .filter(status__in=[Status.SUCCEEDED, Status.FAILED], created_at__lt=cutoff)
        .delete()
    )
    return deleted
