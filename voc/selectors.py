"""Reads of the Voice of the Customer: journeys and their maps, touchpoints, metrics, data sources
and feedback volumes, always for one organization."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cxgov.tenancy.models import Organization, User

from .models import DataSource, Journey, JourneyStage, Metric, Response, Rollup, Touchpoint


def journey_list(*, org: Organization) -> QuerySet[Journey]:
    """Journeys by name with segment and product joined, annotated with ``touchpoint_count``,
    ``moment_count`` (moments of truth) and ``stage_count``."""
    return (
        Journey.objects.for_org(org)
        .select_related("segment", "product")
        .annotate(
            touchpoint_count=Count("touchpoints", distinct=True),
            moment_count=Count("touchpoints", filter=Q(touchpoints__is_moment_of_truth=True), distinct=True),
            stage_count=Count("stages", distinct=True),
        )
        .order_by("name", "version")
    )


def journey_detail_queryset(*, org: Organization) -> QuerySet[Journey]:
    return Journey.objects.for_org(org).select_related("segment", "product", "counterpart")


def journey_map(*, org: Organization, journey: Journey) -> dict[str, Any]:
    """The journey map: ``stages`` in order, each with its touchpoints (``touchpoint_list``, owner
    joined), and ``unstaged``, the touchpoints not placed in any stage. Two queries."""
    touchpoints = list(
        Touchpoint.objects.for_org(org).filter(journey=journey).select_related("owner").order_by("position", "id")
    )
    stages = list(JourneyStage.objects.for_org(org).filter(journey=journey).order_by("position", "id"))
    by_stage: dict[int | None, list[Touchpoint]] = {}
    for tp in touchpoints:
        by_stage.setdefault(tp.stage_id, []).append(tp)
    for stage in stages:
        stage.touchpoint_list = by_stage.get(stage.pk, [])
    return {
        "stages": stages,
        "unstaged": by_stage.get(None, []),
        "touchpoint_count": len(touchpoints),
        "moment_count": sum(1 for tp in touchpoints if tp.is_moment_of_truth),
    }


def metric_list(*, org: Organization) -> QuerySet[Metric]:
    """Metrics by code with their lever joined."""
    return Metric.objects.for_org(org).select_related("lever").order_by("-is_active", "code")


def data_source_list(*, org: Organization) -> QuerySet[DataSource]:
    """Data sources by name."""
    return DataSource.objects.for_org(org).order_by("-is_active", "name")


def response_count_since(*, org: Organization, since: dt.datetime) -> int:
    """Responses submitted since ``since`` (an index range count on organization + time)."""
    return Response.objects.for_org(org).filter(submitted_at__gte=since).count()


def response_volume_by_month(*, org: Organization, months: int = 12) -> list[dict[str, Any]]:
    """Responses per calendar month for the last ``months`` months, oldest first, every month listed.

    Read from the organization-wide monthly rollups (every response is counted once, under its
    metric); before the first rollup computation it counts the responses themselves. Each row has
    ``month`` (a date), ``n``, and ``percent`` of the busiest month with its complement ``offset``,
    ready for a vertical bar.
    """
    today = timezone.localdate()
    first = today.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    starts.reverse()
    rollups = (
        Rollup.objects.for_org(org)
        .filter(grain=Rollup.Grain.ORGANIZATION, period=Rollup.Period.MONTH, period_start__gte=starts[0])
        .values("period_start")
        .annotate(n=Sum("n"))
        .order_by()
    )
    counts = {row["period_start"]: row["n"] for row in rollups}
    if not counts:
        since = timezone.make_aware(dt.datetime.combine(starts[0], dt.time.min))
        raw = (
            Response.objects.for_org(org)
            .filter(submitted_at__gte=since)
            .annotate(month=TruncMonth("submitted_at"))
            .values("month")
            .annotate(n=Count("id"))
            .order_by()
        )
        counts = {_as_date(row["month"]): row["n"] for row in raw}
    peak = max(counts.values(), default=0) or 1
    rows = []
    for month in starts:
        n = counts.get(month, 0)
        percent = round(n * 100 / peak)
        rows.append({"month": month, "n": n, "percent": percent, "offset": 100 - percent})
    return rows


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def touchpoints_by_journey(*, org: Organization, since: dt.datetime) -> list[tuple[Journey, list[Touchpoint]]]:
    """Every journey with its touchpoints in map order, each annotated with ``recent_count``, the
    responses submitted since ``since``. Two queries."""
    touchpoints = (
        Touchpoint.objects.for_org(org)
        .select_related("journey", "stage")
        .annotate(recent_count=Count("responses", filter=Q(responses__submitted_at__gte=since)))
        .order_by("journey__name", "journey__version", "journey_id", "stage__position", "position", "id")
    )
    grouped: dict[int, tuple[Journey, list[Touchpoint]]] = {}
    for tp in touchpoints:
        grouped.setdefault(tp.journey_id, (tp.journey, []))[1].append(tp)
    return list(grouped.values())


def responses_recorded_by(*, org: Organization, user: User, limit: int = 10) -> list[Response]:
    """The latest responses ``user`` recorded by hand, newest first, with metric and touchpoint."""
    return list(
        Response.objects.for_org(org)
        .filter(recorded_by=user)
        .select_related("metric", "touchpoint", "source")
        .order_by("-created_at", "-id")[:limit]
    )
