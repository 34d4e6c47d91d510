"""Feedback responses are never edited: no code updates them, ingest never issues an UPDATE on their
table, and the admin only reads them. That is why the audit trail does not need to watch them."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from voc.models import Response
from voc.services import responses_record

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ["cxgov", "cem_levers", "voc", "initiatives", "governance", "maturity", "bench"]
WRITES = {"update", "bulk_update", "update_or_create", "save"}


def _python_files():
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def _chain_names(node: ast.AST) -> list[str]:
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names
        else:
            return names


def test_no_code_updates_a_response():
    """Any call chain that starts at ``Response`` (the model) and writes is refused."""
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
                chain = _chain_names(node.func)
                if chain and chain[-1] == "Response" and "objects" in chain:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_scan_would_catch_an_update():
    tree = ast.parse("Response.objects.for_org(org).filter(pk=1).update(score=3)")
    call = tree.body[0].value
    assert call.func.attr == "update" and _chain_names(call.func)[-1] == "Response"


@pytest.mark.django_db
def test_recording_the_same_feedback_again_never_updates_a_row(org_a):
    from voc.models import DataSource, Metric

    metric = Metric.objects.for_org(org_a).get(code="csat")
    source = DataSource.objects.for_org(org_a).order_by("code").first()
    rows = [{"source": source, "external_id": f"r{i}", "metric": metric, "score": 4,
             "submitted_at": timezone.now() - dt.timedelta(hours=i)} for i in range(5)]
    responses_record(org=org_a, rows=rows)
    stored = {r.pk: (r.score, r.submitted_at) for r in Response.objects.for_org(org_a)}
    changed = [{**r, "score": 1} for r in rows]
    with CaptureQueriesContext(connection) as queries:
        result = responses_record(org=org_a, rows=changed)
    assert result.duplicates == 5
    table = Response._meta.db_table
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE") and table in q["sql"]]
    assert {r.pk: (r.score, r.submitted_at) for r in Response.objects.for_org(org_a)} == stored


def test_the_admin_cannot_add_or_change_a_response():
    model_admin = admin.site._registry[Response]
    request = RequestFactory().get("/")
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
