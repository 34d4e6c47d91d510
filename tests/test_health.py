"""``/healthz/``: what a load balancer or container health check relies on."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.urls import reverse


def test_the_route_is_healthz():
    assert reverse("healthz") == "/healthz/"


@pytest.mark.django_db
def test_ok_without_login_with_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    # A monitor must see the live answer, never a cached one.
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_head_is_answered_and_writes_are_refused(client):
    assert client.head("/healthz/").status_code == 200
    assert client.post("/healthz/").status_code == 405


@pytest.mark.django_db
def test_a_failing_query_answers_503_with_a_clear_body(client, caplog):
    wrapper = connections[DEFAULT_DB_ALIAS]
    failing = mock.patch.object(wrapper, "cursor", side_effect=OperationalError("server closed the connection"))
    with failing, caplog.at_level(logging.ERROR, logger="cxgov.health"):
        response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "unavailable"
    assert "database did not answer" in body["detail"]
    # The driver's message (hosts, users) stays in the log, out of a public body.
    assert "server closed" not in response.content.decode()
    assert any("database did not answer" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_database_that_cannot_be_reached_answers_503_not_500(client):
    """With ATOMIC_REQUESTS on, opening the request's transaction would fail before the view runs;
    the view opts out, so it still answers 503 when no connection can be made at all."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    with mock.patch.object(wrapper, "ensure_connection", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
