"""The Distribute step: insights with evidence, journey stakeholders, distribution through the inbox
and email, the recipients' view, and the read API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from cxgov.inbox.models import Notification
from tests import factories as f
from tests.dashboards.pages import signed_in
from voc import services
from voc.models import Insight, InsightEvidence, InsightRecipient, Response, Rollup

from .test_loop_support import make_loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop(org_a, users_a):
    return make_loop(org_a, users_a)


def _comment(loop, touchpoint=None, text="Queue was endless"):
    loop.record(loop.nps, 8, touchpoint=touchpoint, comment=text)
    return Response.objects.for_org(loop.org).order_by("-id").first()


def _insight(loop, users_a, **kwargs):
    data = {"title": "Queues drive detractors", "body": "Half the detractors mention the queue.",
            "journey": loop.journey, "touchpoints": [loop.touchpoint]}
    data.update(kwargs)
    return services.insight_create(org=loop.org, by=users_a["cx_lead"], **data)


def test_insight_with_every_kind_of_evidence(loop, users_a):
    response = _comment(loop)
    f.RollupFactory(organization=loop.org, metric=loop.nps, grain=Rollup.Grain.TOUCHPOINT,
                    subject_id=loop.touchpoint.pk, period="month", period_start=dt.date(2025, 5, 1),
                    value=Decimal("-12"), n=40)
    insight = _insight(loop, users_a, response_ids=[response.pk], links=[
        {"url": "https://wiki.example/queues", "note": "Branch study"}],
        rollups=[{"metric": loop.nps.code, "grain": "touchpoint", "subject_id": loop.touchpoint.pk,
                  "period": "month", "period_start": "2025-05-01", "note": "May NPS"}])
    evidence = list(InsightEvidence.objects.for_org(loop.org).filter(insight=insight).order_by("id"))
    assert [e.response_id for e in evidence] == [response.pk, None, None]
    assert (evidence[1].metric_id, evidence[1].subject_id, evidence[1].period_start) == (
        loop.nps.pk, loop.touchpoint.pk, dt.date(2025, 5, 1))
    assert (evidence[2].url, evidence[2].note) == ("https://wiki.example/queues", "Branch study")
    assert list(insight.touchpoints.all()) == [loop.touchpoint]

    page = signed_in(users_a["executive"]).get(f"/voc/insights/{insight.pk}/").content.decode()
    assert "Queue was endless" in page and "-12" in page and "https://wiki.example/queues" in page


def test_bad_evidence_is_refused_and_nothing_is_stored(loop, users_a, org_b, users_b):
    foreign = make_loop(org_b, users_b)
    foreign_response = _comment(foreign)
    elsewhere = _comment(loop, touchpoint=loop.other_touchpoint)
    cases = [
        ({"response_ids": [foreign_response.pk]}, "responses"),
        ({"response_ids": [elsewhere.pk]}, "responses"),     # not one of the insight's touchpoints
        ({"rollups": [{"metric": loop.nps.code, "grain": "touchpoint", "subject_id": loop.touchpoint.pk,
                       "period": "month", "period_start": "2020-01-01"}]}, "rollups"),  # no such figure
        ({"links": [{"url": "javascript:alert(1)"}]}, "links"),
        ({"touchpoints": [f.TouchpointFactory(organization=loop.org)]}, "touchpoints"),  # another journey
        ({"title": " "}, "title"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            _insight(loop, users_a, **kwargs)
        assert field in exc.value.message_dict, kwargs
    with pytest.raises(ValidationError):
        _insight(loop, users_a, journey=foreign.journey)
    assert not Insight.objects.for_org(loop.org).exists()


def test_stakeholders_must_be_members(loop, users_a, users_b):
    services.journey_stakeholders_set(org=loop.org, journey=loop.journey, users=[users_a["executive"]])
    with pytest.raises(ValidationError) as exc:
        services.journey_stakeholders_set(org=loop.org, journey=loop.journey,
                                          users=[users_a["admin"], users_b["executive"]])
    assert "Not a member" in exc.value.message_dict["stakeholders"][0]
    assert list(loop.journey.stakeholders.all()) == [users_a["executive"]]


def test_distribution_notifies_and_emails_each_stakeholder_once(
    loop, users_a, django_capture_on_commit_callbacks
):
    insight = _insight(loop, users_a)
    with pytest.raises(ValidationError) as exc:
        services.insight_distribute(org=loop.org, by=users_a["cx_lead"], insight=insight)
    assert "no stakeholders" in exc.value.message_dict["journey"][0]

    services.journey_stakeholders_set(org=loop.org, journey=loop.journey,
                                      users=[users_a["executive"], users_a["ambassador"]])
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.insight_distribute(org=loop.org, by=users_a["cx_lead"], insight=insight)
    assert {r.user for r in sent} == {users_a["executive"], users_a["ambassador"]}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([users_a["executive"].email, users_a["ambassador"].email])
    assert all("Queues drive detractors" in m.subject and f"/voc/insights/{insight.pk}/" in m.body
               for m in mail.outbox)
    notes = Notification.objects.for_org(loop.org).filter(kind="insight")
    assert {n.user_id for n in notes} == {users_a["executive"].pk, users_a["ambassador"].pk}
    assert {n.url for n in notes} == {f"/voc/insights/{insight.pk}/"}
    insight.refresh_from_db()
    assert insight.distributed_at is not None

    # Again, after adding one stakeholder: only the newcomer is told.
    services.journey_stakeholders_set(org=loop.org, journey=loop.journey,
                                      users=[users_a["executive"], users_a["ambassador"], users_a["admin"]])
    with django_capture_on_commit_callbacks(execute=True):
        again = services.insight_distribute(org=loop.org, by=users_a["cx_lead"], insight=insight)
    assert [r.user for r in again] == [users_a["admin"]]
    assert len(mail.outbox) == 3
    assert InsightRecipient.objects.for_org(loop.org).filter(insight=insight).count() == 3


def test_recipients_see_it_and_opening_marks_it_read(loop, users_a):
    insight = _insight(loop, users_a)
    services.journey_stakeholders_set(org=loop.org, journey=loop.journey, users=[users_a["ambassador"]])
    services.insight_distribute(org=loop.org, by=users_a["cx_lead"], insight=insight)
    client = signed_in(users_a["ambassador"])
    mine = client.get("/voc/insights/for-me/")
    assert mine.status_code == 200 and insight.title in mine.content.decode()
    assert signed_in(users_a["executive"]).get("/voc/insights/for-me/").content.decode().count(insight.title) == 0
    recipient = InsightRecipient.objects.for_org(loop.org).get(insight=insight)
    assert recipient.read_at is None
    assert client.get(f"/voc/insights/{insight.pk}/").status_code == 200
    recipient.refresh_from_db()
    assert recipient.read_at is not None


def test_create_and_distribute_from_the_pages(loop, users_a, django_capture_on_commit_callbacks):
    response = _comment(loop)
    client = signed_in(users_a["cx_lead"])
    assert client.get(f"/voc/insights/new/?journey={loop.journey.pk}").status_code == 200
    stake = client.post(f"/voc/journeys/{loop.journey.pk}/stakeholders/",
                        {"stakeholders": [users_a["executive"].pk], "next": "/voc/insights/"})
    assert stake.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/voc/insights/new/", {
            "journey": loop.journey.pk, "title": "Queue", "body": "Long queues.", "touchpoints": [loop.touchpoint.pk],
            "responses": [response.pk], "links": "https://wiki.example/q see the study", "distribute": "1",
        })
    insight = Insight.objects.for_org(loop.org).get()
    assert created.status_code == 302 and created.url == f"/voc/insights/{insight.pk}/"
    assert [m.to for m in mail.outbox] == [[users_a["executive"].email]]
    link = InsightEvidence.objects.for_org(loop.org).get(insight=insight, url__startswith="https")
    assert link.note == "see the study"

    bad = client.post("/voc/insights/new/", {"journey": loop.journey.pk, "title": "", "body": "Kept text"})
    assert bad.status_code == 400
    assert "Kept text" in bad.content.decode()  # nothing typed is lost


def test_a_non_member_cannot_be_made_stakeholder_from_the_page(loop, users_a, users_b):
    client = signed_in(users_a["cx_lead"])
    client.post(f"/voc/journeys/{loop.journey.pk}/stakeholders/", {"stakeholders": [users_b["executive"].pk]})
    assert list(loop.journey.stakeholders.all()) == []


def test_insight_pages_need_programme_manage_to_write(loop, users_a):
    insight = _insight(loop, users_a)
    for role in ("executive", "ambassador", "integrator"):
        client = signed_in(users_a[role])
        assert client.get(f"/voc/insights/new/?journey={loop.journey.pk}").status_code == 403
        assert client.post(f"/voc/insights/{insight.pk}/distribute/").status_code == 403
        assert client.post(f"/voc/journeys/{loop.journey.pk}/stakeholders/").status_code == 403
        assert client.get("/voc/insights/").status_code == 200


def test_insights_api_reads_and_for_me(loop, users_a, token_client):
    insight = _insight(loop, users_a, response_ids=[_comment(loop).pk])
    _insight(loop, users_a, title="Another")
    services.journey_stakeholders_set(org=loop.org, journey=loop.journey, users=[users_a["integrator"]])
    services.insight_distribute(org=loop.org, by=users_a["cx_lead"], insight=insight)
    client = token_client(loop.org, users_a["integrator"])
    rows = client.get("/api/v1/insights/").json()["results"]
    assert {r["title"] for r in rows} == {"Queues drive detractors", "Another"}
    mine = client.get("/api/v1/insights/?for_me=true").json()["results"]
    assert [r["id"] for r in mine] == [insight.pk]
    detail = client.get(f"/api/v1/insights/{insight.pk}/").json()
    assert detail["recipient_count"] == 1 and len(detail["evidence"]) == 1
    assert detail["touchpoints"] == [loop.touchpoint.pk]
