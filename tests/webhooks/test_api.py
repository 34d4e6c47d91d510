"""/api/v1/webhooks/: subscriptions CRUD with the secret shown once, the actions, deliveries (read),
roles, isolation and pinned query counts (the generic suite in tests/tenancy covers them too)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxgov.tenancy.roles import Op, Role, role_allows
from cxgov.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory
from tests.tenancy.test_api import assert_error_shape

pytestmark = pytest.mark.django_db
SUBS = "/api/v1/webhooks/subscriptions/"
DELIVERIES = "/api/v1/webhooks/deliveries/"


@pytest.fixture
def no_send(monkeypatch):
    from cxgov.webhooks import tasks

    sent = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda **kw: sent.append(kw))
    return sent


def test_create_answers_the_secret_once(org_a, users_a, token_client, loopback):
    client = token_client(org_a, users_a["integrator"])
    response = client.post(SUBS, {"url": "http://127.0.0.1:9/in", "events": ["case.opened", "case.closed"],
                                  "name": "CRM"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    stored = WebhookSubscription.objects.for_org(org_a).get(pk=body["id"])
    assert body["secret"] == stored.secret
    assert body["owner"] == users_a["integrator"].email
    assert stored.events == ["case.opened", "case.closed"]
    assert "secret" not in client.get(f"{SUBS}{stored.pk}/").json()
    assert all("secret" not in row for row in client.get(SUBS).json()["results"])


def test_create_refuses_internal_urls_and_bad_events(org_a, users_a, token_client, production):
    client = token_client(org_a, users_a["admin"])
    response = client.post(SUBS, {"url": "https://169.254.169.254/", "events": ["case.opened"]}, format="json")
    assert response.status_code == 400
    assert_error_shape(response.json())
    assert "url" in response.json()["errors"]
    response = client.post(SUBS, {"url": "https://hooks.example.com/", "events": ["nope"]}, format="json")
    assert response.status_code == 400
    assert "events" in response.json()["errors"]
    assert not WebhookSubscription.objects.for_org(org_a).exists()


@pytest.mark.parametrize("role", list(Role))
def test_only_webhook_managers_may_read_or_write(role, org_a, users_a, token_client, loopback):
    own = WebhookSubscriptionFactory(organization=org_a)
    client = token_client(org_a, users_a[role.value])
    allowed = role_allows(role, Op.WEBHOOKS_MANAGE)
    assert client.get(SUBS).status_code == (200 if allowed else 403)
    assert client.get(DELIVERIES).status_code == (200 if allowed else 403)
    response = client.post(f"{SUBS}{own.pk}/rotate/")
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert_error_shape(response.json())


def test_update_delete_and_actions(org_a, users_a, token_client, loopback, no_send):
    client = token_client(org_a, users_a["integrator"])
    sub = WebhookSubscriptionFactory(organization=org_a, url="http://127.0.0.1:9/a", is_active=False,
                                     paused_reason="gone", consecutive_failures=4)
    old_secret = sub.secret

    response = client.patch(f"{SUBS}{sub.pk}/", {"events": ["maturity.recomputed"], "name": "New"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["events"] == ["maturity.recomputed"] and response.json()["name"] == "New"

    rotated = client.post(f"{SUBS}{sub.pk}/rotate/")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != old_secret
    assert WebhookSubscription.objects.for_org(org_a).get(pk=sub.pk).secret == rotated.json()["secret"]

    resumed = client.post(f"{SUBS}{sub.pk}/resume/").json()
    assert (resumed["is_active"], resumed["paused_reason"], resumed["consecutive_failures"]) == (True, "", 0)

    ping = client.post(f"{SUBS}{sub.pk}/test/")
    assert ping.status_code == 202
    assert ping.json()["event"] == "ping" and ping.json()["subscription"] == sub.pk

    assert client.delete(f"{SUBS}{sub.pk}/").status_code == 204
    assert not WebhookSubscription.objects.for_org(org_a).filter(pk=sub.pk).exists()
    assert not WebhookDelivery.objects.for_org(org_a).exists()


def test_another_organizations_subscription_is_404_for_every_action(org_a, org_b, users_a, token_client):
    foreign = WebhookSubscriptionFactory(organization=org_b)
    client = token_client(org_a, users_a["admin"])
    for method, url in (("get", f"{SUBS}{foreign.pk}/"), ("patch", f"{SUBS}{foreign.pk}/"),
                        ("delete", f"{SUBS}{foreign.pk}/"), ("post", f"{SUBS}{foreign.pk}/rotate/"),
                        ("post", f"{SUBS}{foreign.pk}/test/"), ("post", f"{SUBS}{foreign.pk}/resume/")):
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url)
    assert WebhookSubscription.objects.for_org(org_b).get(pk=foreign.pk).secret == foreign.secret


def test_deliveries_filter_by_subscription_within_the_organization(org_a, org_b, users_a, token_client):
    sub = WebhookSubscriptionFactory(organization=org_a)
    other = WebhookSubscriptionFactory(organization=org_a)
    mine = WebhookDeliveryFactory(organization=org_a, subscription=sub)
    WebhookDeliveryFactory(organization=org_a, subscription=other)
    foreign = WebhookSubscriptionFactory(organization=org_b)
    client = token_client(org_a, users_a["integrator"])
    rows = client.get(f"{DELIVERIES}?subscription={sub.pk}").json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    response = client.get(f"{DELIVERIES}?subscription={foreign.pk}")
    assert response.status_code == 400
    assert "subscription" in response.json()["errors"]


@pytest.mark.parametrize("url,factory", [(SUBS, "subscription"), (DELIVERIES, "delivery")])
def test_list_query_count_is_pinned(url, factory, org_a, users_a, token_client):
    client = token_client(org_a, users_a["integrator"])
    sub = WebhookSubscriptionFactory(organization=org_a)

    def grow(n):
        for _ in range(n):
            if factory == "subscription":
                WebhookSubscriptionFactory(organization=org_a, owner=users_a["admin"])
            else:
                WebhookDeliveryFactory(organization=org_a, subscription=sub)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{url}?page_size=500").status_code == 200
        return len(queries)

    client.get(url)  # the first request writes the token's last_used_at; measure the steady state
    grow(2)
    few = count()
    grow(25)
    assert count() == few
