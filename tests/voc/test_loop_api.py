"""The follow-up cases API (mounted beside the main router, so the generic router tests do not walk
it): isolation, 401/403/404, visibility per role, the workflow actions, filters and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.tenancy.test_api import assert_error_shape
from voc.models import FollowUpCase

from .test_loop_support import make_loop

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"


@pytest.fixture
def loop(org_a, users_a):
    return make_loop(org_a, users_a)


def test_anonymous_gets_401(loop, api_client):
    case = loop.case()
    for url in (URL, f"{URL}{case.pk}/", f"{URL}{case.pk}/contact/"):
        response = api_client.post(url) if url.endswith("contact/") else api_client.get(url)
        assert response.status_code == 401
        assert_error_shape(response.json())


def test_isolation_and_404_like_a_missing_one(loop, users_a, org_b, users_b, token_client):
    own = loop.case()
    foreign = make_loop(org_b, users_b).case()
    client = token_client(loop.org, users_a["integrator"])
    ids = {row["id"] for row in client.get(f"{URL}?page_size=500").json()["results"]}
    assert ids == {own.pk}
    missing = foreign.pk + 1000
    for suffix in ("", "contact/"):
        method = client.post if suffix else client.get
        foreign_response = method(f"{URL}{foreign.pk}/{suffix}")
        missing_response = method(f"{URL}{missing}/{suffix}")
        assert foreign_response.status_code == missing_response.status_code == 404
        assert foreign_response.json() == missing_response.json()
    admin_b = token_client(org_b, users_b["admin"])
    assert admin_b.post(f"{URL}{own.pk}/close/", {"root_cause": loop.cause.pk, "resolution": "x"}).status_code == 404
    own.refresh_from_db()
    assert own.status == "open"


def test_payload(loop, users_a, token_client):
    case = loop.case(comment="Rude answer")
    row = token_client(loop.org, users_a["admin"]).get(f"{URL}{case.pk}/").json()
    assert row["status"] == "open" and row["is_overdue"] is False
    assert row["response"]["comment"] == "Rude answer" and row["response"]["score"] == "2.0000"
    assert (row["touchpoint"], row["journey"], row["metric_code"]) == (
        loop.touchpoint.pk, loop.journey.pk, loop.nps.code)
    assert row["owner"] == users_a["ambassador"].pk and row["owner_email"] == users_a["ambassador"].email


def test_visibility_per_role(loop, users_a, token_client):
    own = loop.case()                                      # the ambassador's
    other = loop.case(touchpoint=loop.other_touchpoint)    # the CX lead's
    ambassador = token_client(loop.org, users_a["ambassador"])
    assert {r["id"] for r in ambassador.get(URL).json()["results"]} == {own.pk}
    assert ambassador.get(f"{URL}{other.pk}/").status_code == 404
    for role in ("admin", "cx_lead", "executive", "integrator"):
        rows = token_client(loop.org, users_a[role]).get(URL).json()["results"]
        assert {r["id"] for r in rows} == {own.pk, other.pk}, role


def test_contact_close_and_assign(loop, users_a, token_client):
    case = loop.case()
    client = token_client(loop.org, users_a["cx_lead"])
    contacted = client.post(f"{URL}{case.pk}/contact/", {"note": "Phoned"}, format="json")
    assert contacted.status_code == 200 and contacted.json()["status"] == "contacted"

    assigned = client.post(f"{URL}{case.pk}/assign/", {"owner": users_a["admin"].pk}, format="json")
    assert assigned.status_code == 200 and assigned.json()["owner"] == users_a["admin"].pk

    closed = client.post(f"{URL}{case.pk}/close/", {"root_cause": loop.cause.pk, "resolution": "Refunded",
                                                    "status": "resolved"}, format="json")
    assert closed.status_code == 200
    body = closed.json()
    assert (body["status"], body["root_cause"], body["root_cause_name"]) == ("resolved", loop.cause.pk, "Long wait")
    again = client.post(f"{URL}{case.pk}/contact/", {}, format="json")
    assert again.status_code == 400
    assert "final" in again.json()["errors"]["status"][0]


def test_close_errors_are_clear(loop, users_a, org_b, token_client):
    case = loop.case()
    client = token_client(loop.org, users_a["admin"])
    missing = client.post(f"{URL}{case.pk}/close/", {"resolution": "Refunded"}, format="json")
    assert missing.status_code == 400
    assert_error_shape(missing.json())
    assert missing.json()["errors"]["root_cause"] == [
        "Choose the root cause from your organization's list before closing."]
    foreign = f.RootCauseFactory(organization=org_b)
    cross = client.post(f"{URL}{case.pk}/close/", {"root_cause": foreign.pk, "resolution": "x"}, format="json")
    assert cross.status_code == 400
    assert cross.json()["errors"]["root_cause"] == ["Not found in this organization."]
    wrong = client.post(f"{URL}{case.pk}/close/", {"root_cause": loop.cause.pk, "resolution": "x",
                                                   "status": "open"}, format="json")
    assert wrong.status_code == 400 and "status" in wrong.json()["errors"]
    case.refresh_from_db()
    assert case.status == "open"


def test_assign_refuses_non_members(loop, users_a, users_b, token_client):
    case = loop.case()
    response = token_client(loop.org, users_a["admin"]).post(
        f"{URL}{case.pk}/assign/", {"owner": users_b["admin"].pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"owner": ["Not a member of this organization."]}


def test_working_needs_the_op_or_ownership(loop, users_a, token_client):
    case = loop.case(touchpoint=loop.other_touchpoint)  # the CX lead's
    for role in ("executive", "integrator"):
        response = token_client(loop.org, users_a[role]).post(f"{URL}{case.pk}/contact/", {}, format="json")
        assert response.status_code == 403, role
        assert_error_shape(response.json())
    own = loop.case()
    ambassador = token_client(loop.org, users_a["ambassador"])
    assert ambassador.post(f"{URL}{case.pk}/contact/", {}, format="json").status_code == 404
    assert ambassador.post(f"{URL}{own.pk}/contact/", {}, format="json").status_code == 200


def test_filters(loop, users_a, org_b, token_client):
    late = loop.case()
    fresh = loop.case(touchpoint=loop.other_touchpoint)
    FollowUpCase.objects.for_org(loop.org).filter(pk=late.pk).update(due_date=dt.date.today() - dt.timedelta(days=3))
    client = token_client(loop.org, users_a["cx_lead"])

    def ids(query):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    assert ids("overdue=true") == {late.pk}
    assert ids("overdue=false") == {fresh.pk}
    assert ids("mine=true") == {fresh.pk}
    assert ids(f"touchpoint={loop.touchpoint.pk}") == {late.pk}
    assert ids(f"journey={loop.journey.pk}") == {late.pk, fresh.pk}
    assert ids("status=resolved") == set()
    assert ids("age=0-2") == {late.pk, fresh.pk}
    assert ids("age=31%2B") == set()
    foreign_journey = f.JourneyFactory(organization=org_b)
    bad = client.get(f"{URL}?journey={foreign_journey.pk}")
    assert bad.status_code == 400 and "journey" in bad.json()["errors"]


def test_list_query_count_does_not_grow(loop, users_a, client):
    client.force_login(users_a["cx_lead"])

    def count(n):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{URL}?page_size=500")
        assert response.json()["count"] == n
        return len(captured)

    for _ in range(3):
        loop.case()
    few = count(3)
    for i in range(20):
        loop.case(touchpoint=loop.other_touchpoint if i % 2 else None)
    assert count(23) == few


def test_root_causes_endpoint_counts_cases(loop, users_a, token_client):
    loop.closed_case()
    rows = token_client(loop.org, users_a["integrator"]).get("/api/v1/root-causes/").json()["results"]
    assert {r["name"]: r["case_count"] for r in rows} == {"Long wait": 1, "Wrong information": 0}


def test_the_schema_documents_the_actions(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for action in ("contact", "close", "assign"):
        post = paths[f"/api/v1/cases/{{id}}/{action}/"]["post"]
        assert {"200", "400", "403", "404"} <= set(post["responses"])
    assert "/api/v1/cases/" in paths and "/api/v1/insights/" in paths and "/api/v1/root-causes/" in paths
