"""The maturity API: assessments (answers, hand-in, consensus, submit), snapshots, targets, settings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cem_levers.models import Lever, Practice
from cxgov.tenancy.roles import Role
from maturity.models import Assessment, LeverTarget, MaturitySettings, MaturitySnapshot
from maturity.services import maturity_scores_compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(org_a, users_a, token_client):
    return {role.value: token_client(org_a, users_a[role.value]) for role in Role}


def test_assessment_lifecycle_over_the_api(org_a, users_a, clients, django_capture_on_commit_callbacks):
    lead, executive, admin = clients["cx_lead"], clients["executive"], clients["admin"]
    assert clients["integrator"].post("/api/v1/assessments/", {"title": "X"}).status_code == 403
    response = lead.post("/api/v1/assessments/", {"title": "API review"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["framework"], body["created_by"]) == ("draft", "default", users_a["cx_lead"].pk)
    url = f"/api/v1/assessments/{body['id']}"
    practices = list(Practice.objects.for_org(org_a))

    assert clients["ambassador"].post(f"{url}/answers/", {"practice": practices[0].pk,
                                                          "stage_level": 2}).status_code == 403
    for practice in practices:
        assert executive.post(f"{url}/answers/", {"practice": practice.pk, "stage_level": 1}).status_code == 201
    response = admin.post(f"{url}/answers/", {"practice": practices[0].pk, "stage_level": 4})
    assert response.status_code == 201
    assert response.json()["assessor"] == users_a["admin"].pk
    bad = executive.post(f"{url}/answers/", {"practice": practices[0].pk, "stage_level": 7})
    assert bad.status_code == 400 and "stage_level" in bad.json()["errors"]

    # Before handing in, the executive sees only their own answers.
    own = executive.get(f"{url}/answers/").json()
    assert {a["assessor"] for a in own} == {users_a["executive"].pk}
    response = executive.post(f"{url}/hand-in/")
    assert response.status_code == 200 and response.json()["status"] == "in_review"
    assert {a["assessor"] for a in executive.get(f"{url}/answers/").json()} == {
        users_a["executive"].pk, users_a["admin"].pk}

    assert executive.get(f"{url}/consensus/").status_code == 403
    rows = lead.get(f"{url}/consensus/").json()
    first = next(r for r in rows if r["practice"] == practices[0].pk)
    assert (first["spread"], first["disagreement"], first["median"]) == (3, True, 3)  # 1 and 4 → 2.5 → 3
    response = lead.post(f"{url}/submit/")
    assert response.status_code == 400
    assert "practices have no consensus answer yet" in response.json()["errors"]["answers"][0]
    for practice in practices:
        assert lead.post(f"{url}/consensus/", {"practice": practice.pk, "stage_level": 3}).status_code == 201
    assert executive.post(f"{url}/submit/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(f"{url}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    snapshots = lead.get("/api/v1/snapshots/").json()["results"]
    assert len(snapshots) == 1 and snapshots[0]["overall"] == "3.00"
    assert {s["lever_code"] for s in snapshots[0]["lever_scores"]} == set(
        Lever.objects.for_org(org_a).values_list("code", flat=True))
    assert lead.delete(f"{url}/").status_code == 400  # a submitted assessment is history


def test_open_assessment_can_be_deleted(org_a, clients):
    created = clients["admin"].post("/api/v1/assessments/", {"title": "Oops"}).json()
    assert clients["executive"].delete(f"/api/v1/assessments/{created['id']}/").status_code == 403
    assert clients["admin"].delete(f"/api/v1/assessments/{created['id']}/").status_code == 204
    assert not Assessment.objects.for_org(org_a).filter(pk=created["id"]).exists()


def test_lever_targets(org_a, org_b, clients):
    lever = Lever.objects.for_org(org_a).first()
    assert clients["executive"].post("/api/v1/lever-targets/", {"lever": lever.pk,
                                                                "target_level": 4}).status_code == 403
    response = clients["cx_lead"].post("/api/v1/lever-targets/", {"lever": lever.pk, "target_level": 4,
                                                                   "target_date": "2027-03-31"})
    assert response.status_code == 201, response.json()
    target_id = response.json()["id"]
    duplicate = clients["cx_lead"].post("/api/v1/lever-targets/", {"lever": lever.pk, "target_level": 2})
    assert duplicate.status_code == 400
    assert clients["cx_lead"].patch(f"/api/v1/lever-targets/{target_id}/",
                                    {"target_level": 5}).json()["target_level"] == 5
    assert clients["cx_lead"].patch(f"/api/v1/lever-targets/{target_id}/", {"target_level": 6}).status_code == 400
    foreign = clients["cx_lead"].post("/api/v1/lever-targets/", {"lever": Lever.objects.for_org(org_b).first().pk,
                                                                 "target_level": 3})
    assert foreign.status_code == 400 and foreign.json()["errors"]["lever"] == ["Not found in this organization."]
    assert clients["cx_lead"].delete(f"/api/v1/lever-targets/{target_id}/").status_code == 204
    assert not LeverTarget.objects.for_org(org_a).exists()


def test_settings_weights_and_template_switch(org_a, org_b, clients):
    body = clients["integrator"].get("/api/v1/maturity-settings/").json()
    assert body["template"] == "default"
    assert (body["weight_assessment"], body["weight_evidence"]) == ("0.70", "0.30")
    assert clients["executive"].patch("/api/v1/maturity-settings/", {"weight_assessment": "1"}).status_code == 403
    response = clients["cx_lead"].patch("/api/v1/maturity-settings/", {"weight_assessment": "0.8"})
    assert response.status_code == 400 and "weight_evidence" in response.json()["errors"]
    response = clients["cx_lead"].patch("/api/v1/maturity-settings/", {"weight_assessment": "0.8",
                                                                       "weight_evidence": "0.2"})
    assert response.status_code == 200 and response.json()["weight_assessment"] == "0.80"
    assert MaturitySettings.objects.for_org(org_b).get().weight_assessment == Decimal("0.70")  # untouched

    switch = "/api/v1/maturity-settings/switch-template/"
    assert clients["executive"].post(switch, {"template": "xmi"}).status_code == 403
    assert clients["cx_lead"].post(switch, {"template": "bogus"}).status_code == 400
    response = clients["cx_lead"].post(switch, {"template": "omb_a11"})
    assert response.status_code == 200 and response.json()["template"] == "omb_a11"
    codes = [lv["code"] for lv in clients["cx_lead"].get("/api/v1/levers/?is_active=true").json()["results"]]
    assert codes == ["omb_governance", "omb_org_culture", "omb_measurement", "omb_customer_research",
                     "omb_service_design"]
    assert Lever.objects.for_org(org_b).filter(is_active=True).count() == 10


def test_snapshots_list_query_count_is_flat(org_a, clients, django_assert_max_num_queries):
    from tests import factories as f

    maturity_scores_compute(org=org_a)  # nothing yet: no snapshot
    for _ in range(5):
        snapshot = f.MaturitySnapshotFactory(organization=org_a)
        for lever in Lever.objects.for_org(org_a)[:3]:
            f.LeverScoreFactory(organization=org_a, snapshot=snapshot, lever=lever)
    with django_assert_max_num_queries(12):
        assert len(clients["integrator"].get("/api/v1/snapshots/").json()["results"]) == 5
    assert MaturitySnapshot.objects.for_org(org_a).count() == 5
