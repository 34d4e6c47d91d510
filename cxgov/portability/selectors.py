"""Reads of data ownership: the organization's exports and what an export would hold."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from cxgov.tenancy.models import Organization

from . import archive
from .models import DataExport


def data_exports_current(*, org: Organization) -> QuerySet[DataExport]:
    """The organization's exports that have not expired, newest first."""
    return (
        DataExport.objects.for_org(org).filter(expires_at__gt=timezone.now())
        .select_related("requested_by").order_by("-created_at", "-pk")
    )


def organization_row_counts(*, org: Organization) -> list[tuple[str, int]]:
    """(model name, rows) for every exported model that holds rows, largest first: what an export or
    a deletion covers. One COUNT per model."""
    counts = [
        (str(m._meta.verbose_name_plural).capitalize(), m.objects.for_org(org).count())
        for m in archive.exported_models()
    ]
    return sorted(((name, n) for name, n in counts if n), key=lambda c: (-c[1], c[0]))
