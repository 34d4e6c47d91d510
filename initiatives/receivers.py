"""Initiatives' own reactions to its signals: tell webhook subscribers about status changes."""

from typing import Any

from django.dispatch import receiver

from cxgov.tenancy.models import Organization
from cxgov.webhooks.services import event_publish

from .models import Initiative
from .signals import initiative_status_changed


@receiver(initiative_status_changed, dispatch_uid="initiatives_webhook_status_changed")
def publish_status_change(
    sender: Any, org_id: int, initiative_id: int, old_status: str, new_status: str, **kwargs: Any
) -> None:
    org = Organization.objects.filter(pk=org_id).first()
    initiative = Initiative.objects.for_org(org_id).filter(pk=initiative_id).first() if org else None
    if initiative is None:
        return
    event_publish(
        org=org,
        event="initiative.status_changed",
        payload={"initiative": initiative.pk, "title": initiative.title, "from": old_status, "to": new_status},
    )
