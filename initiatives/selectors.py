"""Reads of the CX PMO: initiatives with their schedule, risks and KPIs, for one organization."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from cem_levers.models import Lever
from cxgov.tenancy.models import Organization
from voc.models import Journey, Touchpoint

from .models import Initiative, InitiativeKpi, Milestone, Risk


def initiative_list(*, org: Organization, status: str | None = None) -> QuerySet[Initiative]:
    """Initiatives by priority and due date, owner joined and levers prefetched (``lever_list``).

    Two queries whatever the number of rows.
    """
    levers = Lever.objects.for_org(org).order_by("position", "id")
    qs = (
        Initiative.objects.for_org(org)
        .select_related("owner")
        .prefetch_related(Prefetch("levers", queryset=levers, to_attr="lever_list"))
        .order_by("-priority", "due_date", "id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def initiative_detail_queryset(*, org: Organization) -> QuerySet[Initiative]:
    """Initiatives ready for the detail page: every related list prefetched, each in one query."""
    touchpoints = Touchpoint.objects.for_org(org).select_related("journey").order_by("journey__name", "position")
    milestones = Milestone.objects.for_org(org).select_related("assignee").order_by("due_date", "position", "id")
    return (
        Initiative.objects.for_org(org)
        .select_related("owner", "sponsor_body")
        .prefetch_related(
            Prefetch("levers", queryset=Lever.objects.for_org(org).order_by("position", "id"), to_attr="lever_list"),
            Prefetch("journeys", queryset=Journey.objects.for_org(org).order_by("name"), to_attr="journey_list"),
            Prefetch(
                "touchpoints",
                queryset=touchpoints,
                to_attr="touchpoint_list",
            ),
            Prefetch(
                "milestones",
                queryset=milestones,
                to_attr="milestone_list",
            ),
            Prefetch(
                "risks",
                queryset=Risk.objects.for_org(org).select_related("owner").order_by("-probability", "-impact", "id"),
                to_attr="risk_list",
            ),
            Prefetch(
                "kpis",
                queryset=InitiativeKpi.objects.for_org(org).select_related("metric").order_by("metric__code"),
                to_attr="kpi_list",
            ),
        )
    )


def _counts(rows: list[dict[str, Any]], key: str, choices: Any) -> list[dict[str, Any]]:
    by_value = {row[key]: row["n"] for row in rows}
    total = sum(by_value.values()) or 1
    return [
        {"value": value, "label": label, "n": by_value.get(value, 0),
         "percent": round(by_value.get(value, 0) * 100 / total)}
        for value, label in choices
    ]


def initiative_summary(*, org: Organization) -> dict[str, Any]:
    """Counts of initiatives by status and, for the open ones, by health. Two grouped queries.

    ``by_status`` and ``by_health`` list every choice in order (zero included) with ``n`` and the
    ``percent`` of the total, ready for a bar; ``total`` and ``open`` are the overall counts.
    """
    base = Initiative.objects.for_org(org)
    status_rows = list(base.values("status").annotate(n=Count("id")).order_by())
    open_statuses = [Initiative.Status.PLANNED, Initiative.Status.IN_PROGRESS, Initiative.Status.ON_HOLD]
    health_rows = list(base.filter(status__in=open_statuses).values("health").annotate(n=Count("id")).order_by())
    total = sum(r["n"] for r in status_rows)
    return {
        "total": total,
        "open": sum(r["n"] for r in health_rows),
        "by_status": _counts(status_rows, "status", Initiative.Status.choices),
        "by_health": _counts(health_rows, "health", Initiative.Health.choices),
    }
