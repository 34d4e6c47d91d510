"""Domain changes reach webhook subscribers: the calls wired into the domain apps."""

from __future__ import annotations

import pytest

from cxgov.webhooks.models import WebhookDelivery
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(org_a, users_a):
    from cxgov.webhooks.models import WebhookSubscription

    return WebhookSubscription.objects.create(
        organization=org_a, owner=users_a["integrator"], url="http://127.0.0.1:9/hook", secret="whsec_test",
        events=["initiative.status_changed", "response.recorded", "case.opened", "case.closed",
                "maturity.recomputed"],
    )


def test_initiative_transition_publishes(org_a, org_b, users_a, subscribed, django_capture_on_commit_callbacks,
                                         monkeypatch):
    from initiatives.services import initiative_transition

    monkeypatch.setattr("cxgov.webhooks.tasks.deliver_webhook.delay", lambda **kw: None, raising=False)
    initiative = InitiativeFactory(organization=org_a, status="idea")
    with django_capture_on_commit_callbacks(execute=True):
        initiative_transition(org=org_a, by=users_a["cx_lead"], initiative=initiative, status="planned")
    delivery = WebhookDelivery.objects.for_org(org_a).get(event="initiative.status_changed")
    assert delivery.payload["from"] == "idea" and delivery.payload["to"] == "planned"
    assert not WebhookDelivery.objects.for_org(org_b).exists()


def test_ingest_publishes_one_response_event_and_one_case_event(org_a, subscribed, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import TouchpointFactory
    from voc.services import responses_record

    monkeypatch.setattr("cxgov.webhooks.tasks.deliver_webhook.delay", lambda **kw: None, raising=False)
    touchpoint = TouchpointFactory(organization=org_a)
    now = timezone.now() - dt.timedelta(minutes=1)
    rows = [
        {"source": "api", "external_id": f"w{i}", "metric": "nps", "touchpoint": touchpoint.pk,
         "score": score, "submitted_at": now}
        for i, score in enumerate([10, 2, 9, 0])
    ]
    result = responses_record(org=org_a, rows=rows)
    assert result.created == 4 and result.cases_opened == 2
    recorded = WebhookDelivery.objects.for_org(org_a).get(event="response.recorded")
    assert recorded.payload["count"] == 4
    opened = WebhookDelivery.objects.for_org(org_a).get(event="case.opened")
    assert len(opened.payload["cases"]) == 2
    # A resend creates nothing and publishes nothing more.
    responses_record(org=org_a, rows=rows)
    assert WebhookDelivery.objects.for_org(org_a).filter(event="response.recorded").count() == 1
