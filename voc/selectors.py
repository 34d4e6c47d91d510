"""Reads of the Voice of the Customer: journeys and their maps, touchpoints, metrics, data sources
and feedback volumes, always for one organization."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cxgov.tenancy.models import Membership, Organization, User
from cxgov.tenancy.roles import Op, role_allows

from .models import (
    CaseEvent,
    DataSource,
    FollowUpCase,
    Insight,
    InsightEvidence,
    InsightRecipient,
    Journey,
    JourneyStage,
    Metric,
    Product,
    Response,
    Rollup,
    RootCause,
    Segment,
    Touchpoint,
)


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


def journey_map(
    *, org: Organization, journey: Journey, period_start: dt.date | None = None
) -> dict[str, Any]:
    """The journey map: ``stages`` in order, each with its touchpoints (``touchpoint_list``, owner
    joined), and ``unstaged``, the touchpoints not placed in any stage.

    With ``period_start`` (the first day of a month) every touchpoint also carries ``scores``: its
    NPS, CSAT and CES figures of that month (``TouchpointScore``), read from the touchpoint rollups
    only. Two queries, three with scores, whatever the number of responses.
    """
    touchpoints = list(
        Touchpoint.objects.for_org(org).filter(journey=journey).select_related("owner").order_by("position", "id")
    )
    stages = list(JourneyStage.objects.for_org(org).filter(journey=journey).order_by("position", "id"))
    if period_start is not None:
        scores = touchpoint_scores(org=org, touchpoint_ids=[tp.pk for tp in touchpoints], period_start=period_start)
        for tp in touchpoints:
            tp.scores = scores.get(tp.pk, [])
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


# --- The customer map and the measurement model ----------------------------------------------

# Metric kinds shown on the journey map, in this order.
MAP_KINDS = (Metric.Kind.NPS, Metric.Kind.CSAT, Metric.Kind.CES)
# The range of a value computed as a percentage (or percentage points), whatever the answer scale.
METHOD_VALUE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    Metric.Method.NPS: (Decimal(-100), Decimal(100)),
    Metric.Method.AGREE_MINUS_DISAGREE: (Decimal(-100), Decimal(100)),
    Metric.Method.TOP2BOX: (Decimal(0), Decimal(100)),
    Metric.Method.SHARE: (Decimal(0), Decimal(100)),
}
NEAR_SHARE = Decimal("0.05")  # "near" the target: within 5% of the value's range


class Status:
    """How a figure compares with its metric's target (CSS modifier names, too)."""

    GOOD = "good"
    NEAR = "near"
    BAD = "bad"
    NO_TARGET = "no-target"
    BELOW_MIN = "below-min"
    NO_DATA = "no-data"


def near_band(*, method: str, scale_min: Decimal | None, scale_max: Decimal | None,
              target: Decimal | None) -> Decimal:
    """How far short of the target still counts as "near": 5% of the value's range (10 points of
    NPS, 5 points of a CSAT %, 0.3 of a mean on 1–7); 10% of the target when there is no range."""
    if method in METHOD_VALUE_RANGES:
        low, high = METHOD_VALUE_RANGES[method]
        return (high - low) * NEAR_SHARE
    if scale_min is not None and scale_max is not None:
        return (scale_max - scale_min) * NEAR_SHARE
    if target is not None:
        return abs(target) * NEAR_SHARE * 2
    return Decimal(0)


def score_status(*, value: Decimal | None, n: int, min_n: int, target: Decimal | None,
                 higher_is_better: bool, near: Decimal) -> str:
    """The colour of a figure: ``no-data`` without responses, ``below-min`` when n is under the
    metric's minimum (never shown as a clean figure), ``no-target`` when the metric sets none,
    else ``good`` (target met, in the metric's direction), ``near`` (short by at most ``near``)
    or ``bad``. A pure function, so the map's colouring is tested without a database."""
    if not n or value is None:
        return Status.NO_DATA
    if n < min_n:
        return Status.BELOW_MIN
    if target is None:
        return Status.NO_TARGET
    margin = value - target if higher_is_better else target - value
    if margin >= 0:
        return Status.GOOD
    if -margin <= near:
        return Status.NEAR
    return Status.BAD


def format_value(*, method: str, value: Decimal | None, unit: str = "") -> str:
    """A figure as people read it: NPS and % agree − % disagree signed whole points (+32),
    top-two-box and rates as whole percentages (82%), means and medians with one decimal."""
    if value is None:
        return "—"
    if method in (Metric.Method.NPS, Metric.Method.AGREE_MINUS_DISAGREE):
        number = int(value.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
        return f"{number:+d}" if number else "0"
    if method in (Metric.Method.TOP2BOX, Metric.Method.SHARE):
        return f"{value.quantize(Decimal(1), rounding='ROUND_HALF_UP')}%"
    if method == Metric.Method.SUM:
        return f"{value.normalize():f}"
    return f"{value.quantize(Decimal('0.1'), rounding='ROUND_HALF_UP')}"


def metric_short_label(metric: Metric) -> str:
    """NPS / CSAT / CES for the standard codes, otherwise the metric's name."""
    return metric.code.upper() if metric.code in ("nps", "csat", "ces") else metric.name


@dataclass(frozen=True)
class TouchpointScore:
    """One figure on the journey map: a metric's rollup of one touchpoint in one month."""

    metric: Metric
    value: Decimal | None
    n: int
    status: str

    @property
    def label(self) -> str:
        return metric_short_label(self.metric)

    @property
    def display(self) -> str:
        return format_value(method=self.metric.method, value=self.value, unit=self.metric.unit)

    @property
    def target_display(self) -> str:
        return format_value(method=self.metric.method, value=self.metric.target, unit=self.metric.unit)

    @property
    def below_min(self) -> bool:
        return self.status == Status.BELOW_MIN


def rollup_status(rollup: Rollup, metric: Metric) -> str:
    return score_status(
        value=rollup.value, n=rollup.n, min_n=metric.min_n, target=metric.target,
        higher_is_better=metric.higher_is_better,
        near=near_band(method=metric.method, scale_min=metric.scale_min, scale_max=metric.scale_max,
                       target=metric.target),
    )


def map_period(*, org: Organization, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The period the journey map shows: the last full calendar month in the organization's time
    zone, as (first day, last day). A full month keeps every touchpoint's n comparable."""
    if today is None:
        today = timezone.localtime(timezone.now(), ZoneInfo(org.timezone)).date()
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def touchpoint_scores(
    *, org: Organization, touchpoint_ids: list[int], period_start: dt.date
) -> dict[int, list[TouchpointScore]]:
    """{touchpoint id: [TouchpointScore]} from the monthly touchpoint rollups starting
    ``period_start``, for the active NPS, CSAT and CES metrics, NPS first. One query."""
    if not touchpoint_ids:
        return {}
    rollups = (
        Rollup.objects.for_org(org)
        .filter(grain=Rollup.Grain.TOUCHPOINT, period=Rollup.Period.MONTH, period_start=period_start,
                subject_id__in=touchpoint_ids, metric__kind__in=MAP_KINDS, metric__is_active=True)
        .select_related("metric")
    )
    kind_order = {kind: i for i, kind in enumerate(MAP_KINDS)}
    result: dict[int, list[TouchpointScore]] = {}
    for rollup in sorted(rollups, key=lambda r: (kind_order[r.metric.kind], r.metric.code)):
        result.setdefault(rollup.subject_id, []).append(
            TouchpointScore(metric=rollup.metric, value=rollup.value, n=rollup.n,
                            status=rollup_status(rollup, rollup.metric))
        )
    return result


def segment_list(*, org: Organization) -> QuerySet[Segment]:
    """Segments and personas by name, annotated with ``journey_count``."""
    return Segment.objects.for_org(org).annotate(journey_count=Count("journeys")).order_by("name")


def product_list(*, org: Organization) -> QuerySet[Product]:
    """Products and services by name, annotated with ``journey_count``."""
    return Product.objects.for_org(org).annotate(journey_count=Count("journeys")).order_by("name")


def journey_stage_queryset(*, org: Organization) -> QuerySet[JourneyStage]:
    return JourneyStage.objects.for_org(org).select_related("journey")


def touchpoint_detail_queryset(*, org: Organization) -> QuerySet[Touchpoint]:
    return Touchpoint.objects.for_org(org).select_related("journey", "stage", "owner")


def organization_members(*, org: Organization) -> QuerySet[User]:
    """The organization's members (who may own a touchpoint), by name."""
    return User.objects.filter(
        pk__in=Membership.objects.filter(organization=org).values("user_id"), is_active=True
    ).order_by("full_name", "email")


def touchpoint_trend(*, org: Organization, touchpoint: Touchpoint, months: int = 12) -> list[dict[str, Any]]:
    """The touchpoint's monthly rollups of the last ``months`` months (the current one included),
    grouped per metric: ``[{"metric": Metric, "rows": [Rollup, ...]}]``, metrics by code. One query."""
    first = timezone.localtime(timezone.now(), ZoneInfo(org.timezone)).date().replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    rollups = (
        Rollup.objects.for_org(org)
        .filter(grain=Rollup.Grain.TOUCHPOINT, subject_id=touchpoint.pk, period=Rollup.Period.MONTH,
                period_start__gte=first)
        .select_related("metric")
        .order_by("metric__code", "period_start")
    )
    grouped: dict[int, dict[str, Any]] = {}
    for rollup in rollups:
        grouped.setdefault(rollup.metric_id, {"metric": rollup.metric, "rows": []})["rows"].append(rollup)
    return list(grouped.values())


def touchpoint_recent_comments(*, org: Organization, touchpoint: Touchpoint, limit: int = 20) -> list[Response]:
    """The last ``limit`` responses with a comment at the touchpoint, newest first. One query."""
    return list(
        Response.objects.for_org(org)
        .filter(touchpoint=touchpoint)
        .exclude(comment="")
        .select_related("metric", "source")
        .order_by("-submitted_at", "-id")[:limit]
    )


def metric_by_code(*, org: Organization, code: str) -> Metric | None:
    return Metric.objects.for_org(org).filter(code=code).first()


def rollup_list(
    *,
    org: Organization,
    metric: Metric,
    grain: str,
    period: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    touchpoint: Touchpoint | None = None,
    journey: Journey | None = None,
    segment: Segment | None = None,
) -> QuerySet[Rollup]:
    """Rollups of ``metric`` at ``grain`` × ``period`` whose period starts within [from, to],
    ordered by period then subject.

    ``touchpoint``, ``journey`` and ``segment`` narrow the subjects: a touchpoint (grain
    touchpoint), a journey's touchpoints or the journey itself, a segment's journeys' touchpoints,
    its journeys or the segment itself. The narrowing is a subquery, so the cost does not depend on
    how many subjects match.
    """
    qs = Rollup.objects.for_org(org).filter(metric=metric, grain=grain, period=period)
    if date_from is not None:
        qs = qs.filter(period_start__gte=date_from)
    if date_to is not None:
        qs = qs.filter(period_start__lte=date_to)
    if touchpoint is not None:
        qs = qs.filter(subject_id=touchpoint.pk)
    if journey is not None:
        if grain == Rollup.Grain.TOUCHPOINT:
            qs = qs.filter(subject_id__in=Touchpoint.objects.for_org(org).filter(journey=journey).values("pk"))
        else:
            qs = qs.filter(subject_id=journey.pk)
    if segment is not None:
        if grain == Rollup.Grain.TOUCHPOINT:
            qs = qs.filter(subject_id__in=Touchpoint.objects.for_org(org)
                           .filter(journey__segment=segment).values("pk"))
        elif grain == Rollup.Grain.JOURNEY:
            qs = qs.filter(subject_id__in=Journey.objects.for_org(org).filter(segment=segment).values("pk"))
        else:
            qs = qs.filter(subject_id=segment.pk)
    return qs.select_related("metric").order_by("period_start", "subject_id", "id")


# --- Closing the loop: cases, root causes, the outer-loop counts, insights --------------------------

CASE_OPEN_STATUSES = (FollowUpCase.Status.OPEN, FollowUpCase.Status.CONTACTED)
CASE_FINAL_STATUSES = (FollowUpCase.Status.RESOLVED, FollowUpCase.Status.CLOSED)
# Age of a case in days since it was opened: (label code, lowest, highest or None).
CASE_AGE_BUCKETS = (("0-2", 0, 2), ("3-7", 3, 7), ("8-30", 8, 30), ("31+", 31, None))
RECURRING_MIN = 3
RECURRING_TOP = 3


def org_today(*, org: Organization, now: dt.datetime | None = None) -> dt.date:
    """Today in the organization's time zone (what "overdue" is measured against)."""
    return timezone.localtime(now or timezone.now(), ZoneInfo(org.timezone)).date()


def _local_midnight(org: Organization, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(org.timezone))


def case_list(
    *,
    org: Organization,
    status: str | None = None,
    overdue: bool = False,
    owner: User | None = None,
    touchpoint: Touchpoint | None = None,
    journey: Journey | None = None,
    age: str | None = None,
    today: dt.date | None = None,
    viewer: User | None = None,
    viewer_role: str | None = None,
) -> QuerySet[FollowUpCase]:
    """Follow-up cases with response, touchpoint, journey, metric, owner and root cause joined (one
    query), annotated with ``is_overdue`` (due before ``today`` and not closed). Unfinished cases
    first, by due date. Filters: status, overdue only, owner, touchpoint, journey and age bucket
    (one of ``CASE_AGE_BUCKETS``, days since opened).

    With ``viewer``, only what that member may see: every case for a role that reads feedback or
    works cases, otherwise (an ambassador) only the cases they own.
    """
    today = today or org_today(org=org)
    qs = (
        FollowUpCase.objects.for_org(org)
        .select_related("response", "touchpoint__journey", "metric", "owner", "root_cause")
        .annotate(
            is_overdue=ExpressionWrapper(
                Q(due_date__lt=today, status__in=CASE_OPEN_STATUSES), output_field=BooleanField()
            ),
            is_final=ExpressionWrapper(Q(status__in=CASE_FINAL_STATUSES), output_field=BooleanField()),
        )
    )
    if viewer is not None and not case_sees_all(role=viewer_role):
        qs = qs.filter(owner=viewer)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(due_date__lt=today, status__in=CASE_OPEN_STATUSES)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if touchpoint is not None:
        qs = qs.filter(touchpoint=touchpoint)
    if journey is not None:
        qs = qs.filter(touchpoint__journey=journey)
    if age:
        qs = qs.filter(case_age_q(org=org, age=age, today=today))
    return qs.order_by("is_final", "due_date", "id")


def case_age_q(*, org: Organization, age: str, today: dt.date) -> Q:
    """Cases opened ``age`` days ago (a code of ``CASE_AGE_BUCKETS``: "0-2", "3-7", "8-30", "31+"),
    counted in whole local days; an unknown code matches everything."""
    bucket = next((b for b in CASE_AGE_BUCKETS if b[0] == age), None)
    if bucket is None:
        return Q()
    _code, low, high = bucket
    q = Q(opened_at__lt=_local_midnight(org, today - dt.timedelta(days=low - 1)))
    if high is not None:
        q &= Q(opened_at__gte=_local_midnight(org, today - dt.timedelta(days=high)))
    return q


def case_sees_all(*, role: str | None) -> bool:
    """Whether a role sees every case (feedback readers and case workers) or only its own."""
    return role_allows(role, Op.FEEDBACK_VIEW) or role_allows(role, Op.CASES_WORK)


def case_summary(
    *, org: Organization, user: User, role: str | None = None, today: dt.date | None = None
) -> dict[str, int]:
    """Counts for the cases page header, among the cases ``user`` may see: ``open`` (open or
    contacted), ``overdue``, ``mine`` (open ones owned by ``user``). One query."""
    today = today or org_today(org=org)
    unfinished = Q(status__in=CASE_OPEN_STATUSES)
    visible = FollowUpCase.objects.for_org(org)
    if not case_sees_all(role=role):
        visible = visible.filter(owner=user)
    return visible.aggregate(
        open=Count("id", filter=unfinished),
        overdue=Count("id", filter=unfinished & Q(due_date__lt=today)),
        mine=Count("id", filter=unfinished & Q(owner=user)),
    )


def case_events(*, org: Organization, case: FollowUpCase) -> list[CaseEvent]:
    """The case's history, oldest first, with who did each step."""
    return list(CaseEvent.objects.for_org(org).filter(case=case).select_related("by").order_by("at", "id"))


def root_cause_list(*, org: Organization) -> QuerySet[RootCause]:
    """The organization's root causes (active first), each with ``case_count``."""
    return RootCause.objects.for_org(org).annotate(case_count=Count("cases")).order_by("-is_active", "name")


def root_causes_active(*, org: Organization) -> QuerySet[RootCause]:
    """The root causes offered when closing a case."""
    return RootCause.objects.for_org(org).filter(is_active=True).order_by("name")


def month_starts(*, today: dt.date, months: int) -> list[dt.date]:
    """The first days of the last ``months`` calendar months, the current one included, oldest first."""
    starts = [today.replace(day=1)]
    while len(starts) < months:
        starts.append((starts[-1] - dt.timedelta(days=1)).replace(day=1))
    return starts[::-1]


def root_cause_counts(*, org: Organization, months: int = 6, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Closed cases counted per touchpoint, root cause and calendar month (in the organization's
    time zone) for the last ``months`` months: rows of ``touchpoint_id``, ``root_cause_id``,
    ``month`` (a date) and ``n``. One GROUP BY; cases without a touchpoint are left out."""
    today = today or org_today(org=org)
    first = month_starts(today=today, months=months)[0]
    tz = ZoneInfo(org.timezone)
    rows = (
        FollowUpCase.objects.for_org(org)
        .filter(status__in=CASE_FINAL_STATUSES, touchpoint__isnull=False, closed_at__gte=_local_midnight(org, first))
        .annotate(month=TruncMonth("closed_at", tzinfo=tz))
        .values("touchpoint_id", "root_cause_id", "month")
        .annotate(n=Count("id"))
        .order_by("touchpoint_id", "root_cause_id", "month")
    )
    return [{**row, "month": _as_local_date(row["month"], tz)} for row in rows]


def _as_local_date(value: dt.date | dt.datetime, tz: ZoneInfo) -> dt.date:
    if isinstance(value, dt.datetime):
        return (value.astimezone(tz) if timezone.is_aware(value) else value).date()
    return value


def root_cause_matrix(*, org: Organization, months: int = 6, today: dt.date | None = None) -> dict[str, Any]:
    """The outer-loop matrix: touchpoints (rows) × root causes (columns) with the closed cases of
    the last ``months`` months. A cell is *recurring* when it counts at least ``RECURRING_MIN``
    cases or is among the ``RECURRING_TOP`` largest. Three queries.

    Returns ``months`` (month starts), ``causes`` (columns, most frequent first), ``rows`` (each with
    ``touchpoint``, ``total`` and ``cells``: one per column with ``root_cause``, ``n``,
    ``by_month`` and ``recurring``) and ``total``.
    """
    today = today or org_today(org=org)
    starts = month_starts(today=today, months=months)
    counts = root_cause_counts(org=org, months=months, today=today)
    cell_months: dict[tuple[int, int], dict[dt.date, int]] = {}
    for row in counts:
        cell_months.setdefault((row["touchpoint_id"], row["root_cause_id"]), {})[row["month"]] = row["n"]
    totals = {key: sum(by.values()) for key, by in cell_months.items()}
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:RECURRING_TOP]
    recurring = {key for key, n in totals.items() if n >= RECURRING_MIN} | {key for key, n in top if n > 0}
    tp_ids = {tp for tp, _rc in totals}
    rc_ids = {rc for _tp, rc in totals}
    touchpoints = Touchpoint.objects.for_org(org).select_related("journey").in_bulk(tp_ids) if tp_ids else {}
    causes = RootCause.objects.for_org(org).in_bulk(rc_ids) if rc_ids else {}
    cause_totals = {rc: sum(n for (_tp, c), n in totals.items() if c == rc) for rc in rc_ids}
    columns = sorted(causes.values(), key=lambda rc: (-cause_totals[rc.pk], rc.name))
    rows = []
    for tp in sorted(touchpoints.values(), key=lambda t: (t.journey.name, t.position, t.pk)):
        cells = []
        for rc in columns:
            by = cell_months.get((tp.pk, rc.pk), {})
            cells.append({
                "root_cause": rc, "n": totals.get((tp.pk, rc.pk), 0), "recurring": (tp.pk, rc.pk) in recurring,
                "by_month": [by.get(start, 0) for start in starts],
            })
        rows.append({"touchpoint": tp, "cells": cells, "total": sum(c["n"] for c in cells)})
    rows.sort(key=lambda r: -r["total"])
    return {"months": starts, "causes": columns, "rows": rows, "total": sum(totals.values())}


def root_cause_examples(
    *, org: Organization, root_cause: RootCause, touchpoint: Touchpoint, since: dt.datetime | None = None,
    limit: int = 3,
) -> list[FollowUpCase]:
    """The latest closed cases of one (root cause, touchpoint) pair that carry a customer comment."""
    qs = (
        FollowUpCase.objects.for_org(org)
        .filter(root_cause=root_cause, touchpoint=touchpoint, status__in=CASE_FINAL_STATUSES)
        .exclude(response__comment="")
        .select_related("response")
        .order_by("-closed_at", "-id")
    )
    if since is not None:
        qs = qs.filter(closed_at__gte=since)
    return list(qs[:limit])


def touchpoint_metrics(*, org: Organization, touchpoint: Touchpoint) -> QuerySet[Metric]:
    """The metrics measured at a touchpoint: those with rollups or follow-up cases there."""
    with_rollups = Rollup.objects.for_org(org).filter(grain=Rollup.Grain.TOUCHPOINT, subject_id=touchpoint.pk)
    return (
        Metric.objects.for_org(org)
        .filter(Q(pk__in=with_rollups.values("metric_id")) | Q(follow_up_cases__touchpoint=touchpoint))
        .select_related("lever")
        .distinct()
        .order_by("code")
    )


def recent_comments(
    *, org: Organization, touchpoints: list[Touchpoint], days: int = 90, limit: int = 30
) -> list[Response]:
    """The latest responses with a comment at the given touchpoints (to pick as insight evidence)."""
    if not touchpoints:
        return []
    since = timezone.now() - dt.timedelta(days=days)
    return list(
        Response.objects.for_org(org)
        .filter(touchpoint__in=touchpoints, submitted_at__gte=since)
        .exclude(comment="")
        .select_related("metric", "touchpoint")
        .order_by("-submitted_at", "-id")[:limit]
    )


def insight_list(*, org: Organization) -> QuerySet[Insight]:
    """Insights, newest first, with journey and author joined and ``recipient_count``,
    ``evidence_count`` annotated."""
    return (
        Insight.objects.for_org(org)
        .select_related("journey", "created_by")
        .annotate(
            recipient_count=Count("recipients", distinct=True),
            evidence_count=Count("evidence", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def insights_for_user(*, org: Organization, user: User) -> QuerySet[InsightRecipient]:
    """The insights distributed to ``user``, newest first (unread ones carry ``read_at`` None)."""
    return (
        InsightRecipient.objects.for_org(org)
        .filter(user=user)
        .select_related("insight__journey", "insight__created_by")
        .order_by("-notified_at", "-id")
    )


def insight_evidence(*, org: Organization, insight: Insight) -> dict[str, list[Any]]:
    """The insight's evidence split into ``comments`` (responses), ``figures`` (rollup references,
    each with its current ``rollup`` row or None and ``subject`` name) and ``links``."""
    items = list(
        InsightEvidence.objects.for_org(org).filter(insight=insight)
        .select_related("response__touchpoint", "response__metric", "metric")
        .order_by("id")
    )
    figures = [e for e in items if e.metric_id is not None]
    if figures:
        key = Q()
        for e in figures:
            key |= Q(metric_id=e.metric_id, grain=e.grain, subject_id=e.subject_id, period=e.period,
                     period_start=e.period_start)
        rollups = {
            (r.metric_id, r.grain, r.subject_id, r.period, r.period_start): r
            for r in Rollup.objects.for_org(org).filter(key)
        }
        names: dict[tuple[str, int], str] = {}
        for grain, model in ((Rollup.Grain.TOUCHPOINT, Touchpoint), (Rollup.Grain.JOURNEY, Journey),
                             (Rollup.Grain.SEGMENT, Segment)):
            ids = {e.subject_id for e in figures if e.grain == grain}
            if ids:
                names.update({(grain, o.pk): str(o) for o in model.objects.for_org(org).filter(pk__in=ids)})
        for e in figures:
            e.rollup = rollups.get((e.metric_id, e.grain, e.subject_id, e.period, e.period_start))
            e.subject = names.get((e.grain, e.subject_id), "")
    return {
        "comments": [e for e in items if e.response_id is not None],
        "figures": figures,
        "links": [e for e in items if e.url],
    }


def insight_recipients(*, org: Organization, insight: Insight) -> list[InsightRecipient]:
    return list(
        InsightRecipient.objects.for_org(org).filter(insight=insight).select_related("user").order_by("user__email")
    )


def rollup_choices(*, org: Organization, touchpoints: list[Touchpoint], months: int = 6) -> list[Rollup]:
    """Recent monthly rollups of the given touchpoints (and of the whole organization), newest first,
    to pick as insight evidence."""
    first = month_starts(today=org_today(org=org), months=months)[0]
    subjects = Q(grain=Rollup.Grain.ORGANIZATION)
    if touchpoints:
        subjects |= Q(grain=Rollup.Grain.TOUCHPOINT, subject_id__in=[tp.pk for tp in touchpoints])
    return list(
        Rollup.objects.for_org(org)
        .filter(subjects, period=Rollup.Period.MONTH, period_start__gte=first)
        .select_related("metric")
        .order_by("-period_start", "grain", "metric__code")[:60]
    )


# --- Feedback from people: where each member may log, grants, entries, imports --------------------

def touchpoints_loggable_by(*, org: Organization, user: User) -> QuerySet[Touchpoint]:
    """Touchpoints ``user`` may record feedback on, as ONE query (never a per-row check).

    Roles whose ``feedback.log`` is not limited (admin, CX lead, integrator) get every touchpoint;
    ambassadors only those granted to them (guardian's direct-FK ``TouchpointUserObjectPermission``);
    any other role, or a non-member, none. The role and the grants are EXISTS subqueries of the
    same SQL statement, so a list of touchpoints costs one query whatever its length.
    """
    from django.db.models import Exists, OuterRef

    from cxgov.tenancy.roles import Op, Role, role_allows

    from .models import TouchpointUserObjectPermission

    unlimited = [r.value for r in Role if role_allows(r, Op.FEEDBACK_LOG) and r != Role.AMBASSADOR]
    membership = Membership.objects.filter(organization=org, user_id=user.pk)
    granted = TouchpointUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user_id=user.pk, permission__codename="log_feedback",
        permission__content_type__app_label="voc",
    )
    return (
        Touchpoint.objects.for_org(org)
        .filter(
            Q(Exists(membership.filter(role__in=unlimited)))
            | (Q(Exists(membership.filter(role=Role.AMBASSADOR))) & Q(Exists(granted)))
        )
        .select_related("journey", "stage")
        .order_by("journey__name", "journey__version", "journey_id", "stage__position", "position", "id")
    )


def touchpoint_grants(*, org: Organization) -> dict[int, set[int]]:
    """{touchpoint id: ids of the users granted ``log_feedback`` on it}, one query."""
    from .models import TouchpointUserObjectPermission

    grants: dict[int, set[int]] = {}
    rows = TouchpointUserObjectPermission.objects.filter(
        content_object__organization=org, permission__codename="log_feedback"
    ).values_list("content_object_id", "user_id")
    for touchpoint_id, user_id in rows:
        grants.setdefault(touchpoint_id, set()).add(user_id)
    return grants


def ambassador_list(*, org: Organization) -> QuerySet[User]:
    """The organization's members with the ambassador role, by name."""
    from cxgov.tenancy.roles import Role

    return User.objects.filter(
        memberships__organization=org, memberships__role=Role.AMBASSADOR, is_active=True
    ).order_by("full_name", "email")


def loggable_touchpoints_by_journey(
    *, org: Organization, user: User, since: dt.datetime
) -> list[tuple[Journey, list[Touchpoint]]]:
    """Like ``touchpoints_by_journey``, narrowed to the touchpoints ``user`` may log on. One query."""
    touchpoints = touchpoints_loggable_by(org=org, user=user).annotate(
        recent_count=Count("responses", filter=Q(responses__submitted_at__gte=since))
    )
    grouped: dict[int, tuple[Journey, list[Touchpoint]]] = {}
    for tp in touchpoints:
        grouped.setdefault(tp.journey_id, (tp.journey, []))[1].append(tp)
    return list(grouped.values())


def feedback_list(*, org: Organization) -> QuerySet[Response]:
    """Responses newest first with source, metric and touchpoint joined (for lists and the API)."""
    return (
        Response.objects.for_org(org)
        .select_related("source", "metric", "touchpoint")
        .order_by("-submitted_at", "-id")
    )


def import_job_list(*, org: Organization, limit: int = 20) -> list[Any]:
    """The latest import jobs with who uploaded them."""
    from .models import ImportJob

    return list(ImportJob.objects.for_org(org).select_related("created_by").order_by("-created_at", "-id")[:limit])


# --- Dashboards: scores of one month against the month before ---------------------------------------

@dataclass(frozen=True)
class TouchpointScoreChange:
    """One touchpoint's figure on one metric for a month, beside the month before.

    ``change`` is ``value - previous_value`` only when both months have a value with at least the
    metric's minimum n (a figure below min n is never compared); otherwise None. ``improvement`` is
    the change signed so that a positive number is always better (inverted when lower is better).
    """

    touchpoint: Touchpoint
    metric: Metric
    value: Decimal | None
    n: int
    previous_value: Decimal | None
    previous_n: int
    status: str

    @property
    def comparable(self) -> bool:
        min_n = self.metric.min_n
        return (self.value is not None and self.previous_value is not None
                and self.n >= min_n and self.previous_n >= min_n and self.n > 0 and self.previous_n > 0)

    @property
    def change(self) -> Decimal | None:
        return self.value - self.previous_value if self.comparable else None

    @property
    def improvement(self) -> Decimal | None:
        change = self.change
        if change is None:
            return None
        return change if self.metric.higher_is_better else -change

    @property
    def label(self) -> str:
        return metric_short_label(self.metric)

    @property
    def display(self) -> str:
        return format_value(method=self.metric.method, value=self.value, unit=self.metric.unit)

    @property
    def previous_display(self) -> str:
        return format_value(method=self.metric.method, value=self.previous_value, unit=self.metric.unit)

    @property
    def target_display(self) -> str:
        return format_value(method=self.metric.method, value=self.metric.target, unit=self.metric.unit)


def previous_month_start(day: dt.date) -> dt.date:
    """The first day of the calendar month before the one ``day`` falls in."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def touchpoint_score_changes(
    *,
    org: Organization,
    period_start: dt.date,
    journey: Journey | None = None,
    segment: Segment | None = None,
    moments_only: bool = False,
    kinds: tuple[str, ...] = MAP_KINDS,
) -> list[TouchpointScoreChange]:
    """Per touchpoint and metric, the monthly rollup of the month starting ``period_start`` beside
    the month before (``TouchpointScoreChange``), read from the touchpoint rollups only.

    - ``period_start``: the first day of a calendar month (any day is brought back to the 1st).
    - ``journey`` / ``segment``: only the touchpoints of that journey / of that segment's journeys.
    - ``moments_only``: only touchpoints flagged as moments of truth.
    - ``kinds``: metric kinds to include (default NPS, CSAT, CES; active metrics only).

    A row exists for every (touchpoint, metric) with a rollup in either month; ``value``/``n`` are
    None/0 when the month has none. Rows come in map order (journey, position); sort them by
    ``change`` or ``improvement`` (None when not comparable: missing or below the metric's min n)
    to rank drops or gains. Two queries whatever the number of touchpoints or responses.
    """
    current = period_start.replace(day=1)
    previous = previous_month_start(current)
    touchpoints_qs = Touchpoint.objects.for_org(org)
    if journey is not None:
        touchpoints_qs = touchpoints_qs.filter(journey=journey)
    if segment is not None:
        touchpoints_qs = touchpoints_qs.filter(journey__segment=segment)
    if moments_only:
        touchpoints_qs = touchpoints_qs.filter(is_moment_of_truth=True)
    rollups = (
        Rollup.objects.for_org(org)
        .filter(grain=Rollup.Grain.TOUCHPOINT, period=Rollup.Period.MONTH, period_start__in=[current, previous],
                subject_id__in=touchpoints_qs.values("pk"), metric__kind__in=kinds, metric__is_active=True)
        .select_related("metric")
    )
    pairs: dict[tuple[int, int], dict[dt.date, Rollup]] = {}
    metrics: dict[int, Metric] = {}
    for rollup in rollups:
        pairs.setdefault((rollup.subject_id, rollup.metric_id), {})[rollup.period_start] = rollup
        metrics[rollup.metric_id] = rollup.metric
    if not pairs:
        return []
    # A subquery rather than an IN list of ids: the SQL stays the same size for any number of touchpoints.
    touchpoints = {
        tp.pk: tp
        for tp in touchpoints_qs.filter(pk__in=rollups.values("subject_id")).select_related("journey", "stage")
    }
    kind_order = {kind: i for i, kind in enumerate(kinds)}
    rows = []
    for (tp_id, metric_id), by_month in pairs.items():
        touchpoint = touchpoints.get(tp_id)
        if touchpoint is None:
            continue
        metric = metrics[metric_id]
        now, before = by_month.get(current), by_month.get(previous)
        rows.append(TouchpointScoreChange(
            touchpoint=touchpoint, metric=metric,
            value=now.value if now else None, n=now.n if now else 0,
            previous_value=before.value if before else None, previous_n=before.n if before else 0,
            status=rollup_status(now, metric) if now else Status.NO_DATA,
        ))
    rows.sort(key=lambda r: (r.touchpoint.journey.name, r.touchpoint.journey_id, r.touchpoint.position,
                             r.touchpoint.pk, kind_order.get(r.metric.kind, 99), r.metric.code))
    return rows


def headline_metrics(*, org: Organization, kinds: tuple[str, ...] = MAP_KINDS) -> list[Metric]:
    """The active metrics of the given kinds (default NPS, CSAT, CES), in that kind order then by
    code: the programme's headline KPIs. One query."""
    order = {kind: i for i, kind in enumerate(kinds)}
    metrics = list(Metric.objects.for_org(org).filter(kind__in=kinds, is_active=True).order_by("code"))
    return sorted(metrics, key=lambda m: (order[m.kind], m.code))


def rollup_subject(*, journey: Journey | None = None, segment: Segment | None = None) -> tuple[str, int]:
    """The (grain, subject id) whose rollups describe a journey, else a segment, else the whole
    organization."""
    if journey is not None:
        return Rollup.Grain.JOURNEY, journey.pk
    if segment is not None:
        return Rollup.Grain.SEGMENT, segment.pk
    return Rollup.Grain.ORGANIZATION, 0


def metric_monthly_series(
    *, org: Organization, metrics: list[Metric], grain: str, subject_id: int, first: dt.date, last: dt.date
) -> dict[int, dict[dt.date, Rollup]]:
    """{metric id: {month start: Rollup}} of the monthly rollups of ``metrics`` for one subject
    (``grain`` / ``subject_id``, see ``rollup_subject``) whose month starts within [first, last].
    One query whatever the number of months or responses."""
    if not metrics:
        return {}
    rows = Rollup.objects.for_org(org).filter(
        metric_id__in=[m.pk for m in metrics], grain=grain, subject_id=subject_id, period=Rollup.Period.MONTH,
        period_start__gte=first, period_start__lte=last,
    )
    result: dict[int, dict[dt.date, Rollup]] = {m.pk: {} for m in metrics}
    for rollup in rows:
        result[rollup.metric_id][rollup.period_start] = rollup
    return result


def rollup_volume_by_month(
    *, org: Organization, grain: str, subject_id: int, first: dt.date, last: dt.date
) -> dict[dt.date, int]:
    """{month start: responses} for one subject from its monthly rollups (every response counts
    once, under its metric), months within [first, last]. Rollups only: never counts responses."""
    rows = (
        Rollup.objects.for_org(org)
        .filter(grain=grain, subject_id=subject_id, period=Rollup.Period.MONTH,
                period_start__gte=first, period_start__lte=last)
        .values("period_start").annotate(total=Sum("n")).order_by()
    )
    return {row["period_start"]: row["total"] or 0 for row in rows}


def dashboard_filter_choices(*, org: Organization) -> dict[str, list[Any]]:
    """Journeys (segment joined) and segments offered by the dashboards' filter forms. Two queries."""
    return {
        "journeys": list(Journey.objects.for_org(org).select_related("segment").order_by("name", "version")),
        "segments": list(Segment.objects.for_org(org).order_by("name")),
    }


# --- Dashboards: the CX lead's and the ambassador's home ------------------------------------------

def case_age_counts(*, org: Organization, today: dt.date | None = None) -> dict[str, Any]:
    """Unfinished follow-up cases by age (whole local days since opened, ``CASE_AGE_BUCKETS``) and
    status, as the case list filters them: ``buckets`` (rows of ``age``, the bucket code of the
    list's ``age`` filter, ``open``, ``contacted`` and ``total``), ``overdue`` and ``total``.

    One aggregate query over the organization's open and contacted cases (the (organization,
    status, due date) index bounds it to them), whatever the number of cases closed before.
    """
    today = today or org_today(org=org)
    aggregates: dict[str, Count] = {"overdue": Count("id", filter=Q(due_date__lt=today)), "total": Count("id")}
    for i, (code, _low, _high) in enumerate(CASE_AGE_BUCKETS):
        age_q = case_age_q(org=org, age=code, today=today)
        for status in CASE_OPEN_STATUSES:
            aggregates[f"b{i}_{status}"] = Count("id", filter=age_q & Q(status=status))
    counts = FollowUpCase.objects.for_org(org).filter(status__in=CASE_OPEN_STATUSES).aggregate(**aggregates)
    buckets = []
    for i, (code, _low, _high) in enumerate(CASE_AGE_BUCKETS):
        by_status = {status: counts[f"b{i}_{status}"] for status in CASE_OPEN_STATUSES}
        buckets.append({"age": code, "open": by_status[FollowUpCase.Status.OPEN],
                        "contacted": by_status[FollowUpCase.Status.CONTACTED], "total": sum(by_status.values())})
    return {"buckets": buckets, "overdue": counts["overdue"], "total": counts["total"]}


def response_volume_by_source(*, org: Organization, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """Responses submitted in [``since``, ``until``) per data source, busiest first: rows of
    ``source_id``, ``name``, ``kind``, ``n`` and ``percent`` (of the busiest source, for a bar).

    Rollups carry no source, so this is one GROUP BY over the period's responses, found through the
    (organization, submitted_at) index: it costs one query whose work grows with the responses of the
    period, never with the organization's history. Sources silent in the period are left out.
    """
    rows = list(
        Response.objects.for_org(org)
        .filter(submitted_at__gte=since, submitted_at__lt=until)
        .values("source_id", "source__name", "source__kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows.sort(key=lambda r: (-r["n"], r["source__name"]))
    peak = max((r["n"] for r in rows), default=0) or 1
    return [
        {"source_id": r["source_id"], "name": r["source__name"], "kind": r["source__kind"], "n": r["n"],
         "percent": round(r["n"] * 100 / peak)}
        for r in rows
    ]


def touchpoint_month_counts(*, org: Organization, touchpoint_ids: list[int], period_start: dt.date) -> dict[int, int]:
    """{touchpoint id: responses of the month starting ``period_start``} from the monthly touchpoint
    rollups (each response is counted once, under its metric). One query; touchpoints without a
    rollup that month are absent."""
    if not touchpoint_ids:
        return {}
    rows = (
        Rollup.objects.for_org(org)
        .filter(grain=Rollup.Grain.TOUCHPOINT, period=Rollup.Period.MONTH, period_start=period_start,
                subject_id__in=touchpoint_ids)
        .values("subject_id")
        .annotate(n=Sum("n"))
        .order_by()
    )
    return {row["subject_id"]: row["n"] for row in rows}
