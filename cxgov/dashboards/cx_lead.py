"""The CX lead's home: what needs their attention this week, composed from the domain selectors.

Everything here reads rollups, aggregates or short bounded lists, so the page runs the same number
of queries in an organization with a hundred responses or a million (``tests/dashboards/
test_cx_lead.py`` asserts it). Nothing here queries a model directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.models import Organization, User
from initiatives.selectors import initiatives_of_member, milestones_overdue_page
from voc.models import Metric
from voc.selectors import (
    METHOD_VALUE_RANGES,
    TouchpointScore,
    TouchpointScoreChange,
    case_age_counts,
    insight_list,
    map_period,
    near_band,
    org_today,
    previous_month_start,
    response_volume_by_source,
    touchpoint_score_changes,
)

MY_INITIATIVES_LIMIT = 12
OVERDUE_MILESTONES_LIMIT = 8
SCORE_DROPS_LIMIT = 6
RECENT_INSIGHTS_LIMIT = 5
# The case list's age filter codes (``voc.selectors.CASE_AGE_BUCKETS``) as people read them.
AGE_LABELS = {"0-2": _("0–2 days"), "3-7": _("3–7 days"), "8-30": _("8–30 days"), "31+": _("More than 30 days")}
# Methods whose figures are percentages or percentage points: their changes are whole points.
WHOLE_POINT_METHODS = tuple(METHOD_VALUE_RANGES)


def localized(text: str) -> str:
    """A figure written by ``voc.selectors.format_value`` (always with a decimal point) in the active
    language's decimal separator: 4.2 stays 4.2 in English and reads 4,2 in Spanish."""
    separator = formats.get_format("DECIMAL_SEPARATOR")
    return text.replace(".", separator) if separator != "." else text


@dataclass(frozen=True)
class ShownScore:
    """A ``voc.selectors.TouchpointScore`` with its figures in the active language's number format
    (the journey map's colouring, n and target kept)."""

    score: TouchpointScore

    @property
    def metric(self) -> Metric:
        return self.score.metric

    @property
    def label(self) -> str:
        return self.score.label

    @property
    def n(self) -> int:
        return self.score.n

    @property
    def status(self) -> str:
        return self.score.status

    @property
    def below_min(self) -> bool:
        return self.score.below_min

    @property
    def display(self) -> str:
        return localized(self.score.display)

    @property
    def target_display(self) -> str:
        return localized(self.score.target_display)


def change_display(*, method: str, change: Decimal) -> str:
    """A change between two periods, signed, as the figure itself is read: whole points for NPS and
    percentages, one decimal for means and medians, in the active language's number format."""
    places = 0 if method in WHOLE_POINT_METHODS else 1
    rounded = change.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
    if not rounded:
        return formats.number_format(abs(rounded), places)
    sign = "+" if rounded > 0 else "−"
    return f"{sign}{formats.number_format(abs(rounded), places)}"


def value_range(metric: Metric) -> Decimal:
    """The span a metric's values can take (200 points of NPS, 100 of a CSAT %, 6 on a 1–7 mean),
    so drops on different metrics rank on one scale; 1 when the metric defines none."""
    band = near_band(method=metric.method, scale_min=metric.scale_min, scale_max=metric.scale_max,
                     target=metric.target)
    return band * 20 if band else Decimal(1)


@dataclass(frozen=True)
class ScoreDrop:
    """A touchpoint whose score fell between the previous period and this one, ready to show."""

    row: TouchpointScoreChange
    relative: Decimal  # the fall as a share of the metric's range, negative; for ranking only

    @property
    def touchpoint(self):
        return self.row.touchpoint

    @property
    def metric(self) -> Metric:
        return self.row.metric

    @property
    def label(self) -> str:
        return self.row.label

    @property
    def display(self) -> str:
        return localized(self.row.display)

    @property
    def previous_display(self) -> str:
        return localized(self.row.previous_display)

    @property
    def target_display(self) -> str:
        return localized(self.row.target_display)

    @property
    def change_display(self) -> str:
        return change_display(method=self.row.metric.method, change=self.row.change)

    @property
    def status(self) -> str:
        return self.row.status


def score_drops(rows: list[TouchpointScoreChange], *, limit: int = SCORE_DROPS_LIMIT) -> list[ScoreDrop]:
    """The comparable rows (both periods at or above the metric's minimum n) that got worse, the
    largest fall first, measured against each metric's range so NPS, CSAT and CES rank together.
    A pure function of the selector's rows: tested without a database."""
    drops = []
    for row in rows:
        improvement = row.improvement
        if improvement is None or improvement >= 0:
            continue
        drops.append(ScoreDrop(row=row, relative=improvement / value_range(row.metric)))
    drops.sort(key=lambda d: (d.relative, d.row.touchpoint.pk, d.row.metric.code))
    return drops[:limit]


def _local_midnight(org: Organization, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(org.timezone))


def home_cx_lead(*, org: Organization, user: User, today: dt.date | None = None) -> dict[str, Any]:
    """The CX lead's dashboard: their initiatives and health, the programme's overdue milestones,
    open follow-up cases by age, the touchpoints whose score fell most (last full month against
    the month before, from rollups), recent insights and feedback volume by source that month.

    The period is the journey map's: the last full calendar month in the organization's time zone,
    so every n is a whole month's and compares with the map.
    """
    today = today or org_today(org=org)
    period_start, period_end = map_period(org=org, today=today)
    next_start = period_end + dt.timedelta(days=1)
    changes = touchpoint_score_changes(org=org, period_start=period_start)
    cases = case_age_counts(org=org, today=today)
    for bucket in cases["buckets"]:
        bucket["label"] = AGE_LABELS.get(bucket["age"], bucket["age"])
    sources = response_volume_by_source(
        org=org, since=_local_midnight(org, period_start), until=_local_midnight(org, next_start)
    )
    return {
        "today": today,
        "period_start": period_start,
        "period_end": period_end,
        "previous_start": previous_month_start(period_start),
        "my_initiatives": initiatives_of_member(org=org, user=user, today=today, limit=MY_INITIATIVES_LIMIT),
        "overdue_milestones": milestones_overdue_page(org=org, today=today, limit=OVERDUE_MILESTONES_LIMIT),
        "cases": cases,
        "score_drops": score_drops(changes),
        "scores_compared": sum(1 for row in changes if row.comparable),
        "recent_insights": list(insight_list(org=org)[:RECENT_INSIGHTS_LIMIT]),
        "sources": sources,
        "sources_total": sum(row["n"] for row in sources),
    }


__all__ = ["home_cx_lead", "ShownScore", "score_drops", "change_display", "localized", "value_range"]
