"""Webhook subscriptions and their delivery log.

Low in the dependency chain (imports only tenancy): domain apps call ``services.event_publish`` and
this app never imports them. A subscription belongs to its organization; every admin and integrator
of that organization may manage it, and its owner (who created it) is told when it is paused.
"""

from __future__ import annotations

import secrets
import uuid as uuidlib
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.models import TenantScoped


class Event(models.TextChoices):
    """Events a subscription may ask for. ``ping`` is not subscribable: it is the "send test event"."""

    RESPONSE_RECORDED = "response.recorded", _("Feedback responses recorded")
    CASE_OPENED = "case.opened", _("Follow-up case opened")
    CASE_CLOSED = "case.closed", _("Follow-up case closed")
    INITIATIVE_STATUS_CHANGED = "initiative.status_changed", _("Initiative status changed")
    MATURITY_RECOMPUTED = "maturity.recomputed", _("Maturity recomputed")


PING = "ping"
DELIVERY_EVENT_CHOICES = [*Event.choices, (PING, _("Test event (ping)"))]


def new_secret() -> str:
    """A signing secret: 256 random bits, prefixed so it is recognisable in a receiver's config."""
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookSubscription(TenantScoped):
    """A URL that receives signed POSTs for the events it asks for.

    The secret is stored as it is, because every delivery is signed with it (a hash could not sign).
    It is shown once, when the subscription is created or the secret rotated, and never again by any
    page or endpoint. A subscription receives events while ``is_active`` (its owner's switch) and not
    paused; the system pauses it after repeated failures and deactivates it on ``410 Gone``.
    """

    class PauseReason(models.TextChoices):
        FAILURES = "failures", _("Paused after repeated failures")
        GONE = "gone", _("Deactivated: the endpoint answered 410 Gone")

    name = models.CharField(_("name"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True, editable=False)
    paused_reason = models.CharField(
        _("pause reason"), max_length=20, choices=PauseReason.choices, blank=True, editable=False
    )
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True,
                                                          editable=False)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name or self.url

    @property
    def is_receiving(self) -> bool:
        """True when new events are delivered to it."""
        return self.is_active and self.paused_at is None

    @property
    def health(self) -> str:
        """One word for lists: ``inactive``, ``paused``, ``failing``, ``healthy`` or ``new``."""
        if not self.is_active:
            return "inactive"
        if self.paused_at is not None:
            return "paused"
        if self.consecutive_failures:
            return "failing"
        if self.last_success_at is not None:
            return "healthy"
        return "new"

    def get_health_display(self) -> str:
        return str(HEALTH_LABELS[self.health])

    def event_labels(self) -> list[str]:
        labels = dict(Event.choices)
        return [str(labels.get(e, e)) for e in self.events]


HEALTH_LABELS = {
    "inactive": _("Inactive"),
    "paused": _("Paused"),
    "failing": _("Failing"),
    "healthy": _("Healthy"),
    "new": _("No deliveries yet"),
}


class WebhookDelivery(TenantScoped):
    """One event sent to one subscription, with the outcome of its attempts.

    ``event_id`` is the same for every subscription that got the event (receivers deduplicate on it);
    ``uuid`` identifies this delivery (``X-Cxgov-Delivery``). ``attempt_log`` keeps each attempt's
    time, response code, duration and error, at most ``WEBHOOKS_MAX_ATTEMPTS`` entries.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription"),
    )
    uuid = models.UUIDField(default=uuidlib.uuid4, unique=True, editable=False)
    event_id = models.UUIDField(default=uuidlib.uuid4, editable=False)
    event = models.CharField(_("event"), max_length=40, choices=DELIVERY_EVENT_CHOICES)
    payload = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_retry_at = models.DateTimeField(_("next retry"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    attempt_log = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "subscription", "-created_at"], name="webhooks_delivery_sub_new"),
            models.Index(fields=["status", "next_retry_at"], name="webhooks_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    def attempt_entries(self) -> list[dict]:
        """``attempt_log`` with its times as datetimes, for display."""
        entries = []
        for entry in self.attempt_log or []:
            try:
                at = datetime.fromisoformat(entry.get("at", ""))
            except (TypeError, ValueError):
                at = None
            entries.append({**entry, "at": at})
        return entries
