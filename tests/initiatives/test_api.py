"""The PMO over /api/v1/: CRUD through services, transitions, team, object permissions, KPI values,
list endpoints with a fixed number of queries at 10 and 200 initiatives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cem_levers.models import Lever
from initiatives.models import Initiative, InitiativeUserObjectPermission, Milestone, Risk, StatusReport
from initiatives.services import initiative_create
from tests import factories as f
from tests.initiatives.test_views import _portfolio
from voc.models import Metric, Rollup

pytestmark = pytest.mark.django_db


def test_cx_lead_creates_updates_moves_and_deletes(org_a, users_a, token_client):
    client = token_client(org_a, users_a["cx_lead"])
    lever = Lever.objects.for_org(org_a).first()
    response = client.post("/api/v1/initiatives/", {
        "title": "API initiative", "levers": [lever.pk], "owner": users_a["ambassador"].pk, "cem_step": "act",
        "transformation_step": "vision", "planned_cost": "100.00", "actual_cost": "40.00", "expected_benefit": "100.00",
        "start_date": "2030-01-01", "due_date": "2030-02-01",
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "idea" and body["levers"] == [lever.pk] and body["roi"] == "1.5000"
    pk = body["id"]
    assert InitiativeUserObjectPermission.objects.filter(content_object_id=pk, user=users_a["ambassador"]).exists()

    response = client.patch(f"/api/v1/initiatives/{pk}/", {"title": "Renamed", "status": "done"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Renamed"
    assert response.json()["status"] == "idea"  # status is read-only here: it moves through transition

    response = client.post(f"/api/v1/initiatives/{pk}/transition/", {"status": "done"}, format="json")
    assert response.status_code == 400
    assert "cannot move" in response.json()["errors"]["status"][0]
    response = client.post(f"/api/v1/initiatives/{pk}/transition/", {"status": "planned"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "planned"

    response = client.put(f"/api/v1/initiatives/{pk}/team/", {"team": [users_a["integrator"].pk]}, format="json")
    assert response.status_code == 200 and response.json()["team"] == [users_a["integrator"].pk]

    assert client.delete(f"/api/v1/initiatives/{pk}/").status_code == 204
    assert not Initiative.objects.for_org(org_a).filter(pk=pk).exists()


def test_bad_input_and_foreign_references(org_a, org_b, users_a, users_b, token_client):
    client = token_client(org_a, users_a["cx_lead"])
    response = client.post("/api/v1/initiatives/", {
        "title": "X", "start_date": "2030-02-01", "due_date": "2030-01-01",
    }, format="json")
    assert response.status_code == 400 and "due_date" in response.json()["errors"]
    response = client.post("/api/v1/initiatives/", {"title": "X", "owner": users_b["cx_lead"].pk}, format="json")
    assert response.status_code == 400 and response.json()["errors"]["owner"] == ["Not a member of this organization."]
    foreign = Lever.objects.for_org(org_b).first()
    response = client.post("/api/v1/initiatives/", {"title": "X", "levers": [foreign.pk]}, format="json")
    assert response.status_code == 400 and "levers" in response.json()["errors"]
    assert not Initiative.objects.for_org(org_a).exists()


def test_team_member_token_edits_their_initiative_only(org_a, users_a, token_client):
    mine = initiative_create(org=org_a, title="Mine", team=[users_a["integrator"]], status="planned")
    other = initiative_create(org=org_a, title="Other", status="planned")
    client = token_client(org_a, users_a["integrator"])
    assert client.patch(f"/api/v1/initiatives/{mine.pk}/", {"title": "Mine!"}, format="json").status_code == 200
    response = client.patch(f"/api/v1/initiatives/{other.pk}/", {"title": "Hijack"}, format="json")
    assert response.status_code == 403 and response.json()["detail"]
    assert client.post(f"/api/v1/initiatives/{mine.pk}/transition/", {"status": "in_progress"},
                       format="json").status_code == 200
    assert client.post(f"/api/v1/initiatives/{other.pk}/transition/", {"status": "in_progress"},
                       format="json").status_code == 403

    assert client.post("/api/v1/milestones/", {"initiative": mine.pk, "title": "M"}, format="json").status_code == 201
    assert client.post("/api/v1/milestones/", {"initiative": other.pk, "title": "M"}, format="json").status_code == 403
    assert client.post("/api/v1/risks/", {"initiative": other.pk, "description": "R", "probability": 1, "impact": 1},
                       format="json").status_code == 403
    assert client.post("/api/v1/status-reports/", {"initiative": mine.pk, "health": "amber", "summary": "S"},
                       format="json").status_code == 201
    # Team, creation and deletion need programme.manage.
    assert client.put(f"/api/v1/initiatives/{mine.pk}/team/", {"team": []}, format="json").status_code == 403
    assert client.post("/api/v1/initiatives/", {"title": "New"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/initiatives/{mine.pk}/").status_code == 403
    assert Initiative.objects.for_org(org_a).get(pk=other.pk).title == "Other"
    assert Initiative.objects.for_org(org_a).get(pk=mine.pk).health == "amber"


def test_executive_reads_and_never_edits(org_a, users_a, token_client):
    initiative = initiative_create(org=org_a, title="Read me", team=[users_a["executive"]])
    risk = f.RiskFactory(organization=org_a, initiative=initiative)
    client = token_client(org_a, users_a["executive"])
    assert client.get(f"/api/v1/initiatives/{initiative.pk}/").status_code == 200
    assert client.get("/api/v1/risks/").status_code == 200
    assert client.patch(f"/api/v1/initiatives/{initiative.pk}/", {"title": "X"}, format="json").status_code == 403
    assert client.post(f"/api/v1/initiatives/{initiative.pk}/transition/", {"status": "planned"},
                       format="json").status_code == 403
    assert client.patch(f"/api/v1/risks/{risk.pk}/", {"impact": 5}, format="json").status_code == 403
    assert client.delete(f"/api/v1/risks/{risk.pk}/").status_code == 403
    assert Initiative.objects.for_org(org_a).get(pk=initiative.pk).title == "Read me"


def test_milestones_with_dependencies_and_done(org_a, users_a, token_client):
    initiative = f.InitiativeFactory(organization=org_a)
    client = token_client(org_a, users_a["cx_lead"])
    a = client.post("/api/v1/milestones/", {"initiative": initiative.pk, "title": "A", "due_date": "2020-01-01"},
                    format="json").json()
    assert a["overdue"] is True
    b = client.post("/api/v1/milestones/", {"initiative": initiative.pk, "title": "B", "depends_on": [a["id"]]},
                    format="json").json()
    response = client.patch(f"/api/v1/milestones/{a['id']}/", {"depends_on": [b["id"]]}, format="json")
    assert response.status_code == 400 and "cycle" in response.json()["errors"]["depends_on"][0]
    response = client.patch(f"/api/v1/milestones/{b['id']}/", {"done": True}, format="json")
    assert response.status_code == 400 and "done" in response.json()["errors"]
    assert client.patch(f"/api/v1/milestones/{a['id']}/", {"done": True}, format="json").json()["done_at"]
    other = f.InitiativeFactory(organization=org_a)
    response = client.patch(f"/api/v1/milestones/{a['id']}/", {"initiative": other.pk}, format="json")
    assert Milestone.objects.for_org(org_a).get(pk=a["id"]).initiative_id == initiative.pk  # fixed on creation
    assert response.status_code == 200


def test_risks_and_reports(org_a, users_a, token_client):
    initiative = f.InitiativeFactory(organization=org_a)
    client = token_client(org_a, users_a["cx_lead"])
    response = client.post("/api/v1/risks/", {"initiative": initiative.pk, "description": "Vendor",
                                              "probability": 5, "impact": 3}, format="json")
    assert response.status_code == 201 and response.json()["exposure"] == 15 and response.json()["level"] == "high"
    response = client.post("/api/v1/risks/", {"initiative": initiative.pk, "description": "X", "probability": 6,
                                              "impact": 3}, format="json")
    assert response.status_code == 400 and "probability" in response.json()["errors"]
    response = client.post("/api/v1/status-reports/", {"initiative": initiative.pk, "health": "red",
                                                       "summary": "Late"}, format="json")
    assert response.status_code == 201 and response.json()["author"] == users_a["cx_lead"].pk
    report_id = response.json()["id"]
    assert client.patch(f"/api/v1/status-reports/{report_id}/", {"summary": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/v1/status-reports/{report_id}/").status_code == 405
    assert StatusReport.objects.for_org(org_a).count() == 1 and Risk.objects.for_org(org_a).count() == 1


def test_kpi_current_value_is_read_only_and_from_rollups(org_a, users_a, token_client):
    nps = Metric.objects.for_org(org_a).get(code="nps")
    today = timezone.localdate()
    month = today.replace(day=1)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    tp1, tp2 = f.TouchpointFactory(organization=org_a), f.TouchpointFactory(organization=org_a)
    initiative = f.InitiativeFactory(organization=org_a, start_date=month)
    initiative.touchpoints.set([tp1, tp2])
    for tp, start, value, n in ((tp1, previous, "10", 30), (tp1, month, "20", 10), (tp2, month, "40", 30)):
        f.RollupFactory(organization=org_a, metric=nps, grain=Rollup.Grain.TOUCHPOINT, subject_id=tp.pk,
                        period_start=start, n=n, value=Decimal(value))
    client = token_client(org_a, users_a["cx_lead"])
    response = client.post("/api/v1/initiative-kpis/", {"initiative": initiative.pk, "metric": nps.pk, "target": "50",
                                                        "current": {"value": 99}}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["grain"] == "touchpoint"
    assert body["current"] == {"month": month.isoformat(), "value": "35.0000", "n": 40}  # (200 + 1200) / 40
    assert body["before"] == {"month": previous.isoformat(), "value": "10.0000", "n": 30}
    assert body["after"]["value"] == "35.0000"
    listed = client.get("/api/v1/initiative-kpis/").json()["results"]
    assert listed[0]["current"]["n"] == 40
    assert client.patch(f"/api/v1/initiative-kpis/{body['id']}/", {"target": "60"}, format="json").json()["target"] \
        == "60.0000"


def test_filters_and_ordering(org_a, users_a, token_client):
    levers = list(Lever.objects.for_org(org_a).order_by("position")[:2])
    a = initiative_create(org=org_a, title="Alpha", levers=[levers[0]], short_term_win=True)
    initiative_create(org=org_a, title="Beta", levers=[levers[1]])
    client = token_client(org_a, users_a["executive"])
    ids = [r["id"] for r in client.get("/api/v1/initiatives/", {"lever": levers[0].pk}).json()["results"]]
    assert ids == [a.pk]
    ids = [r["id"] for r in client.get("/api/v1/initiatives/", {"short_term_win": "true"}).json()["results"]]
    assert ids == [a.pk]
    titles = [r["title"] for r in client.get("/api/v1/initiatives/", {"ordering": "-title"}).json()["results"]]
    assert titles == ["Beta", "Alpha"]


LIST_ENDPOINTS = ["initiatives", "milestones", "risks", "initiative-kpis", "status-reports"]


@pytest.mark.parametrize("prefix", LIST_ENDPOINTS)
def test_list_endpoints_cost_the_same_with_10_and_200_initiatives(prefix, org_a, users_a, token_client):
    nps = Metric.objects.for_org(org_a).get(code="nps")
    client = token_client(org_a, users_a["integrator"])

    def grow(n):
        _portfolio(org_a, users_a, n)
        for initiative in Initiative.objects.for_org(org_a).filter(kpis__isnull=True):
            f.InitiativeKpiFactory(organization=org_a, initiative=initiative, metric=nps)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{prefix}/?page_size=500")
        assert response.status_code == 200
        return len(queries)

    grow(10)
    count()  # warm caches
    with_10 = count()
    grow(190)
    assert Initiative.objects.for_org(org_a).count() == 200
    assert count() == with_10
