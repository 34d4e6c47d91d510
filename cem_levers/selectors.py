"""Reads of the CEM framework: lever groups, levers and practices, always for one organization.

The lever detail also reads what other apps attach to a lever (initiatives, metrics, maturity
scores). ``cem_levers`` is the lowest domain app and imports none of them: those reads go through
the reverse relations the higher apps declare on ``Lever``, narrowed to the organization again.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from cxgov.tenancy.models import Organization

from .models import Lever, LeverGroup, Practice


def lever_list(*, org: Organization, active_only: bool = True) -> QuerySet[Lever]:
    """The organization's levers in framework order, with their group."""
    qs = Lever.objects.for_org(org).select_related("group").order_by("group__position", "position", "id")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def lever_groups_with_levers(*, org: Organization) -> QuerySet[LeverGroup]:
    """Groups in order, each with its active levers (``group.lever_list``) annotated with
    ``practice_count`` and ``initiative_count``. Three queries whatever the number of levers."""
    levers = (
        Lever.objects.for_org(org)
        .filter(is_active=True)
        .annotate(
            practice_count=Count("practices", distinct=True),
            initiative_count=Count("initiatives", distinct=True),
        )
        .order_by("position", "id")
    )
    return (
        LeverGroup.objects.for_org(org)
        .order_by("position", "id")
        .prefetch_related(Prefetch("levers", queryset=levers, to_attr="lever_list"))
    )


def lever_detail_queryset(*, org: Organization) -> QuerySet[Lever]:
    """Levers ready for the detail page: group joined, practices prefetched in order."""
    return (
        Lever.objects.for_org(org)
        .select_related("group")
        .prefetch_related(Prefetch("practices", queryset=Practice.objects.for_org(org).order_by("position", "id")))
    )


def lever_links(*, org: Organization, lever: Lever) -> dict[str, Any]:
    """What the rest of the programme attaches to one lever.

    ``initiatives`` (with owner), ``metrics`` (active ones), and ``latest_score``: the lever's
    score in the organization's most recent maturity snapshot, or None.
    """
    initiatives = (
        lever.initiatives.filter(organization=org).select_related("owner").order_by("-priority", "due_date", "id")
    )
    metrics = lever.metrics.filter(organization=org, is_active=True).order_by("code")
    latest_score = (
        lever.scores.filter(organization=org)
        .select_related("snapshot")
        .order_by("-snapshot__computed_at", "-snapshot_id")
        .first()
    )
    return {"initiatives": list(initiatives), "metrics": list(metrics), "latest_score": latest_score}


def lever_counts(*, org: Organization) -> dict[str, int]:
    """How many active levers and practices the framework has."""
    return Lever.objects.for_org(org).aggregate(
        levers=Count("id", filter=Q(is_active=True), distinct=True),
        practices=Count("practices", filter=Q(is_active=True)),
    )
