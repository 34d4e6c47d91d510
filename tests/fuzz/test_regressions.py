"""Regression tests for what the fuzz run (tests/fuzz/test_api_fuzz.py) found, one per bug.

(The bulk-feedback test is a guard rather than a regression: one early run answered a generated bulk
request with a 500 — an OverflowError from SQLite — that no later run reproduced; huge ids are the
likeliest cause, and this pins that they stay row errors.)

Each sends the request schemathesis found (made deterministic) through the WSGI application and runs
the same checks as the fuzz run: no 5xx, status code, content type, headers and body as documented.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.core import NOT_SET

from tests import factories as f
from voc.models import InsightEvidence

from .harness import CHECKS, SCHEMA_PATH

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application())


@pytest.fixture
def admin_token(org_a, users_a) -> str:
    from cxgov.tenancy.services import api_token_create

    return api_token_create(org=org_a, user=users_a["admin"], name="regression")[1]


def exchange(schema, token: str, method: str, path: str, *, path_parameters: dict | None = None,
             body: Any = NOT_SET, query: dict | None = None, media_type: str | None = None,
             headers: dict | None = None):
    """Send one request the way the fuzz run does and run every check on the response."""
    case = schema[API + path][method].Case(
        path_parameters=path_parameters, body=body, query=query, media_type=media_type,
    )
    auth = {"Authorization": f"Bearer {token}", **(headers or {})}
    response = case.call(headers=auth)
    case.validate_response(response, checks=CHECKS, headers=auth)
    return response


def test_bulk_feedback_with_a_touchpoint_id_beyond_64_bits_is_a_row_error(schema, admin_token, org_a):
    touchpoint = f.TouchpointFactory(organization=org_a)
    row = {"metric": "nps", "score": "9", "submitted_at": "2025-03-01T10:30:00+01:00"}
    body = {"responses": [
        {**row, "external_id": "too-big", "touchpoint": 2**70},
        {**row, "external_id": "fine", "touchpoint": touchpoint.pk},
    ]}
    response = exchange(schema, admin_token, "POST", "/feedback/bulk/", body=body, media_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["created"] == 1
    assert [e["index"] for e in data["errors"]] == [0]
    assert "touchpoint" in data["errors"][0]["errors"]


def test_a_case_without_root_cause_owner_or_touchpoint_is_documented(schema, admin_token, org_a):
    case = f.FollowUpCaseFactory(organization=org_a, root_cause=None, owner=None)
    response = exchange(schema, admin_token, "GET", "/cases/{id}/", path_parameters={"id": case.pk})
    assert response.status_code == 200
    assert response.json()["root_cause_name"] is None and response.json()["owner_email"] is None


def test_a_journey_without_counterpart_is_documented(schema, admin_token, org_a):
    created = exchange(schema, admin_token, "POST", "/journeys/", body={"name": "Onboarding"},
                       media_type="application/json")
    assert created.status_code == 201 and created.json()["counterpart"] is None
    response = exchange(schema, admin_token, "GET", "/journeys/{id}/", path_parameters={"id": created.json()["id"]})
    assert response.json()["counterpart"] is None


def test_insight_evidence_with_blank_grain_and_period_is_documented(schema, admin_token, org_a):
    insight = f.InsightFactory(organization=org_a)
    f.InsightEvidenceFactory(organization=org_a, insight=insight, grain="", period="")
    assert InsightEvidence.objects.for_org(org_a).filter(grain="", period="").exists()
    response = exchange(schema, admin_token, "GET", "/insights/{id}/", path_parameters={"id": insight.pk})
    assert response.json()["evidence"][0]["grain"] == ""


def test_dotted_practice_codes_of_the_default_catalogue_are_documented(schema, admin_token, org_a):
    from cem_levers.models import Practice

    practice = Practice.objects.for_org(org_a).filter(code__contains=".").first()
    assert practice is not None, "the default catalogue names practices <lever>.<practice>"
    exchange(schema, admin_token, "GET", "/practices/{id}/", path_parameters={"id": practice.pk})
    exchange(schema, admin_token, "GET", "/levers/{id}/", path_parameters={"id": practice.lever_id})
    # The documented pattern is also what the API enforces on input.
    refused = exchange(schema, admin_token, "POST", "/practices/", media_type="application/json",
                       body={"lever": practice.lever_id, "name_en": "Spaces", "code": "has spaces"})
    assert refused.status_code == 400 and "code" in refused.json()["errors"]
    created = exchange(schema, admin_token, "POST", "/practices/", media_type="application/json",
                       body={"lever": practice.lever_id, "name_en": "Dotted", "code": "custom.dotted"})
    assert created.status_code == 201 and created.json()["code"] == "custom.dotted"


def test_a_subscription_without_owner_keeps_owner_null_in_a_partial_update(schema, admin_token, org_a):
    subscription = f.WebhookSubscriptionFactory(organization=org_a, owner=None)
    read = exchange(schema, admin_token, "GET", "/webhooks/subscriptions/{id}/",
                    path_parameters={"id": subscription.pk})
    assert read.json()["owner"] is None and read.json()["paused_reason"] == ""
    patched = exchange(schema, admin_token, "PATCH", "/webhooks/subscriptions/{id}/",
                       path_parameters={"id": subscription.pk}, body={"name": "Renamed"},
                       media_type="application/json")
    assert patched.status_code == 200
    assert patched.json()["owner"] is None and patched.json()["name"] == "Renamed"


def test_assessment_answers_and_consensus_are_plain_lists_as_documented(schema, admin_token, org_a, users_a):
    assessment = f.AssessmentFactory(organization=org_a)
    for action in ("answers", "consensus"):
        response = exchange(schema, admin_token, "GET", f"/assessments/{{id}}/{action}/",
                            path_parameters={"id": assessment.pk})
        assert response.status_code == 200 and isinstance(response.json(), list)


def test_an_unsupported_media_type_is_a_documented_415(schema, admin_token, org_a):
    product = f.ProductFactory(organization=org_a)
    response = exchange(schema, admin_token, "PATCH", "/products/{id}/", path_parameters={"id": product.pk},
                        body="name=x", media_type="text/plain")
    assert response.status_code == 415
    assert set(response.json()) == {"detail"}


def test_an_api_path_no_route_matches_answers_json_404(schema, admin_token, org_a, client):
    response = exchange(schema, admin_token, "POST", "/cases/{id}/contact/", path_parameters={"id": "0.15"},
                        body={"note": "x"}, media_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    # Pages outside the API keep the HTML 404.
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_body_over_the_upload_limit_is_a_documented_413(schema, admin_token, org_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    product = f.ProductFactory(organization=org_a)
    response = exchange(schema, admin_token, "PATCH", "/products/{id}/", path_parameters={"id": product.pk},
                        body={"name": "x", "description": "y" * 4096}, media_type="application/json")
    assert response.status_code == 413
    assert set(response.json()) == {"detail"}
