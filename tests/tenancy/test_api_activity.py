"""API activity: token requests are logged (one INSERT, no query string), session requests are not;
old rows are pruned; the integrator page shows tokens, activity with errors, counts and webhooks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxgov.tenancy.models import ApiRequestLog
from cxgov.tenancy.roles import Op
from cxgov.tenancy.services import api_token_create
from cxgov.tenancy.tasks import api_request_logs_prune
from tests.dashboards.page_checks import check_anonymous, check_pinned_queries, check_roles
from tests.dashboards.pages import signed_in
from tests.factories import ApiRequestLogFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db


def test_a_token_request_is_recorded_without_its_query_string(org_a, users_a, api_client):
    token, raw = api_token_create(org=org_a, user=users_a["integrator"], name="survey tool")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get("/api/v1/levers/?group=strategy&api_key=leaked", **auth).status_code == 200
    inserts = [q for q in queries.captured_queries if "tenancy_apirequestlog" in q["sql"]]
    assert len(inserts) == 1 and inserts[0]["sql"].lstrip().upper().startswith("INSERT")
    assert api_client.get("/api/v1/levers/999999/", **auth).status_code == 404

    rows = list(ApiRequestLog.objects.for_org(org_a).order_by("at", "id"))
    assert [(r.token_id, r.method, r.path, r.status_code) for r in rows] == [
        (token.pk, "GET", "/api/v1/levers/", 200), (token.pk, "GET", "/api/v1/levers/999999/", 404)]
    assert all(r.duration_ms >= 0 for r in rows)
    assert "leaked" not in "".join(r.path for r in rows)


def test_session_and_anonymous_requests_are_not_recorded(org_a, users_a, api_client, client):
    client.force_login(users_a["integrator"])
    assert client.get("/api/v1/levers/").status_code == 200
    assert api_client.get("/api/v1/levers/").status_code == 401
    assert api_client.get("/api/v1/levers/", HTTP_AUTHORIZATION="Bearer cxg_nope_nope").status_code == 401
    assert not ApiRequestLog.objects.unscoped().exists()


def test_a_refused_write_with_a_token_is_recorded_in_the_tokens_organization(org_a, org_b, users_a, token_client):
    client = token_client(org_a, users_a["integrator"])
    assert client.post("/api/v1/webhooks/subscriptions/", {}, format="json").status_code == 400
    [row] = ApiRequestLog.objects.for_org(org_a)
    assert (row.method, row.status_code, row.is_error, row.status_class) == ("POST", 400, True, "4xx")
    assert not ApiRequestLog.objects.for_org(org_b).exists()


def test_prune_deletes_rows_older_than_30_days_in_every_organization(org_a, org_b):
    old_a = ApiRequestLogFactory(organization=org_a, at=timezone.now() - timedelta(days=31))
    old_b = ApiRequestLogFactory(organization=org_b, at=timezone.now() - timedelta(days=45))
    recent = ApiRequestLogFactory(organization=org_a, at=timezone.now() - timedelta(days=29))
    assert api_request_logs_prune.apply().get() == 2
    remaining = set(ApiRequestLog.objects.unscoped().values_list("pk", flat=True))
    assert remaining == {recent.pk}
    assert {old_a.pk, old_b.pk}.isdisjoint(remaining)
    assert api_request_logs_prune.apply().get() == 0


# --- the integrator page ------------------------------------------------------------------------

def test_the_integrator_page_follows_the_role_table(org_a, users_a, client):
    url = reverse("integrator-home")
    check_roles(url, users_a, Op.TOKENS_MANAGE)
    check_anonymous(client, url)
    ambassador = signed_in(users_a["ambassador"])
    assert ambassador.get(url).status_code == 403
    assert "Recent API activity" not in ambassador.get(reverse("home")).content.decode()


def test_the_integrator_home_shows_tokens_activity_errors_and_webhooks(org_a, org_b, users_a, users_b):
    integrator = users_a["integrator"]
    token, _raw = api_token_create(org=org_a, user=integrator, name="Survey tool")
    other, _raw = api_token_create(org=org_a, user=users_a["admin"], name="Admin's own")
    ApiRequestLogFactory(organization=org_a, token=token, path="/api/v1/metrics/", status_code=200)
    ApiRequestLogFactory(organization=org_a, token=token, path="/api/v1/responses/", status_code=422)
    ApiRequestLogFactory(organization=org_a, token=token, path="/api/v1/rollups/", status_code=503)
    ApiRequestLogFactory(organization=org_a, token=token, path="/api/v1/old/", status_code=200,
                         at=timezone.now() - timedelta(days=2))
    ApiRequestLogFactory(organization=org_a, token=other, path="/api/v1/admins-call/", status_code=500)
    token_b, _raw = api_token_create(org=org_b, user=users_b["integrator"], name="B tool")
    ApiRequestLogFactory(organization=org_b, token=token_b, path="/api/v1/org-b-call/", status_code=200)
    WebhookSubscriptionFactory(organization=org_a, name="CRM receiver", consecutive_failures=3)
    WebhookSubscriptionFactory(organization=org_b, name="B receiver")

    response = signed_in(integrator).get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Survey tool" in html and "Admin&#x27;s own" not in html
    assert reverse("api-docs") in html
    for path in ("/api/v1/metrics/", "/api/v1/responses/", "/api/v1/rollups/", "/api/v1/old/"):
        assert path in html
    assert "/api/v1/admins-call/" not in html and "/api/v1/org-b-call/" not in html
    assert html.count("api-log__row--error") == 2
    counts = response.context["api_counts"]
    assert counts == {"total": 3, "2xx": 1, "3xx": 0, "4xx": 1, "5xx": 1}
    assert "CRM receiver" in html and "B receiver" not in html
    assert "Failing" in html


# Session, user, the memberships (the current one and the switcher's list: one query) (3; a read-only
# page, no savepoints), then tokens, the last 50 requests, the 24-hour counts, subscriptions, the
# 24-hour delivery counts (5).
INTEGRATOR_PAGE_QUERIES = 8


def test_the_integrator_page_query_count_is_pinned(org_a, users_a, django_assert_num_queries):
    integrator = users_a["integrator"]
    token, _raw = api_token_create(org=org_a, user=integrator, name="Survey tool")
    ApiRequestLogFactory(organization=org_a, token=token)
    WebhookSubscriptionFactory(organization=org_a)
    client = signed_in(integrator)

    def grow():
        for i in range(60):
            ApiRequestLogFactory(organization=org_a, token=token, status_code=200 if i % 3 else 500)
        for _ in range(5):
            WebhookSubscriptionFactory(organization=org_a)
            api_token_create(org=org_a, user=integrator, name="more")

    check_pinned_queries(client, reverse("home"), django_assert_num_queries, INTEGRATOR_PAGE_QUERIES, grow)
    check_pinned_queries(client, reverse("integrator-home"), django_assert_num_queries, INTEGRATOR_PAGE_QUERIES,
                         lambda: None)
