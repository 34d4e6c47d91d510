"""Reads of the CX PMO for one organization: the portfolio (list, board, timeline), one initiative
with everything on it, who may edit what, the risk heat map, the budget roll-ups the programme
charter reads, KPI values from VoC rollups, and what the daily reminders are about.

Every list here runs a fixed number of queries whatever the number of initiatives: related rows are
joined or prefetched, per-row facts (last report, overdue work) are subqueries of the one query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cem_levers.models import Lever
from cxgov.tenancy.models import Membership, Organization, User
from cxgov.tenancy.roles import Op, Role, role_allows
from voc.models import Journey, Rollup, Touchpoint

from .models import (
    HIGH_EXPOSURE,
    Initiative,
    InitiativeKpi,
    InitiativeUserObjectPermission,
    Milestone,
    Risk,
    StatusReport,
)

S = Initiative.Status
OPEN_STATUSES = (S.PLANNED, S.IN_PROGRESS, S.ON_HOLD)
ACTIVE_RISK_STATUSES = (Risk.Status.OPEN, Risk.Status.MITIGATING, Risk.Status.OCCURRED)
EDIT_PERMISSION = "edit_initiative"


# --- who may edit --------------------------------------------------------------------------------

def _role(org: Organization, user: User) -> str | None:
    return Membership.objects.filter(organization=org, user=user).values_list("role", flat=True).first()


def initiative_can_edit(*, org: Organization, user: User, initiative: Initiative, role: str | None = None) -> bool:
    """May ``user`` edit ``initiative`` (its fields, schedule, risks, KPIs, status reports)?

    Yes with the role operation ``programme.manage``, or with the guardian grant
    ``initiatives.edit_initiative`` on this initiative (team members and the owner). Executives
    read and never edit, even with a stale grant. ``role`` saves a query when the caller knows it.
    """
    if initiative.organization_id != org.pk or not user.is_authenticated:
        return False
    role = role if role is not None else _role(org, user)
    if role is None or role == Role.EXECUTIVE:
        return False
    if role_allows(role, Op.PROGRAMME_MANAGE):
        return True
    return InitiativeUserObjectPermission.objects.filter(
        content_object_id=initiative.pk, user_id=user.pk, permission__codename=EDIT_PERMISSION,
    ).exists()


class Everything(frozenset):
    """The ids a user with ``programme.manage`` may edit: all of them (``in`` is always true)."""

    def __contains__(self, item: object) -> bool:
        return True

    def __bool__(self) -> bool:
        return True


def initiative_ids_editable(*, org: Organization, user: User, role: str | None = None) -> frozenset[int]:
    """The ids of the initiatives ``user`` may edit, for lists: one query, never a check per row."""
    role = role if role is not None else _role(org, user)
    if role is None or role == Role.EXECUTIVE:
        return frozenset()
    if role_allows(role, Op.PROGRAMME_MANAGE):
        return Everything()
    return frozenset(
        InitiativeUserObjectPermission.objects.filter(
            user_id=user.pk, permission__codename=EDIT_PERMISSION, content_object__organization=org,
        ).values_list("content_object_id", flat=True)
    )


# --- the portfolio -------------------------------------------------------------------------------

def last_report_on_subquery(org: Organization) -> Subquery:
    reports = StatusReport.objects.filter(organization=org, initiative=OuterRef("pk")).order_by("-reported_on", "-id")
    return Subquery(reports.values("reported_on")[:1])


def _overdue_milestones(org: Organization, today: dt.date) -> Subquery:
    overdue = (
        Milestone.objects.filter(organization=org, initiative=OuterRef("pk"), done_at__isnull=True, due_date__lt=today)
        .order_by().values("initiative").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(overdue, output_field=IntegerField()), 0)


def initiative_list(
    *, org: Organization, status: str | None = None, today: dt.date | None = None
) -> QuerySet[Initiative]:
    """The portfolio: owner joined, levers (``lever_list``) and journeys (``journey_list``) prefetched,
    ``last_report_on`` and ``overdue_milestones`` annotated; ordered by priority and due date.

    Three queries whatever the number of rows. ``report_stale``/``is_overdue`` helpers read the
    annotations (see ``portfolio_flags``).
    """
    today = today or timezone.localdate()
    levers = Lever.objects.for_org(org).order_by("position", "id")
    journeys = Journey.objects.for_org(org).order_by("name")
    qs = (
        Initiative.objects.for_org(org)
        .select_related("owner")
        .prefetch_related(
            Prefetch("levers", queryset=levers, to_attr="lever_list"),
            Prefetch("journeys", queryset=journeys, to_attr="journey_list"),
        )
        .annotate(last_report_on=last_report_on_subquery(org), overdue_milestones=_overdue_milestones(org, today))
        .order_by("-priority", "due_date", "id")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def report_is_stale(*, status: str, last_report_on: dt.date | None, created_on: dt.date, every_days: int,
                    today: dt.date) -> bool:
    """An open initiative (planned, in progress, on hold) is stale when its last status report — or,
    with none yet, its creation — is more than ``every_days`` days ago. Ideas and closed ones never are."""
    if status not in OPEN_STATUSES:
        return False
    since = last_report_on or created_on
    return (today - since).days > every_days


def initiative_is_overdue(*, status: str, due_date: dt.date | None, today: dt.date) -> bool:
    """Not done or cancelled and past its due date (due today is not overdue yet)."""
    return status not in (S.DONE, S.CANCELLED) and due_date is not None and due_date < today


def portfolio_flags(initiatives: list[Initiative], *, today: dt.date | None = None) -> list[Initiative]:
    """Set ``is_overdue``, ``report_stale`` and ``has_overdue_work`` on initiatives read with
    ``initiative_list`` (from its annotations; no query)."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    for initiative in initiatives:
        created_on = timezone.localtime(initiative.created_at, tz).date() if initiative.created_at else today
        initiative.is_overdue = initiative_is_overdue(
            status=initiative.status, due_date=initiative.due_date, today=today
        )
        initiative.report_stale = report_is_stale(
            status=initiative.status, last_report_on=getattr(initiative, "last_report_on", None),
            created_on=created_on, every_days=initiative.report_every_days, today=today,
        )
        initiative.has_overdue_work = (
            getattr(initiative, "overdue_milestones", 0) > 0 and initiative.status not in (S.DONE, S.CANCELLED)
        )
    return initiatives


@dataclass
class BoardColumn:
    status: str
    label: str
    cards: list[Initiative] = field(default_factory=list)


def initiative_board(*, org: Organization, today: dt.date | None = None) -> list[BoardColumn]:
    """The board: one column per status, in the lifecycle order, cards by priority then due date."""
    columns = {value: BoardColumn(status=value, label=label) for value, label in Initiative.Status.choices}
    for initiative in portfolio_flags(list(initiative_list(org=org, today=today)), today=today):
        columns[initiative.status].cards.append(initiative)
    return list(columns.values())


def initiative_detail_queryset(*, org: Organization) -> QuerySet[Initiative]:
    """Initiatives ready for the detail page: every related list prefetched, each in one query."""
    touchpoints = Touchpoint.objects.for_org(org).select_related("journey").order_by("journey__name", "position")
    dependencies = Milestone.objects.for_org(org).only("pk", "title", "done_at", "initiative_id").order_by("pk")
    milestones = (
        Milestone.objects.for_org(org).select_related("assignee")
        .prefetch_related(Prefetch("depends_on", queryset=dependencies, to_attr="dependency_list"))
        .order_by(Coalesce("start_date", "due_date").asc(nulls_last=True), "position", "id")
    )
    reports = StatusReport.objects.for_org(org).select_related("author").order_by("-reported_on", "-id")
    return (
        Initiative.objects.for_org(org)
        .select_related("owner", "sponsor_body", "origin_root_cause", "origin_touchpoint")
        .prefetch_related(
            Prefetch("levers", queryset=Lever.objects.for_org(org).order_by("position", "id"), to_attr="lever_list"),
            Prefetch("journeys", queryset=Journey.objects.for_org(org).order_by("name"), to_attr="journey_list"),
            Prefetch("touchpoints", queryset=touchpoints, to_attr="touchpoint_list"),
            Prefetch("milestones", queryset=milestones, to_attr="milestone_list"),
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
            Prefetch("status_reports", queryset=reports, to_attr="report_list"),
            Prefetch("team", queryset=User.objects.order_by("full_name", "email"), to_attr="team_list"),
        )
    )


def member_choices(*, org: Organization) -> QuerySet[User]:
    """Users who are members of ``org``: the people an owner, assignee or team member may be."""
    return User.objects.filter(memberships__organization=org, is_active=True).order_by("full_name", "email")


# --- schedule ------------------------------------------------------------------------------------

def milestones_overdue(*, org: Organization, today: dt.date | None = None) -> list[Milestone]:
    """Open milestones past their due date, of initiatives neither done nor cancelled (owner joined)."""
    today = today or timezone.localdate()
    return list(
        Milestone.objects.for_org(org)
        .filter(done_at__isnull=True, due_date__lt=today)
        .exclude(initiative__status__in=[S.DONE, S.CANCELLED])
        .select_related("initiative__owner", "assignee")
        .order_by("due_date", "id")
    )


def initiatives_stale(*, org: Organization, today: dt.date | None = None) -> list[Initiative]:
    """Open initiatives with no status report within their cadence (owner joined)."""
    today = today or timezone.localdate()
    rows = list(
        Initiative.objects.for_org(org).filter(status__in=OPEN_STATUSES).select_related("owner")
        .annotate(last_report_on=last_report_on_subquery(org)).order_by("id")
    )
    return [i for i in portfolio_flags(rows, today=today) if i.report_stale]


def timeline_portfolio(*, org: Organization, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Rows for the portfolio Gantt: each initiative with dates (not cancelled) as a bar, in board
    order. Two queries."""
    today = today or timezone.localdate()
    rows = []
    qs = (
        Initiative.objects.for_org(org).exclude(status=S.CANCELLED)
        .filter(Q(start_date__isnull=False) | Q(due_date__isnull=False))
        .annotate(overdue_milestones=_overdue_milestones(org, today))
        .order_by("start_date", "due_date", "id")
    )
    for initiative in qs:
        rows.append({
            "id": initiative.pk, "label": initiative.title, "start": initiative.start_date,
            "end": initiative.due_date, "status": initiative.status, "status_label": initiative.get_status_display(),
            "health": initiative.health,
            "overdue": initiative_is_overdue(status=initiative.status, due_date=initiative.due_date, today=today)
            or initiative.overdue_milestones > 0,
            "done": initiative.status == S.DONE,
        })
    return rows


def timeline_initiative(*, initiative: Initiative, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Rows for one initiative's Gantt, from its prefetched ``milestone_list``."""
    today = today or timezone.localdate()
    return [
        {
            "id": m.pk, "label": m.title, "start": m.start_date, "end": m.due_date, "kind": m.kind,
            "done": m.done_at is not None, "overdue": m.is_overdue(today),
        }
        for m in initiative.milestone_list
        if m.start_date or m.due_date
    ]


# --- risks ---------------------------------------------------------------------------------------

def risks_high(*, org: Organization) -> list[Risk]:
    """Risks still alive (open, mitigating or occurred) with exposure ≥ HIGH_EXPOSURE, of
    initiatives not closed; owners joined."""
    return [
        risk for risk in
        Risk.objects.for_org(org).filter(status__in=ACTIVE_RISK_STATUSES)
        .exclude(initiative__status__in=[S.DONE, S.CANCELLED])
        .select_related("owner", "initiative__owner").order_by("id")
        if risk.exposure >= HIGH_EXPOSURE
    ]


def risk_counts(*, org: Organization) -> dict[tuple[int, int], int]:
    """{(probability, impact): count} of live risks of initiatives not closed. One grouped query."""
    rows = (
        Risk.objects.for_org(org).filter(status__in=ACTIVE_RISK_STATUSES)
        .exclude(initiative__status__in=[S.DONE, S.CANCELLED])
        .values("probability", "impact").annotate(n=Count("id")).order_by()
    )
    return {(row["probability"], row["impact"]): row["n"] for row in rows}


def risk_list(*, org: Organization, probability: int | None = None, impact: int | None = None) -> QuerySet[Risk]:
    """Live risks of the portfolio (optionally one heat-map cell), most exposed first."""
    qs = (
        Risk.objects.for_org(org).filter(status__in=ACTIVE_RISK_STATUSES)
        .exclude(initiative__status__in=[S.DONE, S.CANCELLED])
        .select_related("owner", "initiative").order_by("-probability", "-impact", "initiative__title", "id")
    )
    if probability:
        qs = qs.filter(probability=probability)
    if impact:
        qs = qs.filter(impact=impact)
    return qs


# --- budget and value ----------------------------------------------------------------------------

def _budget_rows(org: Organization) -> list[dict[str, Any]]:
    return list(
        Initiative.objects.for_org(org)
        .values(
            "id", "status", "planned_cost", "actual_cost", "expected_benefit", "start_date", "due_date", "created_at"
        )
        .order_by("id")
    )


def _year(row: dict[str, Any]) -> int:
    day = row["start_date"] or row["due_date"]
    if day is None:
        day = timezone.localtime(row["created_at"]).date()
    return day.year


def _add(total: dict[str, Any], row: dict[str, Any], share: Decimal = Decimal(1)) -> None:
    cancelled = row["status"] == S.CANCELLED
    total["initiatives"] += 1
    if not cancelled:
        total["planned"] += row["planned_cost"] * share
        total["benefit"] += row["expected_benefit"] * share
    total["actual"] += row["actual_cost"] * share


def _empty_total(**extra: Any) -> dict[str, Any]:
    return {**extra, "initiatives": 0, "planned": Decimal(0), "actual": Decimal(0), "benefit": Decimal(0)}


def _finish(total: dict[str, Any]) -> dict[str, Any]:
    for key in ("planned", "actual", "benefit"):
        total[key] = Decimal(total[key]).quantize(Decimal("0.01"))
    total["roi"] = None if not total["actual"] else (total["benefit"] - total["actual"]) / total["actual"]
    total["roi_percent"] = None if total["roi"] is None else (total["roi"] * 100).quantize(Decimal("0.1"))
    return total


def budget_by_year(*, org: Organization) -> list[dict[str, Any]]:
    """The portfolio's money per year, oldest first: ``{"year", "initiatives", "planned", "actual",
    "benefit", "roi"}``. The programme charter (governance) reads this.

    An initiative counts in the year of its start date (else its due date, else its creation).
    Cancelled initiatives keep their actual cost (money spent is spent) but add no planned cost or
    expected benefit. ``roi`` is (benefit − actual) / actual, None when nothing is spent. One query.
    """
    years: dict[int, dict[str, Any]] = {}
    for row in _budget_rows(org):
        year = _year(row)
        _add(years.setdefault(year, _empty_total(year=year)), row)
    return [_finish(years[y]) for y in sorted(years)]


def budget_by_lever(*, org: Organization, year: int | None = None) -> list[dict[str, Any]]:
    """The portfolio's money per lever (optionally for one ``year``, as ``budget_by_year`` counts
    years), in the framework's lever order: ``{"lever" (Lever or None), "initiatives", "planned",
    "actual", "benefit", "roi"}``.

    An initiative that moves several levers is split evenly between them, so the rows add up to the
    portfolio total; initiatives with no lever are in a last row with ``lever`` None (omitted when
    empty). Same cancelled rule as ``budget_by_year``. Three queries.
    """
    rows = {row["id"]: row for row in _budget_rows(org) if year is None or _year(row) == year}
    through = Initiative.levers.through
    links: dict[int, list[int]] = defaultdict(list)
    for initiative_id, lever_id in through.objects.filter(initiative__organization=org).values_list(
        "initiative_id", "lever_id"
    ).order_by("initiative_id", "lever_id"):
        links[initiative_id].append(lever_id)
    levers = list(Lever.objects.for_org(org).order_by("position", "id"))
    totals = {lever.pk: _empty_total(lever=lever) for lever in levers}
    unassigned = _empty_total(lever=None)
    for initiative_id, row in rows.items():
        lever_ids = [lid for lid in links.get(initiative_id, []) if lid in totals]
        if not lever_ids:
            _add(unassigned, row)
            continue
        share = Decimal(1) / Decimal(len(lever_ids))
        for lever_id in lever_ids:
            _add(totals[lever_id], row, share)
    result = [_finish(totals[lever.pk]) for lever in levers]
    if unassigned["initiatives"]:
        result.append(_finish(unassigned))
    return result


# --- KPIs from VoC rollups -----------------------------------------------------------------------

@dataclass(frozen=True)
class KpiPoint:
    month: dt.date
    value: Decimal
    n: int


@dataclass
class KpiValues:
    """A KPI's monthly series (n-weighted over its touchpoints), the latest month, and the n-weighted
    value before and after the initiative's start month (None when there is no data on that side)."""

    grain: str
    series: list[KpiPoint]
    current: KpiPoint | None
    before: KpiPoint | None
    after: KpiPoint | None

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after.value - self.before.value


def weighted_monthly(rows: list[tuple[dt.date, Decimal | None, int]]) -> list[KpiPoint]:
    """(month, value, n) rows of several subjects → one n-weighted value per month:
    Σ(value·n) / Σn over the rows with a value and n > 0, with n = Σn. Pure; oldest first."""
    sums: dict[dt.date, list[Decimal]] = {}
    for month, value, n in rows:
        if value is None or not n:
            continue
        acc = sums.setdefault(month, [Decimal(0), Decimal(0)])
        acc[0] += Decimal(value) * n
        acc[1] += n
    return [KpiPoint(month=m, value=(s / w), n=int(w)) for m, (s, w) in sorted(sums.items())]


def _pool(points: list[KpiPoint]) -> KpiPoint | None:
    total = sum(p.n for p in points)
    if not total:
        return None
    value = sum((p.value * p.n for p in points), Decimal(0)) / total
    return KpiPoint(month=points[-1].month, value=value, n=total)


def before_after(series: list[KpiPoint], start: dt.date | None) -> tuple[KpiPoint | None, KpiPoint | None]:
    """The n-weighted value of the months before the start month and of the months from it on
    (``month`` of each result is the last month pooled). No start date: (None, None). Pure."""
    if start is None:
        return None, None
    start_month = start.replace(day=1)
    return (_pool([p for p in series if p.month < start_month]),
            _pool([p for p in series if p.month >= start_month]))


def kpi_values(*, org: Organization, kpis: list[InitiativeKpi], touchpoint_ids: dict[int, list[int]],
               months: int = 24, today: dt.date | None = None) -> dict[int, KpiValues]:
    """Values of ``kpis`` from the monthly VoC rollups of the last ``months`` months.

    ``touchpoint_ids`` maps each initiative id to the touchpoints it affects; a KPI of an initiative
    with touchpoints reads their touchpoint rollups, n-weighted; one without reads the organization
    rollup. Two queries whatever the number of KPIs.
    """
    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = dt.date(index // 12, index % 12 + 1, 1)
    by_metric_tp: dict[tuple[int, int], list[tuple[dt.date, Decimal | None, int]]] = defaultdict(list)
    by_metric_org: dict[int, list[tuple[dt.date, Decimal | None, int]]] = defaultdict(list)
    tp_metrics = {k.metric_id for k in kpis if touchpoint_ids.get(k.initiative_id)}
    org_metrics = {k.metric_id for k in kpis if not touchpoint_ids.get(k.initiative_id)}
    all_tps = {tp for k in kpis for tp in touchpoint_ids.get(k.initiative_id, [])}
    base = Rollup.objects.for_org(org).filter(period=Rollup.Period.MONTH, period_start__gte=first)
    if tp_metrics and all_tps:
        for metric_id, subject_id, month, value, n in base.filter(
            grain=Rollup.Grain.TOUCHPOINT, metric_id__in=tp_metrics, subject_id__in=all_tps,
        ).values_list("metric_id", "subject_id", "period_start", "value", "n"):
            by_metric_tp[(metric_id, subject_id)].append((month, value, n))
    if org_metrics:
        for metric_id, month, value, n in base.filter(
            grain=Rollup.Grain.ORGANIZATION, subject_id=0, metric_id__in=org_metrics,
        ).values_list("metric_id", "period_start", "value", "n"):
            by_metric_org[metric_id].append((month, value, n))
    result = {}
    for kpi in kpis:
        tps = touchpoint_ids.get(kpi.initiative_id, [])
        if tps:
            rows = [row for tp in tps for row in by_metric_tp.get((kpi.metric_id, tp), [])]
            grain = Rollup.Grain.TOUCHPOINT
        else:
            rows = by_metric_org.get(kpi.metric_id, [])
            grain = Rollup.Grain.ORGANIZATION
        series = weighted_monthly(rows)
        before, after = before_after(series, kpi.initiative.start_date)
        result[kpi.pk] = KpiValues(grain=grain, series=series, current=series[-1] if series else None,
                                   before=before, after=after)
    return result


def kpi_list_with_values(*, org: Organization, kpis: list[InitiativeKpi]) -> list[InitiativeKpi]:
    """Set ``values`` (KpiValues) on each KPI; its initiative must be joined. Three queries."""
    initiative_ids = {k.initiative_id for k in kpis}
    through = Initiative.touchpoints.through
    touchpoint_ids: dict[int, list[int]] = defaultdict(list)
    if initiative_ids:
        for initiative_id, tp_id in through.objects.filter(initiative_id__in=initiative_ids).values_list(
            "initiative_id", "touchpoint_id"
        ):
            touchpoint_ids[initiative_id].append(tp_id)
    values = kpi_values(org=org, kpis=kpis, touchpoint_ids=touchpoint_ids)
    for kpi in kpis:
        kpi.values = values[kpi.pk]
    return kpis


# --- summary for dashboards ----------------------------------------------------------------------

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
    health_rows = list(base.filter(status__in=OPEN_STATUSES).values("health").annotate(n=Count("id")).order_by())
    total = sum(r["n"] for r in status_rows)
    return {
        "total": total,
        "open": sum(r["n"] for r in health_rows),
        "by_status": _counts(status_rows, "status", Initiative.Status.choices),
        "by_health": _counts(health_rows, "health", Initiative.Health.choices),
    }


__all__ = [
    "Everything", "KpiPoint", "KpiValues", "BoardColumn",
    "initiative_can_edit", "initiative_ids_editable", "last_report_on_subquery", "initiative_list", "portfolio_flags",
    "initiative_board",
    "initiative_detail_queryset", "member_choices", "milestones_overdue", "initiatives_stale",
    "timeline_portfolio", "timeline_initiative", "risks_high", "risk_counts", "risk_list",
    "budget_by_year", "budget_by_lever", "weighted_monthly", "before_after", "kpi_values",
    "kpi_list_with_values", "initiative_summary", "report_is_stale", "initiative_is_overdue",
]


# --- executive dashboard and report ---------------------------------------------------------------

def _portfolio_scope(org: Organization, journey: Journey | None, segment: Any | None) -> QuerySet[Initiative]:
    """The organization's initiatives, narrowed to those linked to ``journey`` / to a journey of
    ``segment`` (a subquery, so no duplicates and no IN list)."""
    qs = Initiative.objects.for_org(org)
    through = Initiative.journeys.through
    if journey is not None:
        qs = qs.filter(pk__in=through.objects.filter(journey_id=journey.pk).values("initiative_id"))
    if segment is not None:
        qs = qs.filter(pk__in=through.objects.filter(journey__segment_id=segment.pk).values("initiative_id"))
    return qs


def portfolio_health(
    *, org: Organization, journey: Journey | None = None, segment: Any | None = None, wins_limit: int = 6
) -> dict[str, Any]:
    """The portfolio at a glance for the executive dashboard, optionally narrowed to the initiatives
    linked to a journey or to a segment's journeys. Two queries whatever the number of initiatives.

    Returns ``total``, ``open`` (planned, in progress, on hold), ``by_status`` and ``by_health``
    (open initiatives only) like ``initiative_summary`` (every choice, ``n``, ``percent``),
    ``planned`` (planned cost, cancelled excluded) and ``actual`` (spent, cancelled included: money
    spent is spent), ``spent_percent`` (None when nothing is planned), ``wins_delivered`` (count of
    short-term wins done) and ``wins`` (the latest ``wins_limit`` of them, newest first).
    """
    from django.db.models import Sum

    base = _portfolio_scope(org, journey, segment)
    rows = list(
        base.values("status", "health")
        .annotate(n=Count("id"), planned=Sum("planned_cost"), actual=Sum("actual_cost"),
                  wins=Count("id", filter=Q(short_term_win=True)))
        .order_by()
    )
    status_rows: dict[str, int] = defaultdict(int)
    health_rows: dict[str, int] = defaultdict(int)
    planned = actual = Decimal(0)
    wins_delivered = 0
    for row in rows:
        status_rows[row["status"]] += row["n"]
        if row["status"] in OPEN_STATUSES:
            health_rows[row["health"]] += row["n"]
        if row["status"] != S.CANCELLED:
            planned += row["planned"] or 0
        actual += row["actual"] or 0
        if row["status"] == S.DONE:
            wins_delivered += row["wins"]
    wins = list(
        base.filter(status=S.DONE, short_term_win=True).select_related("owner")
        .order_by("-completed_at", "-id")[:wins_limit]
    )
    total = sum(status_rows.values())
    return {
        "total": total,
        "open": sum(health_rows.values()),
        "by_status": _counts([{"status": k, "n": v} for k, v in status_rows.items()], "status", S.choices),
        "by_health": _counts([{"health": k, "n": v} for k, v in health_rows.items()], "health",
                             Initiative.Health.choices),
        "planned": planned.quantize(Decimal("0.01")),
        "actual": actual.quantize(Decimal("0.01")),
        "spent_percent": None if not planned else (actual * 100 / planned).quantize(Decimal("0.1")),
        "wins_delivered": wins_delivered,
        "wins": wins,
    }


def risks_top(
    *, org: Organization, limit: int = 5, journey: Journey | None = None, segment: Any | None = None
) -> list[Risk]:
    """The ``limit`` most exposed live risks (open, mitigating, occurred) of initiatives not closed,
    exposure (probability × impact) first, then probability; initiative and owner joined. One query."""
    from django.db.models import F

    scope = _portfolio_scope(org, journey, segment).exclude(status__in=[S.DONE, S.CANCELLED])
    return list(
        Risk.objects.for_org(org)
        .filter(status__in=ACTIVE_RISK_STATUSES, initiative__in=scope.values("pk"))
        .annotate(exposure_score=F("probability") * F("impact"))
        .select_related("initiative", "owner")
        .order_by("-exposure_score", "-probability", "initiative__title", "id")[:limit]
    )


def initiatives_moved(
    *, org: Organization, since: dt.datetime, until: dt.datetime, journey: Journey | None = None,
    segment: Any | None = None,
) -> dict[str, list[Initiative]]:
    """Initiatives ``completed`` (status done, completed within [since, until)) and ``started``
    (start date within those days, not cancelled) in a period, for the monthly report. One query."""
    tz = timezone.get_current_timezone() if since.tzinfo is None else since.tzinfo
    first_day = since.astimezone(tz).date()
    last_day = (until.astimezone(tz) - dt.timedelta(microseconds=1)).date()
    completed = Q(status=S.DONE, completed_at__gte=since, completed_at__lt=until)
    started = Q(start_date__gte=first_day, start_date__lte=last_day) & ~Q(status=S.CANCELLED)
    rows = list(
        _portfolio_scope(org, journey, segment).filter(completed | started)
        .select_related("owner").order_by("title", "id")
    )
    return {
        "completed": [i for i in rows if i.status == S.DONE and i.completed_at and since <= i.completed_at < until],
        "started": [i for i in rows if i.start_date and first_day <= i.start_date <= last_day
                    and i.status != S.CANCELLED],
    }


# --- the CX lead's dashboard ---------------------------------------------------------------------

HEALTH_SEVERITY = {Initiative.Health.RED: 0, Initiative.Health.AMBER: 1, Initiative.Health.GREEN: 2}


def initiatives_of_member(
    *, org: Organization, user: User, today: dt.date | None = None, limit: int = 20
) -> dict[str, Any]:
    """The initiatives ``user`` owns or is a team member of, neither done nor cancelled.

    ``rows``: at most ``limit``, worst health first, then priority and due date, with
    ``last_report_on`` and ``overdue_milestones`` annotated and the ``portfolio_flags`` set;
    ``total`` and ``by_health`` (every health in order, zero included, with ``n`` and ``percent``)
    count them all. Two queries whatever the number of initiatives.
    """
    from django.db.models import Case, F, Value, When

    today = today or timezone.localdate()
    teams = Initiative.team.through.objects.filter(user_id=user.pk).values("initiative_id")
    mine = (
        Initiative.objects.for_org(org)
        .filter(Q(owner_id=user.pk) | Q(pk__in=teams))
        .exclude(status__in=[S.DONE, S.CANCELLED])
    )
    health_rows = list(mine.values("health").annotate(n=Count("id")).order_by())
    severity = Case(*[When(health=h, then=Value(i)) for h, i in HEALTH_SEVERITY.items()], default=Value(3))
    rows = list(
        mine.select_related("owner")
        .annotate(last_report_on=last_report_on_subquery(org), overdue_milestones=_overdue_milestones(org, today),
                  severity=severity)
        .order_by("severity", "-priority", F("due_date").asc(nulls_last=True), "id")[:limit]
    )
    return {
        "rows": portfolio_flags(rows, today=today),
        "total": sum(r["n"] for r in health_rows),
        "by_health": _counts(health_rows, "health", Initiative.Health.choices),
    }


def milestones_overdue_page(*, org: Organization, today: dt.date | None = None, limit: int = 10) -> dict[str, Any]:
    """The programme's overdue milestones (open, past due, of initiatives neither done nor
    cancelled), oldest due first: ``rows`` (at most ``limit``, initiative and assignee joined, each
    with ``days_overdue``) and ``total``. Two queries over the (organization, due date) index."""
    today = today or timezone.localdate()
    overdue = (
        Milestone.objects.for_org(org)
        .filter(done_at__isnull=True, due_date__lt=today)
        .exclude(initiative__status__in=[S.DONE, S.CANCELLED])
    )
    rows = list(overdue.select_related("initiative", "assignee").order_by("due_date", "id")[:limit])
    for milestone in rows:
        milestone.days_overdue = (today - milestone.due_date).days
    return {"rows": rows, "total": overdue.count()}
