"""The feedback API: POST /api/v1/feedback/bulk/ (per-row errors, atomic, idempotent resend,
limits, other organizations, roles) and GET /api/v1/feedback/ (cursor, filters, isolation,
pinned query count), and their OpenAPI documentation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories as f
from tests.tenancy.test_api import assert_error_shape
from voc import api as voc_api
from voc.models import DataSource, Metric, Response
from voc.services import touchpoint_ambassadors_set

pytestmark = pytest.mark.django_db

BULK = "/api/v1/feedback/bulk/"
LIST = "/api/v1/feedback/"


def iso(days_ago: float = 1, tz: dt.tzinfo = dt.UTC) -> str:
    return (timezone.now() - dt.timedelta(days=days_ago)).astimezone(tz).isoformat()


@pytest.fixture
def tp(org_a):
    return f.TouchpointFactory(organization=org_a, name="Call centre")


@pytest.fixture
def integrator(org_a, users_a, token_client):
    return token_client(org_a, users_a["integrator"])


def item(external_id: str, touchpoint, **extra):
    return {"external_id": external_id, "touchpoint": touchpoint.pk, "metric": "nps", "score": 9,
            "submitted_at": iso(), **extra}


def test_valid_rows_are_stored_and_bad_ones_reported_by_index(org_a, org_b, tp, integrator):
    foreign_tp = f.TouchpointFactory(organization=org_b)
    f.DataSourceFactory(organization=org_b, code="b-only")
    payload = {"responses": [
        item("a1", tp, comment="Fast", customer_ref="C1"),
        item("a2", tp, score=11),
        item("a3", foreign_tp),
        item("a4", tp, submitted_at="2025-03-01T10:30:00"),  # naive: no offset
        item("a5", tp, source="b-only"),
        {"touchpoint": tp.pk, "metric": "nps", "score": 5, "submitted_at": iso()},  # no external_id
        item("a6", tp, metric="csat", score="4", source="survey"),
        "not an object",
    ]}
    response = integrator.post(BULK, payload, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["duplicates"]) == (2, 0)
    errors = {e["index"]: e["errors"] for e in body["errors"]}
    assert sorted(errors) == [1, 2, 3, 4, 5, 7]
    assert "score" in errors[1]
    assert errors[2] == {"touchpoint": ["Not found in this organization."]}
    assert "submitted_at" in errors[3]
    assert "source" in errors[4]
    assert "external_id" in errors[5]
    stored = Response.objects.for_org(org_a).filter(external_id__in=["a1", "a6"])
    assert {(r.external_id, r.source.code) for r in stored} == {("a1", "api"), ("a6", "survey")}
    assert not Response.objects.for_org(org_b).exists()


def test_resending_the_same_payload_creates_nothing(org_a, tp, integrator):
    payload = {"responses": [item(f"r{i}", tp) for i in range(5)]}
    assert integrator.post(BULK, payload, format="json").json()["created"] == 5
    again = integrator.post(BULK, payload, format="json")
    assert again.status_code == 200
    assert again.json() == {"created": 0, "duplicates": 5, "errors": []}
    assert Response.objects.for_org(org_a).filter(external_id__startswith="r").count() == 5


def test_atomic_stores_nothing_when_any_row_fails(org_a, tp, integrator):
    payload = {"responses": [item("at1", tp), item("at2", tp, score="x")]}
    response = integrator.post(f"{BULK}?atomic=true", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["created"] == 0 and body["errors"][0]["index"] == 1 and "Nothing was stored" in body["detail"]
    assert not Response.objects.for_org(org_a).filter(external_id__startswith="at").exists()
    ok = integrator.post(f"{BULK}?atomic=true", {"responses": [item("at1", tp)]}, format="json")
    assert (ok.status_code, ok.json()["created"]) == (200, 1)
    assert integrator.post(f"{BULK}?atomic=maybe", payload, format="json").status_code == 400


def test_limits_on_items_and_body(tp, integrator, monkeypatch):
    too_many = {"responses": [item(f"m{i}", tp) for i in range(5001)]}
    response = integrator.post(BULK, too_many, format="json")
    assert response.status_code == 400
    assert_error_shape(response.json())
    assert "5,000" in response.json()["errors"]["responses"][0]
    for bad in ({}, {"responses": "x"}, []):
        response = integrator.post(BULK, bad, format="json")
        assert response.status_code == 400
        assert_error_shape(response.json())
    monkeypatch.setattr(voc_api, "FEEDBACK_BULK_MAX_BYTES", 1000)
    response = integrator.post(BULK, {"responses": [item(f"b{i}", tp) for i in range(20)]}, format="json")
    assert response.status_code == 413
    assert_error_shape(response.json())


def test_roles_and_anonymous(org_a, users_a, tp, token_client, api_client):
    assert api_client.post(BULK, {"responses": []}, format="json").status_code == 401
    assert api_client.get(LIST).status_code == 401
    for role, can_log, can_read in (("admin", True, True), ("cx_lead", True, True), ("executive", False, True),
                                    ("ambassador", True, False), ("integrator", True, True)):
        client = token_client(org_a, users_a[role])
        assert (client.post(BULK, {"responses": []}, format="json").status_code == 200) is can_log, role
        assert (client.get(LIST).status_code == 200) is can_read, role


def test_an_ambassador_token_logs_only_on_granted_touchpoints(org_a, users_a, tp, token_client):
    other = f.TouchpointFactory(organization=org_a)
    touchpoint_ambassadors_set(org=org_a, touchpoint=tp, users=[users_a["ambassador"]])
    client = token_client(org_a, users_a["ambassador"])
    payload = {"responses": [item("g1", tp), item("g2", other), {**item("g3", tp), "touchpoint": None}]}
    body = client.post(BULK, payload, format="json").json()
    assert body["created"] == 1
    assert [e["index"] for e in body["errors"]] == [1, 2]
    assert body["errors"][0]["errors"] == {"touchpoint": ["You may not log feedback on this touchpoint."]}
    assert Response.objects.for_org(org_a).get(external_id="g1").recorded_by == users_a["ambassador"]


# --- the list --------------------------------------------------------------------------------

def _responses(org, n, **kwargs):
    source = DataSource.objects.for_org(org).get(code="survey")
    metric = Metric.objects.for_org(org).get(code="nps")
    now = timezone.now()
    return [f.ResponseFactory(organization=org, source=source, metric=metric, score=7,
                              submitted_at=now - dt.timedelta(hours=i + 1), **kwargs) for i in range(n)]


def test_list_is_cursor_paginated_newest_first_and_isolated(org_a, org_b, tp, integrator):
    own = _responses(org_a, 7, touchpoint=tp)
    foreign = _responses(org_b, 2)
    page = integrator.get(f"{LIST}?page_size=3").json()
    assert set(page) == {"next", "previous", "results"}
    seen = [row["id"] for row in page["results"]]
    while page["next"]:
        page = integrator.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert seen == [r.pk for r in own]  # newest first, each once
    row = integrator.get(f"{LIST}?page_size=1").json()["results"][0]
    assert (row["source"], row["metric"], row["touchpoint"], row["journey"]) == ("survey", "nps", tp.pk,
                                                                                  tp.journey_id)
    assert integrator.get(f"{LIST}{own[0].pk}/").json()["id"] == own[0].pk
    missing = integrator.get(f"{LIST}{foreign[0].pk + 10_000}/")
    other = integrator.get(f"{LIST}{foreign[0].pk}/")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_list_filters(org_a, org_b, tp, integrator):
    other_tp = f.TouchpointFactory(organization=org_a)
    commented = _responses(org_a, 2, touchpoint=tp, comment="Slow")
    plain = _responses(org_a, 3, touchpoint=other_tp)
    csat = f.ResponseFactory(organization=org_a, metric=Metric.objects.for_org(org_a).get(code="csat"), score=4,
                             source=DataSource.objects.for_org(org_a).get(code="api"),
                             submitted_at=timezone.now() - dt.timedelta(days=10))

    def ids(query):
        response = integrator.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("metric=csat") == {csat.pk}
    assert ids("source=api") == {csat.pk}
    assert ids(f"touchpoint={tp.pk}") == {r.pk for r in commented}
    assert ids(f"journey={other_tp.journey_id}") == {r.pk for r in plain}
    assert ids("has_comment=true") == {r.pk for r in commented}
    assert csat.pk in ids("has_comment=false")
    assert ids(f"submitted_before={iso(5)}".replace("+", "%2B")) == {csat.pk}
    assert csat.pk not in ids(f"submitted_after={iso(5)}".replace("+", "%2B"))
    foreign = integrator.get(f"{LIST}?touchpoint={f.TouchpointFactory(organization=org_b).pk}")
    assert foreign.status_code == 400
    assert foreign.json()["errors"]["touchpoint"]


def test_list_query_count_is_pinned(org_a, tp, integrator):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert integrator.get(f"{LIST}?page_size=500").status_code == 200
        return len(queries)

    _responses(org_a, 3, touchpoint=tp)
    count()  # warm: the token's last_used_at is written at most once a minute
    few = count()
    _responses(org_a, 30, touchpoint=f.TouchpointFactory(organization=org_a))
    assert count() == few


def test_openapi_documents_both_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    bulk = schema["paths"]["/api/v1/feedback/bulk/"]["post"]
    assert {"200", "400", "401", "403", "413", "429"} <= set(bulk["responses"])
    assert bulk["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("FeedbackBulkRequest")
    assert any(p["name"] == "atomic" for p in bulk["parameters"])
    listing = schema["paths"]["/api/v1/feedback/"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"cursor", "page_size", "metric", "touchpoint", "journey", "source", "submitted_after",
            "submitted_before", "has_comment"} <= names
    assert "/api/v1/feedback/{id}/" in schema["paths"]
