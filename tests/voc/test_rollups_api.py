"""The API of the customer map and the measurement model: ``GET /api/v1/rollups/`` (filters,
errors, roles, pinned queries) and the read/write endpoints of segments, products, journeys,
stages, touchpoints, metrics and data sources (writes through the services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxgov.tenancy.roles import Op, Role, role_allows
from tests import factories as f
from voc import services
from voc.models import DataSource, Journey, JourneyStage, Metric, Rollup, Segment, Touchpoint

pytestmark = pytest.mark.django_db

ROLLUPS = "/api/v1/rollups/"
NOT_FOUND = "Not found in this organization."


def assert_error_shape(body) -> None:
    assert set(body) <= {"detail", "errors"} and isinstance(body["detail"], str)
    for messages in body.get("errors", {}).values():
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)


@pytest.fixture
def lead(org_a, users_a, token_client):
    return token_client(org_a, users_a["cx_lead"])


@pytest.fixture
def integrator(org_a, users_a, token_client):
    return token_client(org_a, users_a["integrator"])


@pytest.fixture
def mapped(org_a):
    segment = f.SegmentFactory(organization=org_a)
    journey = f.JourneyFactory(organization=org_a, segment=segment)
    tp = f.TouchpointFactory(organization=org_a, journey=journey)
    return {"segment": segment, "journey": journey, "tp": tp, "nps": Metric.objects.for_org(org_a).get(code="nps"),
            "csat": Metric.objects.for_org(org_a).get(code="csat")}


def _month_rollups(org, metric, grain, subject, months, **kwargs):
    start = dt.date(2025, 1, 1)
    for i in range(months):
        day = dt.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
        f.RollupFactory(organization=org, metric=metric, grain=grain, subject_id=subject, period="month",
                        period_start=day, **kwargs)


# --- rollups ---------------------------------------------------------------------------------------

def test_rows_carry_n_value_min_n_and_nps_parts(org_a, integrator, mapped):
    f.RollupFactory(organization=org_a, metric=mapped["nps"], grain="touchpoint", subject_id=mapped["tp"].pk,
                    period="month", period_start=dt.date(2025, 2, 1), n=40, favourable=20, unfavourable=8,
                    value=Decimal("30"))
    f.RollupFactory(organization=org_a, metric=mapped["csat"], grain="touchpoint", subject_id=mapped["tp"].pk,
                    period="month", period_start=dt.date(2025, 2, 1), n=12, favourable=10, unfavourable=1,
                    value=Decimal("83.3333"))
    nps = integrator.get(ROLLUPS, {"metric": "nps", "grain": "touchpoint", "period": "month"}).json()
    assert nps["count"] == 1
    assert nps["results"][0] == {
        "metric": "nps", "grain": "touchpoint", "subject_id": mapped["tp"].pk, "period": "month",
        "period_start": "2025-02-01", "n": 40, "value": "30.0000", "min_n": 30, "below_min": False,
        "promoters": 20, "passives": 12, "detractors": 8,
    }
    csat = integrator.get(ROLLUPS, {"metric": "csat", "grain": "touchpoint", "period": "month"}).json()
    row = csat["results"][0]
    assert (row["n"], row["below_min"], row["promoters"], row["passives"], row["detractors"]) == (
        12, True, None, None, None)


def test_filters_by_subject_and_dates(org_a, integrator, mapped):
    other_tp = f.TouchpointFactory(organization=org_a)
    _month_rollups(org_a, mapped["nps"], "touchpoint", mapped["tp"].pk, 4)
    _month_rollups(org_a, mapped["nps"], "touchpoint", other_tp.pk, 4)
    _month_rollups(org_a, mapped["nps"], "journey", mapped["journey"].pk, 4)
    base = {"metric": "nps", "period": "month"}

    def starts(**params):
        body = integrator.get(ROLLUPS, {**base, **params}).json()
        return [(r["subject_id"], r["period_start"]) for r in body["results"]]

    assert len(starts(grain="touchpoint")) == 8
    assert starts(grain="touchpoint", journey=mapped["journey"].pk, **{"from": "2025-02-01", "to": "2025-03-01"}) == [
        (mapped["tp"].pk, "2025-02-01"), (mapped["tp"].pk, "2025-03-01")]
    assert starts(grain="touchpoint", touchpoint=other_tp.pk, to="2025-01-31") == [(other_tp.pk, "2025-01-01")]
    assert starts(grain="touchpoint", segment=mapped["segment"].pk, **{"from": "2025-04-01"}) == [
        (mapped["tp"].pk, "2025-04-01")]
    assert starts(grain="journey", journey=mapped["journey"].pk, **{"from": "2025-04-01"}) == [
        (mapped["journey"].pk, "2025-04-01")]
    assert starts(grain="organization") == []


@pytest.mark.parametrize("params,field", [
    ({"grain": "touchpoint", "period": "month"}, "metric"),
    ({"metric": "nps", "period": "month"}, "grain"),
    ({"metric": "nps", "grain": "touchpoint"}, "period"),
    ({"metric": "nope", "grain": "touchpoint", "period": "month"}, "metric"),
    ({"metric": "nps", "grain": "store", "period": "month"}, "grain"),
    ({"metric": "nps", "grain": "touchpoint", "period": "year"}, "period"),
    ({"metric": "nps", "grain": "touchpoint", "period": "month", "from": "01/02/2025"}, "from"),
    ({"metric": "nps", "grain": "touchpoint", "period": "month", "from": "2025-03-01", "to": "2025-02-01"}, "to"),
    ({"metric": "nps", "grain": "touchpoint", "period": "month", "journey": "x"}, "journey"),
    ({"metric": "nps", "grain": "organization", "period": "month", "segment": "SEGMENT"}, "segment"),
    ({"metric": "nps", "grain": "journey", "period": "month", "touchpoint": "TP"}, "touchpoint"),
])
def test_bad_queries_are_400_with_the_field_named(params, field, integrator, mapped):
    params = {k: {"SEGMENT": mapped["segment"].pk, "TP": mapped["tp"].pk}.get(v, v) for k, v in params.items()}
    response = integrator.get(ROLLUPS, params)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert_error_shape(response.json())


def test_required_parameters_say_what_to_give(integrator):
    errors = integrator.get(ROLLUPS).json()["errors"]
    assert errors["metric"] == ["Give the metric's code, e.g. metric=nps."]
    assert errors["grain"] == ["Give the grain: touchpoint, journey, segment or organization."]
    assert errors["period"] == ["Give the period: day, week or month."]


def test_another_organizations_ids_are_refused_like_missing_ones(org_b, users_b, integrator):
    foreign_journey = f.JourneyFactory(organization=org_b)
    foreign_tp = f.TouchpointFactory(organization=org_b)
    foreign_segment = f.SegmentFactory(organization=org_b)
    base = {"metric": "nps", "grain": "touchpoint", "period": "month"}
    for name, obj in (("journey", foreign_journey), ("touchpoint", foreign_tp), ("segment", foreign_segment)):
        foreign = integrator.get(ROLLUPS, {**base, name: obj.pk})
        missing = integrator.get(ROLLUPS, {**base, name: obj.pk + 10_000})
        assert foreign.status_code == missing.status_code == 400
        assert foreign.json() == missing.json()
        assert foreign.json()["errors"] == {name: [NOT_FOUND]}
    # Another organization's metric code is simply unknown here.
    services.metric_create(org=org_b, data={"code": "theirs", "name_en": "Theirs", "kind": "count"})
    assert "metric" in integrator.get(ROLLUPS, {**base, "metric": "theirs"}).json()["errors"]


@pytest.mark.parametrize("role", list(Role))
def test_readable_with_feedback_view(role, org_a, users_a, token_client):
    response = token_client(org_a, users_a[role.value]).get(
        ROLLUPS, {"metric": "nps", "grain": "organization", "period": "month"})
    assert response.status_code == (200 if role_allows(role, Op.FEEDBACK_VIEW) else 403)


def test_anonymous_gets_401(api_client):
    response = api_client.get(ROLLUPS, {"metric": "nps", "grain": "organization", "period": "month"})
    assert response.status_code == 401
    assert_error_shape(response.json())


def test_page_number_pagination(org_a, integrator, mapped):
    _month_rollups(org_a, mapped["nps"], "organization", 0, 7)
    first = integrator.get(ROLLUPS, {"metric": "nps", "grain": "organization", "period": "month", "page_size": 5})
    body = first.json()
    assert body["count"] == 7 and len(body["results"]) == 5 and body["next"]
    second = integrator.get(body["next"]).json()
    assert [r["period_start"] for r in second["results"]] == ["2025-06-01", "2025-07-01"]


def test_rollup_query_count_does_not_grow_with_rows(org_a, integrator, mapped):
    params = {"metric": "nps", "grain": "touchpoint", "period": "month", "journey": mapped["journey"].pk,
              "page_size": 500}

    def count(expected: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = integrator.get(ROLLUPS, params)
        assert response.json()["count"] == expected
        return len(queries)

    _month_rollups(org_a, mapped["nps"], "touchpoint", mapped["tp"].pk, 3)
    integrator.get("/api/v1/me/")  # the token's last use is written at most once a minute: not here
    few = count(3)
    for _ in range(9):
        tp = f.TouchpointFactory(organization=org_a, journey=mapped["journey"])
        _month_rollups(org_a, mapped["nps"], "touchpoint", tp.pk, 3)
    # The metric and the journey of the query, a count and one page: the same however many rows.
    assert count(30) == few


def test_the_schema_documents_the_rollups_endpoint(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/rollups/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"metric", "grain", "period", "from", "to", "touchpoint", "journey", "segment", "page"} <= names
    assert {"200", "400", "401", "403", "404", "429"} <= set(operation["responses"])


# --- the map and the measurement model over the API ---------------------------------------------

@pytest.mark.parametrize("role", list(Role))
def test_writes_need_programme_manage(role, org_a, users_a, token_client):
    client = token_client(org_a, users_a[role.value])
    response = client.post("/api/v1/segments/", {"name": f"Seg {role.value}"})
    allowed = role_allows(role, Op.PROGRAMME_MANAGE)
    assert response.status_code == (201 if allowed else 403)
    assert Segment.objects.for_org(org_a).filter(name=f"Seg {role.value}").exists() == allowed


def test_segment_and_product_crud(org_a, lead):
    created = lead.post("/api/v1/segments/", {"name": "Families", "is_persona": True})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert lead.post("/api/v1/segments/", {"name": "Families"}).status_code == 400
    assert lead.patch(f"/api/v1/segments/{pk}/", {"description": "With kids"}).json()["description"] == "With kids"
    product = lead.post("/api/v1/products/", {"name": "Mortgage"}).json()
    journey = lead.post("/api/v1/journeys/", {"name": "Buy a home", "segment": pk, "product": product["id"]})
    assert journey.status_code == 201
    refused = lead.delete(f"/api/v1/segments/{pk}/")
    assert refused.status_code == 400
    assert "1 journey is mapped for this segment" in refused.json()["errors"]["non_field_errors"][0]
    assert lead.delete(f"/api/v1/journeys/{journey.json()['id']}/").status_code == 204
    assert lead.delete(f"/api/v1/segments/{pk}/").status_code == 204
    assert lead.delete(f"/api/v1/products/{product['id']}/").status_code == 204


def test_journey_to_be_and_stage_order_actions(org_a, lead):
    journey = lead.post("/api/v1/journeys/", {"name": "Onboarding"}).json()
    stages = [lead.post("/api/v1/journey-stages/", {"journey": journey["id"], "name": n}).json()["id"]
              for n in ("One", "Two", "Three")]
    lead.post("/api/v1/touchpoints/", {"journey": journey["id"], "stage": stages[1], "name": "Form", "channel": "web"})
    to_be = lead.post(f"/api/v1/journeys/{journey['id']}/to-be/", {})
    assert to_be.status_code == 201
    assert (to_be.json()["version"], to_be.json()["counterpart"]) == ("to_be", journey["id"])
    copy = Touchpoint.objects.for_org(org_a).get(journey_id=to_be.json()["id"])
    assert copy.stage.name == "Two"
    again = lead.post(f"/api/v1/journeys/{journey['id']}/to-be/", {})
    assert again.status_code == 400
    ordered = lead.post(f"/api/v1/journeys/{journey['id']}/stage-order/", {"stages": stages[::-1]}, format="json")
    assert [s["id"] for s in ordered.json()] == stages[::-1]
    assert [s["position"] for s in ordered.json()] == [1, 2, 3]
    assert lead.post(f"/api/v1/journeys/{journey['id']}/stage-order/", {"stages": stages[:1]},
                     format="json").status_code == 400
    changed = lead.patch(f"/api/v1/journeys/{journey['id']}/", {"version": "to_be"})
    assert changed.status_code == 400 and "version" in changed.json()["errors"]
    assert lead.patch(f"/api/v1/journey-stages/{stages[0]}/", {"journey": to_be.json()["id"]}).status_code == 400


def test_touchpoint_writes_check_references_owner_and_feedback(org_a, org_b, users_a, users_b, lead):
    journey = f.JourneyFactory(organization=org_a)
    foreign_journey = f.JourneyFactory(organization=org_b)
    to_foreign = lead.post("/api/v1/touchpoints/", {"journey": foreign_journey.pk, "name": "X"})
    to_missing = lead.post("/api/v1/touchpoints/", {"journey": foreign_journey.pk + 10_000, "name": "X"})
    assert to_foreign.status_code == to_missing.status_code == 400
    assert to_foreign.json() == to_missing.json()
    not_member = lead.post("/api/v1/touchpoints/", {"journey": journey.pk, "name": "X", "owner": users_b["admin"].pk})
    assert not_member.json()["errors"] == {"owner": ["Not a member of this organization."]}
    created = lead.post("/api/v1/touchpoints/", {
        "journey": journey.pk, "name": "Branch visit", "channel": "branch", "owner": users_a["ambassador"].pk,
        "is_moment_of_truth": True,
    })
    assert created.status_code == 201, created.json()
    tp = Touchpoint.objects.for_org(org_a).get(pk=created.json()["id"])
    assert (tp.owner_id, tp.is_moment_of_truth, tp.position) == (users_a["ambassador"].pk, True, 1)
    moved = lead.patch(f"/api/v1/touchpoints/{tp.pk}/", {"journey": f.JourneyFactory(organization=org_a).pk})
    assert moved.status_code == 400 and "journey" in moved.json()["errors"]
    f.ResponseFactory(organization=org_a, touchpoint=tp)
    refused = lead.delete(f"/api/v1/touchpoints/{tp.pk}/")
    assert refused.status_code == 400
    assert_error_shape(refused.json())
    assert Touchpoint.objects.for_org(org_a).filter(pk=tp.pk).exists()


def test_metric_writes_validate_kind_and_method(org_a, lead):
    bad = lead.post("/api/v1/metrics/", {"code": "wait", "name_en": "Wait", "kind": "duration", "method": "share"})
    assert bad.status_code == 400 and "method" in bad.json()["errors"]
    good = lead.post("/api/v1/metrics/", {"code": "wait", "name_en": "Wait", "kind": "duration", "scale_min": "0",
                                          "unit": "minutes", "higher_is_better": False, "target": "15"})
    assert good.status_code == 201, good.json()
    assert good.json()["method"] == "median"
    assert lead.patch(f"/api/v1/metrics/{good.json()['id']}/", {"min_n": 0}).status_code == 400
    assert lead.delete(f"/api/v1/metrics/{good.json()['id']}/").status_code == 204
    csat = Metric.objects.for_org(org_a).get(code="csat")
    f.ResponseFactory(organization=org_a, metric=csat)
    assert lead.patch(f"/api/v1/metrics/{csat.pk}/", {"scale_max": "7"}).status_code == 400
    assert lead.delete(f"/api/v1/metrics/{csat.pk}/").status_code == 400


def test_data_source_writes(org_a, lead):
    created = lead.post("/api/v1/data-sources/", {"code": "calls", "name": "Recorded calls",
                                                  "kind": "call_recording", "is_active": False})
    assert created.status_code == 201, created.json()
    source = DataSource.objects.for_org(org_a).get(code="calls")
    assert source.is_active is False
    assert lead.post("/api/v1/data-sources/", {"code": "calls", "name": "Again", "kind": "crm"}).status_code == 400
    assert lead.patch(f"/api/v1/data-sources/{source.pk}/", {"kind": "fax"}).status_code == 400
    assert lead.delete(f"/api/v1/data-sources/{source.pk}/").status_code == 204


@pytest.mark.parametrize("prefix,model", [
    ("segments", Segment), ("journeys", Journey), ("journey-stages", JourneyStage), ("data-sources", DataSource),
])
def test_map_list_query_count_does_not_grow_with_rows(prefix, model, org_a, integrator):
    from tests.tenancy.helpers import make

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert integrator.get(f"/api/v1/{prefix}/?page_size=500").status_code == 200
        return len(queries)

    make(model, org_a)
    count()  # warm: the token's last use is written at most once a minute
    few = count()
    for _ in range(12):
        make(model, org_a)
    assert count() == few


def test_rollups_keep_their_period_start_order_across_subjects(org_a, integrator, mapped):
    second = f.TouchpointFactory(organization=org_a, journey=mapped["journey"])
    for tp in (second, mapped["tp"]):
        _month_rollups(org_a, mapped["nps"], "touchpoint", tp.pk, 2)
    body = integrator.get(ROLLUPS, {"metric": "nps", "grain": "touchpoint", "period": "month"}).json()
    keys = [(r["period_start"], r["subject_id"]) for r in body["results"]]
    assert keys == sorted(keys)
    assert Rollup.objects.for_org(org_a).count() == 4
