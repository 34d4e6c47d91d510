"""Governance over the API: the RACI rule, cross-organization references refused like missing ones,
read-only computed fields, roles (executives read, cannot write)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cem_levers.models import Lever
from governance.models import Body, Goal, RaciAssignment
from tests.factories import (
    BodyFactory,
    BodyMemberFactory,
    BudgetYearFactory,
    DecisionFactory,
    GoalFactory,
    InitiativeFactory,
    MetricFactory,
    RollupFactory,
)
from tests.tenancy.test_api import assert_error_shape

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(org_a, users_a, token_client):
    return token_client(org_a, users_a["cx_lead"])


def test_raci_one_accountable_per_row_through_the_api(org_a, users_a, lead):
    lever = Lever.objects.for_org(org_a).order_by("position").first()
    body, other = BodyFactory(organization=org_a), BodyFactory(organization=org_a)

    first_r = lead.post("/api/v1/raci-assignments/", {"lever": lever.pk, "body": body.pk, "role": "R"})
    assert first_r.status_code == 400
    assert_error_shape(first_r.json())
    assert str(lever) in first_r.json()["errors"]["role"][0]

    a = lead.post("/api/v1/raci-assignments/", {"lever": lever.pk, "body": body.pk, "role": "A"})
    assert a.status_code == 201, a.json()
    assert a.json()["row"] == str(lever) and a.json()["party_name"] == body.name
    r = lead.post("/api/v1/raci-assignments/", {"lever": lever.pk, "user": users_a["cx_lead"].pk, "role": "R"})
    assert r.status_code == 201, r.json()
    second_a = lead.post("/api/v1/raci-assignments/", {"lever": lever.pk, "body": other.pk, "role": "A"})
    assert second_a.status_code == 400 and "2 Accountables" in second_a.json()["errors"]["role"][0]
    change = lead.patch(f"/api/v1/raci-assignments/{r.json()['id']}/", {"role": "A"}, format="json")
    assert change.status_code == 400
    assert lead.patch(f"/api/v1/raci-assignments/{r.json()['id']}/", {"role": "C"}, format="json").status_code == 200
    assert lead.delete(f"/api/v1/raci-assignments/{a.json()['id']}/").status_code == 400
    assert sorted(RaciAssignment.objects.for_org(org_a).values_list("role", flat=True)) == ["A", "C"]
    both = lead.post("/api/v1/raci-assignments/", {"lever": lever.pk, "initiative": InitiativeFactory(
        organization=org_a).pk, "body": other.pk, "role": "A"})
    assert both.status_code == 400 and "lever" in both.json()["errors"]


def test_references_of_another_organization_are_refused_like_missing_ones(org_a, org_b, users_b, lead):
    lever = Lever.objects.for_org(org_a).first()
    foreign_body = BodyFactory(organization=org_b)
    foreign_member = BodyMemberFactory(organization=org_b)
    for field, value in (("body", foreign_body.pk), ("member", foreign_member.pk), ("user", users_b["admin"].pk)):
        response = lead.post("/api/v1/raci-assignments/", {"lever": lever.pk, field: value, "role": "A"})
        missing = lead.post("/api/v1/raci-assignments/", {"lever": lever.pk, field: 10**9, "role": "A"})
        assert response.status_code == missing.status_code == 400
        assert response.json() == missing.json()
        assert response.json()["errors"][field] == ["Not found in this organization."]
    member = lead.post("/api/v1/body-members/", {"body": BodyFactory(organization=org_a).pk,
                                                 "user": users_b["cx_lead"].pk})
    assert member.status_code == 400 and member.json()["errors"]["user"] == ["Not found in this organization."]
    assert not RaciAssignment.objects.for_org(org_a).exists()


def test_bodies_with_members_and_executives_cannot_write(org_a, users_a, lead, token_client):
    created = lead.post("/api/v1/bodies/", {"kind": "steering_committee", "name": "Steering"})
    assert created.status_code == 201, created.json()
    assert created.json()["level"] == "strategic" and created.json()["members"] == []
    body_id = created.json()["id"]
    member = lead.post("/api/v1/body-members/", {"body": body_id, "name": "Elena Martín", "role_in_body": "chair"})
    assert member.status_code == 201, member.json()
    detail = lead.get(f"/api/v1/bodies/{body_id}/").json()
    assert [m["display_name"] for m in detail["members"]] == ["Elena Martín"]
    duplicate = lead.post("/api/v1/bodies/", {"kind": "core_team", "name": "Steering"})
    assert duplicate.status_code == 400 and "name" in duplicate.json()["errors"]

    executive = token_client(org_a, users_a["executive"])
    assert executive.get(f"/api/v1/bodies/{body_id}/").status_code == 200
    refused = executive.post("/api/v1/bodies/", {"kind": "core_team", "name": "Mine"})
    assert refused.status_code == 403
    assert_error_shape(refused.json())
    assert executive.patch(f"/api/v1/bodies/{body_id}/", {"name": "X"}, format="json").status_code == 403
    assert executive.delete(f"/api/v1/bodies/{body_id}/").status_code == 403
    assert Body.objects.for_org(org_a).filter(name="Steering").exists()


def test_decisions_show_overdue_read_only(org_a, users_a, lead, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC))
    late = DecisionFactory(organization=org_a, owner=users_a["cx_lead"], due_date=dt.date(2026, 3, 9))
    rows = {row["id"]: row for row in lead.get("/api/v1/decisions/?status=open").json()["results"]}
    assert rows[late.pk]["is_overdue"] is True
    response = lead.patch(f"/api/v1/decisions/{late.pk}/", {"status": "done", "is_overdue": True,
                                                            "closed_at": "2000-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 200
    assert response.json()["is_overdue"] is False
    assert response.json()["closed_at"].startswith("2026-03-10")


def test_goals_carry_their_attainment_and_it_is_read_only(org_a, users_a, lead):
    metric = MetricFactory(organization=org_a, min_n=5)
    RollupFactory(organization=org_a, metric=metric, period="month", period_start=dt.date(2026, 1, 1), n=4,
                  value=Decimal("70"))
    RollupFactory(organization=org_a, metric=metric, period="month", period_start=dt.date(2026, 2, 1), n=6,
                  value=Decimal("80"))
    response = lead.post("/api/v1/goals/", {
        "user": users_a["cx_lead"].pk, "metric": metric.pk, "period_kind": "quarter", "period_start": "2026-02-20",
        "target": "75", "period_end": "2030-01-01", "attainment": {"value": 1},
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["period_start"], body["period_end"]) == ("2026-01-01", "2026-03-31")
    # (70×4 + 80×6) / 10 = 76
    assert body["attainment"] == {"value": "76.00", "n": 10, "months": 2, "enough_data": True, "on_target": True,
                                  "state": "on"}
    listed = lead.get("/api/v1/goals/").json()["results"]
    assert listed[0]["attainment"]["value"] == "76.00"
    assert Goal.objects.for_org(org_a).get().period_end == dt.date(2026, 3, 31)


def test_goal_list_query_count_is_flat(org_a, users_a, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users_a["cx_lead"])
    GoalFactory(organization=org_a)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/goals/")
    for _ in range(10):
        GoalFactory(organization=org_a)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/goals/").json()["count"] == 11
    assert len(many) == len(few)


def test_budget_years_report_spent(org_a, lead):
    BudgetYearFactory(organization=org_a, year=2026, planned=Decimal("1000"))
    InitiativeFactory(organization=org_a, start_date=dt.date(2026, 2, 1), actual_cost=Decimal("250.25"))
    row = lead.get("/api/v1/budget-years/").json()["results"][0]
    assert (row["year"], row["planned"], row["spent"]) == (2026, "1000.00", "250.25")
    assert lead.post("/api/v1/budget-years/", {"year": 2026, "planned": "-1"}).status_code == 400


def test_roadmap_steps_are_created_on_first_read_and_cannot_be_added(org_a, lead):
    steps = lead.get("/api/v1/roadmap-steps/").json()["results"]
    assert [s["step"] for s in steps] == list(range(1, 9))
    first = steps[0]["id"]
    changed = lead.patch(f"/api/v1/roadmap-steps/{first}/", {"status": "in_progress", "step": 5}, format="json")
    assert changed.status_code == 200 and changed.json()["step"] == 1 and changed.json()["status"] == "in_progress"
    assert lead.post("/api/v1/roadmap-steps/", {"step": 9}).status_code == 405
    bad = lead.patch(f"/api/v1/roadmap-steps/{first}/", {"status": "finished"}, format="json")
    assert bad.status_code == 400


def test_charter_is_written_through_post(org_a, lead):
    response = lead.post("/api/v1/charters/", {"vision": "Easy", "guidelines": ["innovate"]}, format="json")
    assert response.status_code == 201, response.json()
    again = lead.post("/api/v1/charters/", {"vision": "Easier", "guidelines": ["nope"]}, format="json")
    assert again.status_code == 400 and "guidelines" in again.json()["errors"]
    assert lead.get("/api/v1/charters/").json()["count"] == 1
