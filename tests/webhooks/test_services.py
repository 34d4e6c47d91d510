"""Subscriptions and publishing: validation, the secret shown once, matching only active, unpaused
subscriptions of the same organization that asked for the event, and batching of response.recorded."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cxgov.webhooks import services
from cxgov.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.factories import WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_send(monkeypatch):
    """Publishing tests look at the rows written; the tasks enqueued after commit are counted, not run."""
    sent = []
    from cxgov.webhooks import tasks

    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda **kw: sent.append(kw))
    return sent


def test_create_returns_the_secret_once_and_stores_it_for_signing(org_a, users_a, loopback):
    subscription, secret = services.subscription_create(
        org=org_a, by=users_a["integrator"], url="http://127.0.0.1:9/x", events=["case.opened"], name=" CRM ")
    assert secret.startswith("whsec_") and len(secret) > 40
    stored = WebhookSubscription.objects.for_org(org_a).get(pk=subscription.pk)
    assert stored.secret == secret
    assert (stored.name, stored.owner, stored.events, stored.is_active) == ("CRM", users_a["integrator"],
                                                                           ["case.opened"], True)
    rotated = services.subscription_secret_rotate(org=org_a, subscription=stored)
    assert rotated != secret
    assert WebhookSubscription.objects.for_org(org_a).get(pk=subscription.pk).secret == rotated


def test_create_refuses_bad_input_with_every_error(org_a, users_a, production):
    with pytest.raises(ValidationError) as exc:
        services.subscription_create(org=org_a, by=users_a["admin"], url="http://10.0.0.1/", events=["nope"],
                                     name="x" * 101)
    assert set(exc.value.message_dict) == {"url", "events", "name"}
    with pytest.raises(ValidationError) as exc:
        services.subscription_create(org=org_a, by=users_a["admin"], url="https://10.0.0.1/", events=[])
    assert "not reachable" in exc.value.message_dict["url"][0]
    assert exc.value.message_dict["events"] == ["Choose at least one event."]
    assert not WebhookSubscription.objects.for_org(org_a).exists()


def test_only_admins_and_integrators_own_subscriptions(org_a, users_a, loopback):
    with pytest.raises(ValidationError):
        services.subscription_create(org=org_a, by=users_a["cx_lead"], url="http://127.0.0.1:9/",
                                     events=["case.opened"])


def test_publish_matches_active_unpaused_subscriptions_of_the_same_org_only(
    org_a, org_b, no_send, django_capture_on_commit_callbacks
):
    wants = WebhookSubscriptionFactory(organization=org_a, events=["case.opened", "case.closed"])
    other_event = WebhookSubscriptionFactory(organization=org_a, events=["maturity.recomputed"])
    inactive = WebhookSubscriptionFactory(organization=org_a, events=["case.opened"], is_active=False)
    paused = WebhookSubscriptionFactory(organization=org_a, events=["case.opened"])
    WebhookSubscription.objects.for_org(org_a).filter(pk=paused.pk).update(paused_at="2026-01-01T00:00:00Z")
    other_org = WebhookSubscriptionFactory(organization=org_b, events=["case.opened"])

    with django_capture_on_commit_callbacks(execute=True):
        deliveries = services.event_publish(org=org_a, event="case.opened", payload={"case": 12, "status": "open"})

    assert [d.subscription_id for d in deliveries] == [wants.pk]
    rows = list(WebhookDelivery.objects.unscoped().all())
    assert [(r.organization_id, r.subscription_id, r.event, r.payload, r.status) for r in rows] == [
        (org_a.pk, wants.pk, "case.opened", {"case": 12, "status": "open"}, "pending")]
    assert no_send == [{"org_id": org_a.pk, "delivery_id": rows[0].pk}]
    assert not {other_event.pk, inactive.pk, paused.pk, other_org.pk} & {r.subscription_id for r in rows}


def test_nothing_is_enqueued_when_the_transaction_rolls_back(org_a, no_send, django_capture_on_commit_callbacks):
    WebhookSubscriptionFactory(organization=org_a, events=["case.opened"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.event_publish(org=org_a, event="case.opened", payload={"case": 1})
    assert len(callbacks) == 1  # deferred to commit, not sent inside the transaction
    assert no_send == []


def test_response_recorded_is_one_delivery_per_5000_ids(org_a, no_send, django_capture_on_commit_callbacks):
    first = WebhookSubscriptionFactory(organization=org_a, events=["response.recorded"])
    second = WebhookSubscriptionFactory(organization=org_a, events=["response.recorded", "case.opened"])
    ids = list(range(1, 12_001))
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = services.event_publish(org=org_a, event="response.recorded", payload=ids)
    assert len(deliveries) == 6  # 3 chunks × 2 subscriptions, not 12,000 × 2
    for subscription in (first, second):
        chunks = list(WebhookDelivery.objects.for_org(org_a).filter(subscription=subscription).order_by("pk"))
        assert [c.payload["count"] for c in chunks] == [5000, 5000, 2000]
        assert [i for c in chunks for i in c.payload["ids"]] == ids
    # The same event reaches both subscriptions under one event id (receivers deduplicate on it).
    by_event = {}
    for d in WebhookDelivery.objects.for_org(org_a).all():
        by_event.setdefault(d.event_id, set()).add(d.subscription_id)
    assert list(by_event.values()) == [{first.pk, second.pk}] * 3
    assert len(no_send) == 6


def test_publish_refuses_unknown_events_and_empty_batches(org_a, no_send):
    WebhookSubscriptionFactory(organization=org_a, events=["response.recorded"])
    with pytest.raises(ValidationError):
        services.event_publish(org=org_a, event="ping", payload={})
    with pytest.raises(ValidationError):
        services.event_publish(org=org_a, event="response.recorded", payload="12")
    assert services.event_publish(org=org_a, event="response.recorded", payload={"ids": []}) == []
    assert not WebhookDelivery.objects.for_org(org_a).exists()


def test_publish_accepts_dates_and_decimals(org_a, no_send):
    import datetime as dt
    from decimal import Decimal

    WebhookSubscriptionFactory(organization=org_a, events=["maturity.recomputed"])
    [delivery] = services.event_publish(org=org_a, event="maturity.recomputed",
                                        payload={"overall": Decimal("2.75"), "computed_at": dt.date(2026, 5, 1)})
    assert delivery.payload == {"overall": "2.75", "computed_at": "2026-05-01"}


def test_resume_and_reactivate(org_a, users_a):
    subscription = WebhookSubscriptionFactory(organization=org_a, is_active=False, consecutive_failures=12,
                                              paused_reason="gone")
    resumed = services.subscription_resume(org=org_a, subscription=subscription)
    assert (resumed.is_active, resumed.paused_at, resumed.paused_reason, resumed.consecutive_failures) == (
        True, None, "", 0)


def test_update_validates_and_keeps_what_is_not_given(org_a, production, monkeypatch):
    subscription = WebhookSubscriptionFactory(organization=org_a, url="https://hooks.example.com/a")
    with pytest.raises(ValidationError) as exc:
        services.subscription_update(org=org_a, subscription=subscription, url="https://192.168.0.1/")
    assert "url" in exc.value.message_dict
    updated = services.subscription_update(org=org_a, subscription=subscription, events=["case.closed"],
                                           is_active=False)
    assert (updated.url, updated.events, updated.is_active) == ("https://hooks.example.com/a", ["case.closed"], False)
