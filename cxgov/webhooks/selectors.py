"""Reads for webhooks, always within one organization."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cxgov.tenancy.models import Organization

from .models import WebhookDelivery, WebhookSubscription


def subscription_list(*, org: Organization) -> QuerySet[WebhookSubscription]:
    """The organization's subscriptions, newest first, with their owners (one query)."""
    return WebhookSubscription.objects.for_org(org).select_related("owner").order_by("-created_at", "-id")


def delivery_list(*, org: Organization, subscription: WebhookSubscription | None = None
                  ) -> QuerySet[WebhookDelivery]:
    """Deliveries newest first, of one subscription or of the whole organization."""
    qs = WebhookDelivery.objects.for_org(org).order_by("-created_at", "-id")
    if subscription is not None:
        qs = qs.filter(subscription=subscription)
    return qs


def delivery_counts(*, org: Organization, since: datetime, subscription: WebhookSubscription | None = None
                    ) -> dict[str, int]:
    """Deliveries created since ``since``, by status, plus ``total`` (one query)."""
    qs = delivery_list(org=org, subscription=subscription).filter(created_at__gte=since).order_by()
    statuses = WebhookDelivery.Status.values
    counts = qs.aggregate(total=Count("id"), **{s: Count("id", filter=Q(status=s)) for s in statuses})
    return {key: value or 0 for key, value in counts.items()}


def webhooks_health(*, org: Organization, hours: int = 24) -> dict[str, Any]:
    """Subscriptions with their health, and the organization's delivery outcomes in the last ``hours``."""
    return {
        "subscriptions": list(subscription_list(org=org)),
        "delivery_counts": delivery_counts(org=org, since=timezone.now() - timedelta(hours=hours)),
        "hours": hours,
    }
