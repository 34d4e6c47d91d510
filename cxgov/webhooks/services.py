"""Writes for webhooks: subscriptions, publishing events, and one delivery attempt.

``event_publish`` is what domain apps call (they depend on this app, never the reverse). It writes one
``WebhookDelivery`` per matching subscription and enqueues one Celery task per delivery after commit,
so a rolled-back transaction sends nothing and a worker never looks for a row that is not there yet.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxgov.tenancy.models import Membership, Organization, User
from cxgov.tenancy.roles import Op, Role, role_allows

from . import conf, network, signing
from .models import PING, Event, WebhookDelivery, WebhookSubscription, new_secret

# response.recorded carries the ids of the responses one ingest call created; larger lists are
# split into several events of at most this many ids, so a body stays well under a megabyte.
MAX_IDS_PER_EVENT = 5000
USER_AGENT = "cxgov-webhooks/1"


def _clean_events(events: Any) -> list[str]:
    if isinstance(events, str):
        events = [events]
    valid = set(Event.values)
    chosen = [e for e in Event.values if e in set(events or [])]
    unknown = [str(e) for e in (events or []) if e not in valid]
    if unknown:
        raise ValidationError({"events": [_("Unknown event: %(events)s.") % {"events": ", ".join(unknown)}]})
    if not chosen:
        raise ValidationError({"events": [_("Choose at least one event.")]})
    return chosen


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 500:
        raise ValidationError({"url": [_("Keep the URL under 500 characters.")]})
    try:
        network.check_url(url)
    except network.UnsafeUrl as exc:
        raise ValidationError({"url": [str(exc)]}) from exc
    return url


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) > 100:
        raise ValidationError({"name": [_("Keep the name under 100 characters.")]})
    return name


def _check_manager(org: Organization, user: User) -> None:
    membership = Membership.objects.filter(organization=org, user=user).first()
    if membership is None or not role_allows(membership.role, Op.WEBHOOKS_MANAGE):
        raise ValidationError({"owner": [_("Only admins and integrators of this organization manage webhooks.")]})


@transaction.atomic
def subscription_create(
    *, org: Organization, by: User, url: str, events: list[str], name: str = "", is_active: bool = True
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``url`` to ``events`` in ``org``; ``by`` becomes its owner.

    Returns the subscription and its signing secret, which the caller shows once and never again.
    """
    _check_manager(org, by)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field, clean, value in (("url", _clean_url, url), ("events", _clean_events, events),
                                ("name", _clean_name, name)):
        try:
            cleaned[field] = clean(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    subscription = WebhookSubscription.objects.create(
        organization=org, owner=by, is_active=bool(is_active), secret=new_secret(), **cleaned
    )
    return subscription, subscription.secret


@transaction.atomic
def subscription_update(
    *, org: Organization, subscription: WebhookSubscription, url: str | None = None,
    events: list[str] | None = None, name: str | None = None, is_active: bool | None = None,
) -> WebhookSubscription:
    """Change a subscription's URL, events, name or active flag (None: unchanged)."""
    subscription = WebhookSubscription.objects.for_org(org).select_for_update().get(pk=subscription.pk)
    errors: dict[str, list[str]] = {}
    for field, clean, value in (("url", _clean_url, url), ("events", _clean_events, events),
                                ("name", _clean_name, name)):
        if value is None:
            continue
        try:
            setattr(subscription, field, clean(value))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if is_active is not None:
        subscription.is_active = bool(is_active)
        if is_active and subscription.paused_reason == WebhookSubscription.PauseReason.GONE:
            _clear_pause(subscription)
    subscription.save()
    return subscription


@transaction.atomic
def subscription_delete(*, org: Organization, subscription: WebhookSubscription) -> None:
    """Delete a subscription and its delivery log."""
    WebhookSubscription.objects.for_org(org).filter(pk=subscription.pk).delete()


@transaction.atomic
def subscription_secret_rotate(*, org: Organization, subscription: WebhookSubscription) -> str:
    """A new signing secret, effective for every attempt from now on; returned once to show."""
    secret = new_secret()
    WebhookSubscription.objects.for_org(org).filter(pk=subscription.pk).update(secret=secret)
    subscription.secret = secret
    return secret


def _clear_pause(subscription: WebhookSubscription) -> None:
    subscription.paused_at = None
    subscription.paused_reason = ""
    subscription.consecutive_failures = 0


@transaction.atomic
def subscription_resume(*, org: Organization, subscription: WebhookSubscription) -> WebhookSubscription:
    """Deliver to a paused or deactivated subscription again, from the next event on."""
    subscription = WebhookSubscription.objects.for_org(org).select_for_update().get(pk=subscription.pk)
    _clear_pause(subscription)
    subscription.is_active = True
    subscription.save(update_fields=["paused_at", "paused_reason", "consecutive_failures", "is_active"])
    return subscription


def _enqueue(org: Organization, delivery_ids: list[int]) -> None:
    from .tasks import deliver_webhook

    def send() -> None:
        for delivery_id in delivery_ids:
            deliver_webhook.delay(org_id=org.pk, delivery_id=delivery_id)

    transaction.on_commit(send)


@transaction.atomic
def subscription_ping(*, org: Organization, subscription: WebhookSubscription, by: User | None = None
                      ) -> WebhookDelivery:
    """Send a ``ping`` to one subscription, even a paused one, to check the endpoint and signature."""
    delivery = WebhookDelivery.objects.create(
        organization=org, subscription=subscription, event=PING,
        payload={"subscription": subscription.pk, "message": "ping", "by": getattr(by, "email", None)},
    )
    _enqueue(org, [delivery.pk])
    return delivery


def _data_chunks(event: str, payload: Any) -> list[Any]:
    """The ``data`` of each event to send: ``response.recorded`` lists are split per 5,000 ids."""
    if event == Event.RESPONSE_RECORDED:
        if isinstance(payload, dict):
            ids = list(payload.get("ids") or [])
        elif isinstance(payload, (list, tuple)):
            ids = list(payload)
        else:
            raise ValidationError({"payload": ["response.recorded takes a list of response ids."]})
        if not ids:
            return []
        return [{"ids": ids[i:i + MAX_IDS_PER_EVENT], "count": len(ids[i:i + MAX_IDS_PER_EVENT])}
                for i in range(0, len(ids), MAX_IDS_PER_EVENT)]
    if not isinstance(payload, dict):
        raise ValidationError({"payload": [f"{event} takes a dict payload."]})
    return [payload]


def event_publish(*, org: Organization, event: str, payload: Any) -> list[WebhookDelivery]:
    """Queue ``event`` for every active, unpaused subscription of ``org`` that asked for it.

    One delivery row per subscription (per 5,000 ids for ``response.recorded``), one Celery task per
    delivery after commit. Another organization's subscriptions never match. ``payload`` must be JSON
    serialisable (dates and Decimals are encoded by Django's JSON encoder). Returns the deliveries.
    """
    if event not in Event.values:
        raise ValidationError({"event": [f"Unknown event {event!r}."]})
    chunks = _data_chunks(event, payload)
    if not chunks:
        return []
    # No savepoint of its own: callers publish inside the transaction that made the change, and a
    # failure here must undo that change too (two fewer queries per event on the ingest hot path).
    # Validation above runs first, so a refused event never spoils the caller's transaction.
    with transaction.atomic(savepoint=False):
        return _publish(org=org, event=event, chunks=chunks)


def _publish(*, org: Organization, event: str, chunks: list[Any]) -> list[WebhookDelivery]:
    subscriptions = [
        s for s in WebhookSubscription.objects.for_org(org).filter(is_active=True, paused_at__isnull=True)
        if event in (s.events or [])
    ]
    if not subscriptions:
        return []
    rows = []
    for data in chunks:
        data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
        event_id = uuid.uuid4()
        rows.extend(
            WebhookDelivery(organization=org, subscription=s, event=event, event_id=event_id, payload=data)
            for s in subscriptions
        )
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    ids = [d.pk for d in deliveries if d.pk is not None]
    if len(ids) != len(deliveries):
        # A backend that does not return ids from bulk_create: read them back by their uuids.
        ids = list(WebhookDelivery.objects.for_org(org).filter(uuid__in=[d.uuid for d in deliveries])
                   .values_list("pk", flat=True))
    _enqueue(org, ids)
    return deliveries


def envelope(delivery: WebhookDelivery, org: Organization) -> bytes:
    """The JSON body of a delivery: ``{"id", "event", "created_at", "organization", "data"}``."""
    body = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "organization": {"id": org.pk, "slug": org.slug},
        "data": delivery.payload,
    }
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def retry_delay(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: base × 2^(attempt-1), ±20 % jitter.

    With the defaults (30 s, 8 attempts) the seven waits add up to about an hour.
    """
    base = conf.retry_base() * (2 ** max(attempt - 1, 0))
    return base * random.uniform(0.8, 1.2)


@dataclass(frozen=True)
class AttemptOutcome:
    status: str
    retry_in: float | None = None


def _notify_owner(org: Organization, subscription: WebhookSubscription, *, kind: str) -> None:
    from cxgov.inbox.services import notification_send

    recipients = [subscription.owner] if subscription.owner_id else [
        m.user for m in Membership.objects.filter(organization=org, role=Role.ADMIN).select_related("user")
    ]
    url = reverse("webhooks:subscription-detail", args=[subscription.pk])
    stamp = int(subscription.paused_at.timestamp()) if subscription.paused_at else 0
    for user in recipients:
        with translation.override(user.language or org.language):
            if kind == "gone":
                title = _("Webhook deactivated: %(name)s") % {"name": subscription}
                body = _("%(url)s answered 410 Gone, so cxgov stopped sending it events. Resume the "
                         "subscription when the endpoint is back.") % {"url": subscription.url}
            else:
                title = _("Webhook paused: %(name)s") % {"name": subscription}
                body = _("%(url)s failed %(n)s times in a row, so cxgov paused it. Fix the endpoint, send a "
                         "test event, then resume the subscription.") % {"url": subscription.url,
                                                                         "n": subscription.consecutive_failures}
        notification_send(org=org, user=user, kind=f"webhook-{kind}", title=title, body=body, url=url,
                          dedupe_key=f"webhook-{kind}:{subscription.pk}:{stamp}")


def _record(delivery: WebhookDelivery, *, when, result: network.PostResult) -> None:
    log = list(delivery.attempt_log or [])
    log.append({"at": when.isoformat(), "status": result.status, "duration_ms": result.duration_ms,
                "error": result.error[:200]})
    delivery.attempt_log = log[-max(conf.max_attempts(), 1):]
    delivery.response_code = result.status
    delivery.duration_ms = result.duration_ms
    delivery.error = result.error[:500]


def delivery_attempt(*, org: Organization, delivery_id: int) -> AttemptOutcome:
    """Make one attempt of a delivery; record it; decide what comes next.

    Idempotent: a delivery that already succeeded or failed is left alone, and two workers holding the
    same task cannot both attempt it (the attempt is claimed with a conditional UPDATE on ``attempts``).
    No transaction is held during the HTTP request. 2xx succeeds; 410 deactivates the subscription;
    any other status or a network error is retried with backoff until ``WEBHOOKS_MAX_ATTEMPTS``; after
    ``WEBHOOKS_PAUSE_AFTER`` consecutive failed attempts the subscription is paused and its owner told.
    """
    delivery = (WebhookDelivery.objects.for_org(org).select_related("subscription")
                .filter(pk=delivery_id).first())
    if delivery is None or delivery.is_final:
        return AttemptOutcome(status=delivery.status if delivery else "missing")
    subscription = delivery.subscription
    Status = WebhookDelivery.Status
    if delivery.event != PING and not subscription.is_receiving:
        WebhookDelivery.objects.for_org(org).filter(pk=delivery.pk).update(
            status=Status.FAILED, next_retry_at=None,
            error=_("Not sent: the subscription is paused or inactive."),
        )
        return AttemptOutcome(status=Status.FAILED)
    now = timezone.now()
    claimed = WebhookDelivery.objects.for_org(org).filter(
        pk=delivery.pk, attempts=delivery.attempts, status__in=[Status.PENDING, Status.RETRYING]
    ).update(attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return AttemptOutcome(status="claimed-elsewhere")
    delivery.attempts += 1

    body = envelope(delivery, org)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.EVENT_HEADER: delivery.event,
        signing.DELIVERY_HEADER: str(delivery.uuid),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature_header(subscription.secret, timestamp, body),
    }
    result = network.post(subscription.url, body, headers)
    return _delivery_finish(org=org, delivery=delivery, subscription=subscription, result=result, when=now)


@transaction.atomic
def _delivery_finish(
    *, org: Organization, delivery: WebhookDelivery, subscription: WebhookSubscription,
    result: network.PostResult, when,
) -> AttemptOutcome:
    Status = WebhookDelivery.Status
    subscription = WebhookSubscription.objects.for_org(org).select_for_update().get(pk=subscription.pk)
    _record(delivery, when=when, result=result)
    subscription.last_attempt_at = when
    subscription.last_response_code = result.status
    outcome: AttemptOutcome
    notify: str | None = None
    if result.ok:
        delivery.status = Status.SUCCEEDED
        delivery.delivered_at = timezone.now()
        delivery.next_retry_at = None
        subscription.last_success_at = when
        subscription.consecutive_failures = 0
        outcome = AttemptOutcome(status=Status.SUCCEEDED)
    elif result.status == 410:
        delivery.status = Status.FAILED
        delivery.next_retry_at = None
        subscription.consecutive_failures += 1
        if subscription.is_active:
            subscription.is_active = False
            subscription.paused_at = timezone.now()
            subscription.paused_reason = WebhookSubscription.PauseReason.GONE
            notify = "gone"
        outcome = AttemptOutcome(status=Status.FAILED)
    else:
        subscription.consecutive_failures += 1
        if delivery.attempts >= conf.max_attempts():
            delivery.status = Status.FAILED
            delivery.next_retry_at = None
            outcome = AttemptOutcome(status=Status.FAILED)
        else:
            delay = retry_delay(delivery.attempts)
            delivery.status = Status.RETRYING
            delivery.next_retry_at = timezone.now() + timedelta(seconds=delay)
            outcome = AttemptOutcome(status=Status.RETRYING, retry_in=delay)
        if (subscription.paused_at is None and subscription.is_active
                and subscription.consecutive_failures >= conf.pause_after()):
            subscription.paused_at = timezone.now()
            subscription.paused_reason = WebhookSubscription.PauseReason.FAILURES
            notify = "paused"
    delivery.save(update_fields=["status", "delivered_at", "next_retry_at", "response_code", "duration_ms",
                                 "error", "attempt_log"])
    subscription.save(update_fields=["last_attempt_at", "last_response_code", "last_success_at",
                                     "consecutive_failures", "is_active", "paused_at", "paused_reason"])
    if notify:
        _notify_owner(org, subscription, kind=notify)
    return outcome
