"""Webhook pages: roles, anonymous, another organization, the secret shown once, the delivery log
(newest first, paginated, pinned query count), edit, delete and the actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cxgov.tenancy.roles import Op
from cxgov.webhooks.models import WebhookSubscription
from tests.dashboards.page_checks import check_anonymous, check_other_org_404, check_pinned_queries, check_roles
from tests.dashboards.pages import signed_in
from tests.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_send(monkeypatch):
    from cxgov.webhooks import tasks

    sent = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda **kw: sent.append(kw))
    return sent


def test_pages_follow_the_role_table(org_a, users_a, client):
    sub = WebhookSubscriptionFactory(organization=org_a)
    for url in (reverse("webhooks:subscription-list"), reverse("webhooks:subscription-create"),
                reverse("webhooks:subscription-detail", args=[sub.pk]),
                reverse("webhooks:subscription-update", args=[sub.pk]),
                reverse("webhooks:subscription-delete", args=[sub.pk])):
        check_roles(url, users_a, Op.WEBHOOKS_MANAGE)
        check_anonymous(client, url)


def test_another_organizations_subscription_is_404(org_a, org_b, users_a):
    foreign = WebhookSubscriptionFactory(organization=org_b)
    for name in ("detail", "update", "delete", "rotate", "test", "resume"):
        check_other_org_404(reverse(f"webhooks:subscription-{name}", args=[foreign.pk]), users_a["integrator"])
        if name == "detail":
            continue
        assert signed_in(users_a["integrator"]).post(
            reverse(f"webhooks:subscription-{name}", args=[foreign.pk])).status_code == 404


def test_create_shows_the_secret_once(org_a, users_a, loopback):
    client = signed_in(users_a["integrator"])
    response = client.post(reverse("webhooks:subscription-create"), {
        "name": "CRM", "url": "http://127.0.0.1:9/in", "events": ["case.opened"], "is_active": "on"})
    assert response.status_code == 201
    sub = WebhookSubscription.objects.for_org(org_a).get()
    assert sub.secret in response.content.decode()
    assert sub.owner == users_a["integrator"]
    for url in (reverse("webhooks:subscription-detail", args=[sub.pk]), reverse("webhooks:subscription-list"),
                reverse("webhooks:subscription-update", args=[sub.pk])):
        assert sub.secret not in client.get(url).content.decode()


def test_create_with_bad_input_keeps_what_was_typed(org_a, users_a, production):
    client = signed_in(users_a["admin"])
    response = client.post(reverse("webhooks:subscription-create"),
                           {"name": "Mine", "url": "https://10.1.1.1/in", "events": ["case.opened"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "not reachable from the internet" in html
    assert 'value="https://10.1.1.1/in"' in html and 'value="Mine"' in html
    response = client.post(reverse("webhooks:subscription-create"), {"url": "https://10.1.1.1/in"})
    assert response.status_code == 400
    assert not WebhookSubscription.objects.for_org(org_a).exists()


def test_edit_rotate_test_resume_delete(org_a, users_a, loopback, no_send, django_capture_on_commit_callbacks):
    sub = WebhookSubscriptionFactory(organization=org_a, url="http://127.0.0.1:9/a", is_active=False,
                                     paused_reason="gone")
    client = signed_in(users_a["admin"])
    response = client.post(reverse("webhooks:subscription-update", args=[sub.pk]),
                           {"name": "Renamed", "url": "http://127.0.0.1:9/b", "events": ["case.closed"]})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert (sub.name, sub.url, sub.events, sub.is_active) == ("Renamed", "http://127.0.0.1:9/b", ["case.closed"], False)

    old = sub.secret
    assert client.get(reverse("webhooks:subscription-rotate", args=[sub.pk])).status_code == 405
    response = client.post(reverse("webhooks:subscription-rotate", args=[sub.pk]))
    sub.refresh_from_db()
    assert sub.secret != old and sub.secret in response.content.decode()

    detail = client.get(reverse("webhooks:subscription-detail", args=[sub.pk])).content.decode()
    assert reverse("webhooks:subscription-resume", args=[sub.pk]) in detail
    assert client.post(reverse("webhooks:subscription-resume", args=[sub.pk])).status_code == 302
    sub.refresh_from_db()
    assert sub.is_receiving

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("webhooks:subscription-test", args=[sub.pk])).status_code == 302
    assert len(no_send) == 1

    assert client.post(reverse("webhooks:subscription-delete", args=[sub.pk])).status_code == 302
    assert not WebhookSubscription.objects.for_org(org_a).exists()


def test_the_delivery_log_is_newest_first_and_paginated(org_a, users_a):
    sub = WebhookSubscriptionFactory(organization=org_a)
    deliveries = [WebhookDeliveryFactory(organization=org_a, subscription=sub, event="case.opened") for _ in range(30)]
    WebhookDeliveryFactory(organization=org_a, subscription=WebhookSubscriptionFactory(organization=org_a),
                           event="case.closed")
    client = signed_in(users_a["integrator"])
    url = reverse("webhooks:subscription-detail", args=[sub.pk])
    page1 = client.get(url).context["page_obj"]
    assert [d.pk for d in page1.object_list] == [d.pk for d in reversed(deliveries)][:25]
    page2 = client.get(f"{url}?page=2").context["page_obj"]
    assert [d.pk for d in page2.object_list] == [d.pk for d in reversed(deliveries)][25:]


# Session, user, the memberships (the acting one and the switcher's list, one query) (3), savepoints of
# ATOMIC_REQUESTS (2), then the page's own reads.
DETAIL_QUERIES = 5 + 3  # the subscription, the deliveries' count, one page of deliveries
LIST_QUERIES = 5 + 2  # the subscriptions' count, one page of subscriptions with their owners


def test_detail_and_list_query_counts_are_pinned(org_a, users_a, django_assert_num_queries):
    sub = WebhookSubscriptionFactory(organization=org_a, owner=users_a["integrator"])
    WebhookDeliveryFactory(organization=org_a, subscription=sub)
    client = signed_in(users_a["integrator"])

    def more_deliveries():
        for _ in range(40):
            WebhookDeliveryFactory(organization=org_a, subscription=sub, attempt_log=[
                {"at": "2026-01-01T00:00:00+00:00", "status": 500, "duration_ms": 3, "error": "HTTP 500"}])

    def more_subscriptions():
        for _ in range(20):
            WebhookSubscriptionFactory(organization=org_a, owner=users_a["admin"])

    check_pinned_queries(client, reverse("webhooks:subscription-detail", args=[sub.pk]),
                         django_assert_num_queries, DETAIL_QUERIES, more_deliveries)
    check_pinned_queries(client, reverse("webhooks:subscription-list"), django_assert_num_queries, LIST_QUERIES,
                         more_subscriptions)
