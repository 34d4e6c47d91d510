"""Celery entry points of data ownership: build an export, purge expired ones."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from cxgov.tenancy.models import Organization
from cxgov.tenancy.tasks import org_task

from . import services


@org_task()
def data_export_run(*, org: Organization, export_id: int) -> dict[str, Any]:
    """Build one requested export (idempotent: a finished export is left as it is)."""
    export = services.data_export_build(org=org, export_id=export_id)
    return {"export": export_id, "status": export.status if export else None}


@shared_task(acks_late=True)
def data_exports_purge_all() -> int:
    """Daily: delete the expired exports of every organization (each purge is scoped to one)."""
    return sum(services.data_exports_purge_expired(org=org) for org in Organization.objects.all())
