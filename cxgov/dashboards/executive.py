"""The executive dashboard and the monthly report's figures, composed from the domain selectors.

Everything here reads rollups, maturity snapshots and initiative fields: never a feedback response.
The number of queries is fixed (see tests/dashboards/test_executive.py), whatever the number of
journeys, touchpoints, initiatives, risks, goals or responses.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cxgov.tenancy.models import Organization
from governance.selectors import goals_attainment_by_month
from initiatives.selectors import portfolio_health, risks_top
from maturity.selectors import LeverMaturity, maturity_for_period, stage_for_score, stage_list
from voc.models import Journey, Metric, Segment
from voc.selectors import (
    MAP_KINDS,
    dashboard_filter_choices,
    headline_metrics,
    metric_monthly_series,
    month_starts,
    near_band,
    previous_month_start,
    rollup_subject,
    rollup_volume_by_month,
    score_status,
    touchpoint_score_changes,
)

TREND_MONTHS = 12
RANK_LIMIT = 8
PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


class FilterError(Exception):
    """A dashboard filter the user cannot have meant: ``status`` is 400 (malformed) or 404 (an object
    that does not exist in this organization: another organization's id answers exactly the same)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Filters:
    period: dt.date
    journey: Journey | None = None
    segment: Segment | None = None
    choices: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def period_value(self) -> str:
        return self.period.strftime("%Y-%m")

    @property
    def querystring(self) -> str:
        parts = [f"period={self.period_value}"]
        if self.journey:
            parts.append(f"journey={self.journey.pk}")
        if self.segment:
            parts.append(f"segment={self.segment.pk}")
        return "&".join(parts)


def org_month(org: Organization) -> dt.date:
    """The first day of the current month in the organization's time zone."""
    return timezone.localtime(timezone.now(), ZoneInfo(org.timezone)).date().replace(day=1)


def parse_month(value: str) -> dt.date | None:
    """``YYYY-MM`` → the first day of that month; None when malformed or out of 2000–2100."""
    match = PERIOD_RE.match(value.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def _pick(objects: list[Any], raw: str, *, what: str) -> Any:
    if not raw:
        return None
    if not raw.isdigit():
        raise FilterError(_("The %(what)s filter must be chosen from the list.") % {"what": what}, 400)
    found = next((o for o in objects if o.pk == int(raw)), None)
    if found is None:
        raise FilterError(_("That %(what)s was not found.") % {"what": what}, 404)
    return found


def parse_filters(*, org: Organization, params: Any) -> Filters:
    """Read ``period`` (YYYY-MM, default this month), ``journey`` and ``segment`` (ids) from the
    query string; raise ``FilterError`` for anything else. Ids resolve against this organization's
    journeys and segments only (the lists the form offers; two queries)."""
    choices = dashboard_filter_choices(org=org)
    raw_period = (params.get("period") or "").strip()
    if raw_period:
        period = parse_month(raw_period)
        if period is None:
            raise FilterError(_("The period must be a month written as YYYY-MM, for example 2026-10."), 400)
    else:
        period = org_month(org)
    journey = _pick(choices["journeys"], (params.get("journey") or "").strip(), what=_("journey"))
    segment = _pick(choices["segments"], (params.get("segment") or "").strip(), what=_("segment"))
    if journey is not None and segment is not None and journey.segment_id != segment.pk:
        raise FilterError(_("The journey “%(journey)s” does not belong to the segment “%(segment)s”.")
                          % {"journey": journey, "segment": segment}, 400)
    return Filters(period=period, journey=journey, segment=segment, choices=choices)


def month_bounds(org: Organization, month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar month as aware datetimes in the organization's time zone."""
    tz = ZoneInfo(org.timezone)
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (dt.datetime.combine(month, dt.time.min, tzinfo=tz), dt.datetime.combine(nxt, dt.time.min, tzinfo=tz))


# --- figures as people read them -----------------------------------------------------------------

def format_metric(metric: Metric, value: Decimal | None, *, signed_change: bool = False) -> str:
    """A metric's figure in the active language: NPS-like signed whole points, percentages whole,
    means with one decimal (decimal comma in Spanish). ``signed_change`` always shows the sign."""
    if value is None:
        return "—"
    if metric.method in (Metric.Method.NPS, Metric.Method.AGREE_MINUS_DISAGREE):
        number = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return f"{number:+d}" if (number or signed_change) else "0"
    if metric.method in (Metric.Method.TOP2BOX, Metric.Method.SHARE):
        number = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        text = f"{number:+d}" if signed_change else str(number)
        return text + (" pp" if signed_change else " %")
    rounded = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = formats.number_format(abs(rounded) if signed_change else rounded, 1)
    if signed_change:
        return ("−" if rounded < 0 else "+") + text
    return text


def metric_status(metric: Metric, value: Decimal | None, n: int) -> str:
    return score_status(
        value=value, n=n, min_n=metric.min_n, target=metric.target, higher_is_better=metric.higher_is_better,
        near=near_band(method=metric.method, scale_min=metric.scale_min, scale_max=metric.scale_max,
                       target=metric.target),
    )


@dataclass
class KpiCard:
    """A headline metric (NPS, CSAT, CES) for the period, with the month before and the trend."""

    metric: Metric
    value: Decimal | None
    n: int
    previous_value: Decimal | None
    previous_n: int
    status: str
    series: list[tuple[dt.date, Decimal | None, int]]

    @property
    def label(self) -> str:
        return self.metric.code.upper() if self.metric.code in ("nps", "csat", "ces") else self.metric.name

    @property
    def display(self) -> str:
        return format_metric(self.metric, self.value)

    @property
    def target_display(self) -> str:
        return format_metric(self.metric, self.metric.target)

    @property
    def enough(self) -> bool:
        return self.value is not None and self.n >= self.metric.min_n

    @property
    def change(self) -> Decimal | None:
        if not self.enough or self.previous_value is None or self.previous_n < self.metric.min_n:
            return None
        return self.value - self.previous_value

    @property
    def change_display(self) -> str:
        return format_metric(self.metric, self.change, signed_change=True)

    @property
    def improved(self) -> bool | None:
        if self.change is None or self.change == 0:
            return None
        return (self.change > 0) == self.metric.higher_is_better


def kpi_cards(*, org: Organization, filters: Filters) -> list[KpiCard]:
    """The headline metrics of the filtered subject (journey, else segment, else organization) for
    the period, each with the last ``TREND_MONTHS`` months. Two queries."""
    metrics = headline_metrics(org=org)
    grain, subject = rollup_subject(journey=filters.journey, segment=filters.segment)
    months = month_starts(today=filters.period, months=TREND_MONTHS)
    series = metric_monthly_series(org=org, metrics=metrics, grain=grain, subject_id=subject,
                                   first=months[0], last=filters.period)
    previous = previous_month_start(filters.period)
    cards = []
    for metric in metrics:
        by_month = series.get(metric.pk, {})
        now, before = by_month.get(filters.period), by_month.get(previous)
        cards.append(KpiCard(
            metric=metric,
            value=now.value if now else None, n=now.n if now else 0,
            previous_value=before.value if before else None, previous_n=before.n if before else 0,
            status=metric_status(metric, now.value if now else None, now.n if now else 0),
            series=[(m, by_month[m].value if m in by_month else None, by_month[m].n if m in by_month else 0)
                    for m in months],
        ))
    return cards


def moments_of_truth(*, org: Organization, filters: Filters) -> dict[str, Any]:
    """The journeys' moments of truth on the first headline metric measured there (NPS, else CSAT,
    else CES): ranked ``by_score`` (lowest first: where attention goes) and ``by_change`` since the
    month before (biggest drop first). Figures below the metric's minimum n are not ranked. Two
    queries."""
    rows = touchpoint_score_changes(org=org, period_start=filters.period, journey=filters.journey,
                                    segment=filters.segment, moments_only=True)
    kinds_present = {r.metric.kind for r in rows if r.n}
    kind = next((k for k in MAP_KINDS if k in kinds_present), None)
    chosen = [r for r in rows if r.metric.kind == kind and r.n]
    if chosen:
        code = min(r.metric.code for r in chosen)
        chosen = [r for r in chosen if r.metric.code == code]
    ranked = [r for r in chosen if r.n >= r.metric.min_n and r.value is not None]
    by_score = sorted(ranked, key=lambda r: ((r.value if r.metric.higher_is_better else -r.value), r.touchpoint.pk))
    by_change = sorted((r for r in chosen if r.improvement is not None),
                       key=lambda r: (r.improvement, r.touchpoint.pk))
    return {
        "metric": chosen[0].metric if chosen else None,
        "by_score": by_score[:RANK_LIMIT],
        "by_change": by_change[:RANK_LIMIT],
        "below_min": sum(1 for r in chosen if r.n < r.metric.min_n),
        "count": len({r.touchpoint.pk for r in rows}),
    }


def goals_split(attainments: list[Any]) -> dict[str, list[Any]]:
    return {
        "on": [a for a in attainments if a.on_target is True],
        "off": [a for a in attainments if a.on_target is False],
        "no_data": [a for a in attainments if a.on_target is None],
        "all": attainments,
    }


def executive_dashboard(*, org: Organization, filters: Filters) -> dict[str, Any]:
    """Everything the executive dashboard shows for the filters: headline KPIs with trends and
    volume, moments of truth, maturity (the period's snapshot, the month before as outline, trend,
    targets), portfolio health, top risks, short-term wins and goals on / off target."""
    period = filters.period
    start, end = month_bounds(org, period)
    previous = previous_month_start(period)
    grain, subject = rollup_subject(journey=filters.journey, segment=filters.segment)
    months = month_starts(today=period, months=TREND_MONTHS)
    volume = rollup_volume_by_month(org=org, grain=grain, subject_id=subject, first=months[0], last=period)
    maturity = maturity_for_period(org=org, until=end, previous_until=start)
    stages = list(stage_list(org=org))
    maturity["chart_rows"] = [
        LeverMaturity(lever=row.lever, score=row.current, assessment_score=None, evidence_score=None,
                      stage=stage_for_score(row.current, stages))
        for row in maturity["rows"]
    ]
    maturity["stages"] = stages
    goals = goals_attainment_by_month(org=org, months=[period], journey=filters.journey, segment=filters.segment)
    return {
        "filters": filters,
        "period": period,
        "previous_period": previous,
        "is_current_month": period == org_month(org),
        "kpis": kpi_cards(org=org, filters=filters),
        "volume": [(m, volume.get(m, 0)) for m in months],
        "volume_period": volume.get(period, 0),
        "moments": moments_of_truth(org=org, filters=filters),
        "maturity": maturity,
        "portfolio": portfolio_health(org=org, journey=filters.journey, segment=filters.segment),
        "risks": risks_top(org=org, journey=filters.journey, segment=filters.segment),
        "goals": goals_split(goals[period]),
    }
