"""Levers and practices over the API: writes for programme managers, through the services."""

from __future__ import annotations

import pytest

from cem_levers.models import Lever, LeverGroup, Practice
from cxgov.tenancy.roles import Op, Role, role_allows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_lever_writes_need_programme_manage(role, org_a, users_a, token_client):
    client = token_client(org_a, users_a[role.value])
    group = LeverGroup.objects.for_org(org_a).get(code="strategy")
    response = client.post("/api/v1/levers/", {"group_id": group.pk, "name_en": "Partners", "name_es": "Socios"})
    if role_allows(role, Op.PROGRAMME_MANAGE):
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["code"] == "partners" and body["group"]["code"] == "strategy"
        assert Lever.objects.for_org(org_a).get(pk=body["id"]).position == 3
    else:
        assert response.status_code == 403
        assert not Lever.objects.for_org(org_a).filter(name_en="Partners").exists()


def test_lever_update_and_regroup(org_a, org_b, users_a, token_client):
    client = token_client(org_a, users_a["admin"])
    lever = Lever.objects.for_org(org_a).get(code="people_culture")
    customer = LeverGroup.objects.for_org(org_a).get(code="customer")
    response = client.patch(f"/api/v1/levers/{lever.pk}/", {"name_es": "Personas", "group_id": customer.pk})
    assert response.status_code == 200, response.json()
    assert (response.json()["name_es"], response.json()["group"]["code"]) == ("Personas", "customer")
    assert client.patch(f"/api/v1/levers/{lever.pk}/", {"code": "other"}).status_code == 400
    foreign_group = LeverGroup.objects.for_org(org_b).first()
    response = client.patch(f"/api/v1/levers/{lever.pk}/", {"group_id": foreign_group.pk})
    assert response.status_code == 400
    assert response.json()["errors"]["group_id"] == ["Not found in this organization."]
    response = client.patch(f"/api/v1/levers/{lever.pk}/", {"name_en": "", "name_es": ""})
    assert response.status_code == 400 and "name_en" in response.json()["errors"]
    assert client.delete(f"/api/v1/levers/{lever.pk}/").status_code == 405


def test_practices_endpoint(org_a, org_b, users_a, token_client):
    client = token_client(org_a, users_a["admin"])
    lever = Lever.objects.for_org(org_a).get(code="cx_strategy")
    rows = client.get(f"/api/v1/practices/?lever={lever.pk}").json()["results"]
    assert [r["code"] for r in rows] == ["cx_strategy.vision", "cx_strategy.business_case", "cx_strategy.roadmap"]
    response = client.post("/api/v1/practices/", {"lever": lever.pk, "name_en": "North star metric"})
    assert response.status_code == 201, response.json()
    practice = Practice.objects.for_org(org_a).get(pk=response.json()["id"])
    assert (practice.code, practice.position) == ("cx_strategy.north_star_metric", 4)
    assert client.patch(f"/api/v1/practices/{practice.pk}/", {"is_active": False}).json()["is_active"] is False
    other_lever = Lever.objects.for_org(org_b).first()
    response = client.post("/api/v1/practices/", {"lever": other_lever.pk, "name_en": "X"})
    assert response.status_code == 400 and response.json()["errors"]["lever"] == ["Not found in this organization."]
    reader = token_client(org_a, users_a["integrator"])
    assert reader.get("/api/v1/practices/").status_code == 200
    assert reader.post("/api/v1/practices/", {"lever": lever.pk, "name_en": "Y"}).status_code == 403
