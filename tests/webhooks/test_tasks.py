"""Delivery to a real receiver on loopback: signed body and headers, retries with backoff, 410,
pausing with the owner told, idempotent redelivery, the sweeper. The task is run with ``.apply()``
(in-process), so these pass with or without a broker; one test goes through a real worker process."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from cxgov.inbox.models import Notification
from cxgov.webhooks import services, signing
from cxgov.webhooks.models import WebhookDelivery, WebhookSubscription
from cxgov.webhooks.tasks import deliver_webhook, webhook_deliveries_prune, webhook_deliveries_sweep
from tests.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory


def deliver(delivery: WebhookDelivery) -> str:
    """Run the task for ``delivery`` in this process, as a worker would; returns its status."""
    return deliver_webhook.apply(kwargs={"org_id": delivery.organization_id, "delivery_id": delivery.pk}).get()


def subscribe(org, owner, url: str, events=("case.opened",)) -> tuple[WebhookSubscription, str]:
    return services.subscription_create(org=org, by=owner, url=url, events=list(events), name="Receiver")


def fresh(obj):
    return type(obj).objects.for_org(obj.organization_id).get(pk=obj.pk)


@pytest.mark.django_db
def test_a_delivery_reaches_a_real_receiver_signed(org_a, users_a, loopback, receiver, monkeypatch):
    monkeypatch.setattr(services.transaction, "on_commit", lambda fn: None)  # run the task by hand below
    subscription, secret = subscribe(org_a, users_a["integrator"], receiver.url)
    [delivery] = services.event_publish(org=org_a, event="case.opened", payload={"case": 42, "status": "open"})

    assert deliver(delivery) == "succeeded"

    [got] = receiver.requests
    assert got.path == "/hooks/cxgov"
    # The receiver's side: the signature verifies with the secret shown at creation.
    assert signing.verify(secret, got.headers, got.body)
    assert not signing.verify(secret, got.headers, got.body + b" ")
    body = json.loads(got.body)
    assert set(body) == {"id", "event", "created_at", "organization", "data"}
    assert body["event"] == "case.opened"
    assert body["data"] == {"case": 42, "status": "open"}
    assert body["organization"] == {"id": org_a.pk, "slug": org_a.slug}
    assert uuid.UUID(body["id"]) == delivery.event_id
    assert got.headers["X-Cxgov-Event"] == "case.opened"
    assert got.headers["X-Cxgov-Delivery"] == str(delivery.uuid)
    assert abs(int(got.headers["X-Cxgov-Timestamp"]) - time.time()) < 60
    assert got.headers["Content-Type"] == "application/json"

    delivery = fresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == ("succeeded", 1, 200, "")
    assert delivery.delivered_at is not None and delivery.duration_ms is not None
    assert len(delivery.attempt_log) == 1
    subscription = fresh(subscription)
    assert subscription.last_success_at is not None and subscription.health == "healthy"


@pytest.mark.django_db
def test_a_500_is_retried_with_backoff_then_succeeds(org_a, users_a, loopback, receiver):
    subscription, secret = subscribe(org_a, users_a["integrator"], receiver.url)
    delivery = WebhookDeliveryFactory(organization=org_a, subscription=subscription)
    receiver.answer(500, 503)

    before = timezone.now()
    assert deliver(delivery) == "retrying"
    first = fresh(delivery)
    assert (first.status, first.attempts, first.response_code) == ("retrying", 1, 500)
    assert "receiver says no" in first.error
    # First wait: 30 s ± 20 % jitter.
    assert before + timedelta(seconds=23) <= first.next_retry_at <= timezone.now() + timedelta(seconds=37)

    assert deliver(delivery) == "retrying"
    second = fresh(delivery)
    assert (second.attempts, second.response_code) == (2, 503)
    assert second.next_retry_at - second.last_attempt_at >= timedelta(seconds=47)  # 60 s ± 20 %
    assert fresh(subscription).consecutive_failures == 2

    assert deliver(delivery) == "succeeded"
    done = fresh(delivery)
    assert (done.status, done.attempts, done.response_code, done.next_retry_at) == ("succeeded", 3, 200, None)
    assert [a["status"] for a in done.attempt_log] == [500, 503, 200]
    assert fresh(subscription).consecutive_failures == 0
    # Every attempt was signed with a fresh timestamp over the same body.
    assert len({r.body for r in receiver.requests}) == 1
    assert all(signing.verify(secret, r.headers, r.body) for r in receiver.requests)


def test_the_backoff_schedule_adds_up_to_about_an_hour(settings):
    settings.WEBHOOKS_RETRY_BASE = 30
    waits = [services.retry_delay(attempt) for attempt in range(1, 8)]  # 7 waits between 8 attempts
    assert all(b > a for a, b in zip(waits, waits[1:], strict=False))  # ±20 % never reorders a doubling
    assert 0.8 * 3810 <= sum(waits) <= 1.2 * 3810
    assert 24 <= waits[0] <= 36


@pytest.mark.django_db
def test_a_delivery_gives_up_after_the_last_attempt(org_a, users_a, loopback, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    subscription, _secret = subscribe(org_a, users_a["integrator"], receiver.url)
    delivery = WebhookDeliveryFactory(organization=org_a, subscription=subscription)
    receiver.answer(500, 500, 500, 500)
    assert [deliver(delivery) for _ in range(3)] == ["retrying", "retrying", "failed"]
    final = fresh(delivery)
    assert (final.status, final.attempts, final.next_retry_at) == ("failed", 3, None)
    assert deliver(delivery) == "failed"  # nothing more is sent
    assert len(receiver.requests) == 3


@pytest.mark.django_db
def test_410_gone_deactivates_at_once_and_tells_the_owner(org_a, users_a, loopback, receiver):
    owner = users_a["integrator"]
    subscription, _secret = subscribe(org_a, owner, receiver.url)
    delivery = WebhookDeliveryFactory(organization=org_a, subscription=subscription)
    receiver.answer(410)
    assert deliver(delivery) == "failed"
    subscription = fresh(subscription)
    assert (subscription.is_active, subscription.paused_reason, subscription.health) == (False, "gone", "inactive")
    assert fresh(delivery).next_retry_at is None
    [note] = Notification.objects.for_org(org_a).filter(user=owner)
    assert note.kind == "webhook-gone"
    # No more events reach it.
    assert services.event_publish(org=org_a, event="case.opened", payload={"case": 1}) == []


@pytest.mark.django_db
def test_pause_after_n_failures_notifies_the_owner_once(org_a, users_a, loopback, receiver, settings, mailoutbox):
    settings.WEBHOOKS_PAUSE_AFTER = 3
    owner = users_a["integrator"]
    subscription, _secret = subscribe(org_a, owner, receiver.url)
    deliveries = [WebhookDeliveryFactory(organization=org_a, subscription=subscription) for _ in range(4)]
    receiver.answer(500, 502, 500)

    for delivery in deliveries[:3]:
        deliver(delivery)
    subscription = fresh(subscription)
    assert subscription.paused_at is not None
    assert (subscription.paused_reason, subscription.consecutive_failures, subscription.health) == (
        "failures", 3, "paused")
    notes = list(Notification.objects.for_org(org_a).filter(user=owner))
    assert [n.kind for n in notes] == ["webhook-paused"]
    assert notes[0].dedupe_key.startswith(f"webhook-paused:{subscription.pk}:")
    assert notes[0].url == f"/webhooks/{subscription.pk}/"

    # While paused, queued deliveries are not sent, and the owner is not told again.
    assert deliver(deliveries[3]) == "failed"
    assert len(receiver.requests) == 3
    assert "paused" in fresh(deliveries[3]).error
    assert Notification.objects.for_org(org_a).filter(user=owner).count() == 1
    # Nor does a new event go out.
    assert services.event_publish(org=org_a, event="case.opened", payload={"case": 1}) == []

    # A test event still goes through while paused; resume starts deliveries again.
    ping = services.subscription_ping(org=org_a, subscription=subscription)
    assert deliver(ping) == "succeeded"
    services.subscription_resume(org=org_a, subscription=subscription)
    assert fresh(subscription).health == "healthy"
    assert len(services.event_publish(org=org_a, event="case.opened", payload={"case": 2})) == 1


@pytest.mark.django_db
def test_redelivering_a_succeeded_delivery_does_nothing(org_a, users_a, loopback, receiver):
    subscription, _secret = subscribe(org_a, users_a["integrator"], receiver.url)
    delivery = WebhookDeliveryFactory(organization=org_a, subscription=subscription)
    assert deliver(delivery) == "succeeded"
    assert deliver(delivery) == "succeeded"
    assert deliver(delivery) == "succeeded"
    assert len(receiver.requests) == 1
    assert fresh(delivery).attempts == 1


@pytest.mark.django_db
def test_an_attempt_claimed_by_another_worker_is_not_made_twice(org_a, users_a, loopback, receiver, monkeypatch):
    """Two workers holding the same message: the conditional UPDATE on ``attempts`` lets one through."""
    from django.db.models import F

    subscription, _secret = subscribe(org_a, users_a["integrator"], receiver.url)
    delivery = WebhookDeliveryFactory(organization=org_a, subscription=subscription)
    real_now = timezone.now
    raced = []

    def now_after_the_other_worker_claimed():
        # The clock is read just before the claim: the other worker claims the attempt right then.
        if not raced:
            raced.append(True)
            WebhookDelivery.objects.for_org(org_a).filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
        return real_now()

    monkeypatch.setattr(services.timezone, "now", now_after_the_other_worker_claimed)
    assert services.delivery_attempt(org=org_a, delivery_id=delivery.pk).status == "claimed-elsewhere"
    assert receiver.requests == []
    assert fresh(delivery).attempts == 1


@pytest.mark.django_db
def test_a_network_error_is_retried(org_a, users_a, loopback):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subscription, _secret = subscribe(org_a, users_a["integrator"], f"http://127.0.0.1:{port}/closed")
    delivery = WebhookDeliveryFactory(organization=org_a, subscription=subscription)
    assert deliver(delivery) == "retrying"
    row = fresh(delivery)
    assert row.response_code is None
    assert "Connection" in row.error or "refused" in row.error.lower()


@pytest.mark.django_db
def test_the_sweeper_resends_overdue_retries_only(org_a, users_a, loopback, receiver, monkeypatch):
    subscription, _secret = subscribe(org_a, users_a["integrator"], receiver.url)
    overdue = WebhookDeliveryFactory(organization=org_a, subscription=subscription, status="retrying", attempts=1,
                                     next_retry_at=timezone.now() - timedelta(minutes=10))
    not_yet = WebhookDeliveryFactory(organization=org_a, subscription=subscription, status="retrying", attempts=1,
                                     next_retry_at=timezone.now() + timedelta(minutes=1))
    done = WebhookDeliveryFactory(organization=org_a, subscription=subscription, status="succeeded", attempts=1)
    sent = []
    monkeypatch.setattr(deliver_webhook, "delay", lambda **kw: sent.append(kw))
    assert webhook_deliveries_sweep.apply().get() == 1
    assert sent == [{"org_id": org_a.pk, "delivery_id": overdue.pk}]
    assert {not_yet.pk, done.pk}.isdisjoint({s["delivery_id"] for s in sent})


@pytest.mark.django_db
def test_the_delivery_log_is_pruned_of_old_finished_deliveries_only(org_a, org_b):
    sub_a = WebhookSubscriptionFactory(organization=org_a)
    sub_b = WebhookSubscriptionFactory(organization=org_b)
    made = {}
    for name, org, sub, status in [
        ("old_ok", org_a, sub_a, "succeeded"), ("old_failed", org_b, sub_b, "failed"),
        ("old_retrying", org_a, sub_a, "retrying"), ("old_pending", org_b, sub_b, "pending"),
        ("new_ok", org_a, sub_a, "succeeded"),
    ]:
        made[name] = WebhookDeliveryFactory(organization=org, subscription=sub, status=status)
    old = timezone.now() - timedelta(days=31)
    for name in ("old_ok", "old_failed", "old_retrying", "old_pending"):
        # created_at is auto_now_add: age the rows as the log would have aged them.
        WebhookDelivery.objects.unscoped().filter(pk=made[name].pk).update(created_at=old)

    assert webhook_deliveries_prune.apply().get() == 2
    left = set(WebhookDelivery.objects.unscoped().values_list("pk", flat=True))
    assert left == {made[n].pk for n in ("old_retrying", "old_pending", "new_ok")}
    assert webhook_deliveries_prune.apply().get() == 0


# --- through a real worker process (CI: PostgreSQL + Redis) ------------------------------------

from tests.tenancy.test_tasks import WorkerProcess, celery_worker_process  # noqa: E402, F401


@pytest.fixture
def loopback_env(monkeypatch) -> None:
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOOPBACK", "true")  # read by the worker process's settings


@pytest.fixture
def webhook_worker(loopback_env, celery_worker_process) -> WorkerProcess:  # noqa: F811 (the imported fixture)
    """The tenancy suite's worker process, started with loopback delivery allowed."""
    return celery_worker_process


@pytest.mark.redis
def test_a_delivery_through_a_real_worker(webhook_worker, receiver, settings):
    from cxgov.tenancy.models import User
    from cxgov.tenancy.services import membership_set, organization_create

    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    org = organization_create(name="Hook Bank", slug="hook-bank")
    owner = User.objects.create_user(email="hooks@hook-bank.example", password="x" * 12)
    membership_set(org=org, user=owner, role="integrator")
    subscription, secret = subscribe(org, owner, receiver.url)
    delivery = WebhookDeliveryFactory(organization=org, subscription=subscription)

    result = deliver_webhook.apply_async(kwargs={"org_id": org.pk, "delivery_id": delivery.pk},
                                         queue=webhook_worker.queue)
    assert webhook_worker.wait(result) == "succeeded"
    [got] = receiver.requests
    assert signing.verify(secret, got.headers, got.body)
    assert fresh(delivery).status == "succeeded"
