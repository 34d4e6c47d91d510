"""Reads of the CEM framework: lever groups, levers and practices, always for one organization.

The lever detail also reads what other apps attach to a lever (initiatives, metrics, maturity
scores and targets). ``cem_levers`` is the lowest domain app and imports none of them: those reads
go through the reverse relations the higher apps declare on ``Lever``, narrowed to the
organization again.
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


def lever_group_list(*, org: Organization, active_only: bool = True) -> QuerySet[LeverGroup]:
    """The organization's groups in order (the active framework's only, by default)."""
    qs = LeverGroup.objects.for_org(org).order_by("position", "id")
    return qs.filter(is_active=True) if active_only else qs


def lever_groups_with_levers(*, org: Organization) -> QuerySet[LeverGroup]:
    """Active groups in order, each with its active levers (``group.lever_list``) annotated with
    ``practice_count`` (active practices) and ``initiative_count``. Two queries whatever the size."""
    levers = (
        Lever.objects.for_org(org)
        .filter(is_active=True)
        .annotate(
            practice_count=Count("practices", filter=Q(practices__is_active=True), distinct=True),
            initiative_count=Count("initiatives", distinct=True),
        )
        .order_by("position", "id")
    )
    return lever_group_list(org=org).prefetch_related(Prefetch("levers", queryset=levers, to_attr="lever_list"))


def lever_detail_queryset(*, org: Organization) -> QuerySet[Lever]:
    """Levers ready for the detail page: group joined, practices prefetched (active first, in order)."""
    return (
        Lever.objects.for_org(org)
        .select_related("group")
        .prefetch_related(Prefetch(
            "practices", queryset=Practice.objects.for_org(org).order_by("-is_active", "position", "id")
        ))
    )


def practice_detail_queryset(*, org: Organization) -> QuerySet[Practice]:
    return Practice.objects.for_org(org).select_related("lever")


def lever_links(*, org: Organization, lever: Lever) -> dict[str, Any]:
    """What the rest of the programme attaches to one lever, in a fixed number of queries.

    ``initiatives`` (with owner), ``metrics`` (active ones), ``latest_score`` and
    ``previous_score`` (the lever's scores in its two most recent maturity snapshots, or None),
    ``trend`` (latest − previous score, or None) and ``target`` (the lever's maturity target or None).
    """
    initiatives = (
        lever.initiatives.filter(organization=org).select_related("owner").order_by("-priority", "due_date", "id")
    )
    metrics = lever.metrics.filter(organization=org, is_active=True).order_by("code")
    scores = list(
        lever.scores.filter(organization=org, score__isnull=False)
        .select_related("snapshot")
        .order_by("-snapshot__computed_at", "-snapshot_id")[:2]
    )
    latest = scores[0] if scores else None
    previous = scores[1] if len(scores) > 1 else None
    target = lever.maturity_targets.filter(organization=org).first()
    gap = None
    if target is not None and latest is not None:
        gap = max(target.target_level - latest.score, 0)
    return {
        "initiatives": list(initiatives),
        "metrics": list(metrics),
        "latest_score": latest,
        "previous_score": previous,
        "trend": (latest.score - previous.score) if latest and previous else None,
        "target": target,
        "gap": gap,
    }

