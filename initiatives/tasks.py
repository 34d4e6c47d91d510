"""Celery entry points of the CX PMO: the daily reminders (overdue milestones, stale status
reports, high risks), fanned out one task per organization."""

from __future__ import annotations

from celery import shared_task
from django.utils import translation

from cxgov.tenancy.models import Organization
from cxgov.tenancy.tasks import org_task

from .services import initiative_notifications_send


@org_task()
def initiative_reminders_send(*, org: Organization) -> dict[str, int]:
    """Send one organization's daily PMO reminders; idempotent per day (dedupe keys)."""
    with translation.override(org.language):
        return initiative_notifications_send(org=org)


@shared_task(acks_late=True)
def initiative_reminders_all() -> int:
    """Beat entry point: enqueue the reminders of every active organization. Returns how many."""
    org_ids = list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))
    for org_id in org_ids:
        initiative_reminders_send.delay(org_id=org_id)
    return len(org_ids)
