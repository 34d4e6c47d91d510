"""The audit trail is read per organization, newest first; on PostgreSQL an index serves that read."""

from __future__ import annotations

import pytest
from django.db import connection

from cxgov.audit.selectors import audit_entries
from tests.conftest import need

pytestmark = pytest.mark.django_db


def test_the_organization_trail_is_read_through_its_index(org_a):
    need(connection.vendor == "postgresql", "the audit index exists on PostgreSQL only (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would otherwise be scanned
        plan = audit_entries(org=org_a)[:50].explain()
    assert "audit_logentry_org_time" in plan, plan
