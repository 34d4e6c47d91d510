"""The outer loop of closing the loop: a recurring root cause at a touchpoint becomes an improvement
initiative in one step, and after delivery its impact on that touchpoint's metrics is checked.

It lives in ``initiatives`` because it creates an initiative (a computation spanning apps lives in
the highest app it needs); it reads ``voc`` through its selectors only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxgov.tenancy.models import Organization, User, tenant_check
from voc import selectors as voc_selectors
from voc.models import Metric, Rollup, RootCause, Touchpoint

from .models import Initiative
from .services import initiative_create

IMPACT_MONTHS = 3
EVIDENCE_MONTHS = 6


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` away from ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _problem_statement(
    *, org: Organization, root_cause: RootCause, touchpoint: Touchpoint, months: int, today: dt.date
) -> tuple[str, int]:
    counts = [
        row for row in voc_selectors.root_cause_counts(org=org, months=months, today=today)
        if row["touchpoint_id"] == touchpoint.pk and row["root_cause_id"] == root_cause.pk
    ]
    total = sum(row["n"] for row in counts)
    since = dt.datetime.combine(counts[0]["month"], dt.time.min, tzinfo=ZoneInfo(org.timezone)) if counts else None
    examples = voc_selectors.root_cause_examples(org=org, root_cause=root_cause, touchpoint=touchpoint, since=since)
    with translation.override(org.language):
        lines = [
            _("Closed follow-up cases at the touchpoint “%(touchpoint)s” (journey “%(journey)s”) gave the root "
              "cause “%(cause)s” %(n)d times in the last %(months)d months.") % {
                "touchpoint": touchpoint.name, "journey": touchpoint.journey.name, "cause": root_cause.name,
                "n": total, "months": months,
            },
            "",
            _("Cases per month:"),
            *[f"- {row['month']:%Y-%m}: {row['n']}" for row in counts],
        ]
        if examples:
            lines += ["", _("What customers said:")]
            lines += [f"- “{case.response.comment.strip()[:300]}”" for case in examples]
    return "\n".join(lines), total


@transaction.atomic
def initiative_create_from_root_cause(
    *,
    org: Organization,
    by: User,
    root_cause: RootCause,
    touchpoint: Touchpoint,
    title: str | None = None,
    owner: User | None = None,
    months: int = EVIDENCE_MONTHS,
    today: dt.date | None = None,
) -> Initiative:
    """Turn a recurring root cause at a touchpoint into an initiative (status *idea*) in one step.

    The problem statement is prefilled with the closed cases counted per month over the last
    ``months`` months and a few customer comments; the initiative keeps ``origin_root_cause`` and
    ``origin_touchpoint`` (so its impact can be checked after delivery), is linked to the touchpoint
    and its journey, and gets the levers of the metrics measured at the touchpoint as suggestions.
    Refused when no closed case of the period has this root cause at this touchpoint.
    """
    tenant_check(org=org, root_cause=root_cause, touchpoint=touchpoint)
    today = today or voc_selectors.org_today(org=org)
    statement, total = _problem_statement(
        org=org, root_cause=root_cause, touchpoint=touchpoint, months=months, today=today
    )
    if total == 0:
        raise ValidationError({"root_cause": [
            _("No case closed in the last %(months)d months has this root cause at this touchpoint.")
            % {"months": months}
        ]})
    levers = []
    for metric in voc_selectors.touchpoint_metrics(org=org, touchpoint=touchpoint):
        if metric.lever is not None and metric.lever not in levers:
            levers.append(metric.lever)
    if not (title or "").strip():
        with translation.override(org.language):
            title = _("Fix “%(cause)s” at %(touchpoint)s") % {"cause": root_cause.name, "touchpoint": touchpoint.name}
    initiative = initiative_create(
        org=org, by=by, title=title[:200], problem_statement=statement, status=Initiative.Status.IDEA,
        cem_step=Initiative.CemStep.ACT, levers=levers, touchpoints=[touchpoint], journeys=[touchpoint.journey],
        owner=owner,
    )
    initiative.origin_root_cause = root_cause
    initiative.origin_touchpoint = touchpoint
    initiative.save(update_fields=["origin_root_cause", "origin_touchpoint"])
    return initiative


def initiatives_from_root_causes(*, org: Organization) -> dict[tuple[int, int], list[Initiative]]:
    """Initiatives the outer loop created, keyed by (touchpoint id, root cause id). One query."""
    found: dict[tuple[int, int], list[Initiative]] = {}
    rows: QuerySet[Initiative] = (
        Initiative.objects.for_org(org)
        .filter(origin_root_cause__isnull=False, origin_touchpoint__isnull=False)
        .select_related("origin_root_cause", "origin_touchpoint")
        .order_by("-created_at", "-id")
    )
    for initiative in rows:
        found.setdefault((initiative.origin_touchpoint_id, initiative.origin_root_cause_id), []).append(initiative)
    return found


def _weighted(rows: Sequence[Rollup]) -> tuple[Decimal | None, int]:
    """The mean of monthly values weighted by their n, and the total n."""
    n = sum(r.n for r in rows)
    if n == 0:
        return None, 0
    return (sum((r.value * r.n for r in rows), Decimal(0)) / n).quantize(Decimal("0.01")), n


def initiative_impact(
    *, org: Organization, initiative: Initiative, months: int = IMPACT_MONTHS, today: dt.date | None = None
) -> dict[str, Any]:
    """Did the touchpoint's metrics move? Monthly touchpoint rollups (mean of values weighted by n)
    for the ``months`` full months before the initiative started (``start_date``, else the day it
    was created) against the ``months`` full months after the month it was completed.

    Returns ``status``: ``"not_linked"`` (no origin touchpoint), ``"not_done"`` (not delivered
    yet), ``"waiting"`` (no full month after delivery yet) or ``"ready"``; the ``before`` and
    ``after`` windows (first and last month start); and ``metrics``: one row per metric with data in
    either window, with ``before``/``before_n``, ``after``/``after_n``, ``delta`` and ``improved``
    (None when a side has no data; respects the metric's direction).
    """
    tenant_check(org=org, initiative=initiative)
    result: dict[str, Any] = {"status": "not_linked", "metrics": [], "before": None, "after": None}
    touchpoint_id = initiative.origin_touchpoint_id
    if touchpoint_id is None:
        return result
    if initiative.status != Initiative.Status.DONE or initiative.completed_at is None:
        result["status"] = "not_done"
        return result
    tz = ZoneInfo(org.timezone)
    today = today or voc_selectors.org_today(org=org)
    started = initiative.start_date or timezone.localtime(initiative.created_at, tz).date()
    completed = timezone.localtime(initiative.completed_at, tz).date()
    before_first, before_end = _add_months(started, -months), _add_months(started, 0)
    after_first, after_end = _add_months(completed, 1), _add_months(completed, 1 + months)
    this_month = _add_months(today, 0)
    after_end = min(after_end, this_month)  # only full months count
    result["before"] = (before_first, _add_months(before_end, -1))
    result["after"] = (after_first, _add_months(after_end, -1)) if after_end > after_first else None
    windows = Q(period_start__gte=before_first, period_start__lt=before_end) | Q(
        period_start__gte=after_first, period_start__lt=after_end
    )
    rows = list(
        Rollup.objects.for_org(org)
        .filter(windows, grain=Rollup.Grain.TOUCHPOINT, subject_id=touchpoint_id, period=Rollup.Period.MONTH,
                value__isnull=False)
        .order_by("metric_id", "period_start")
    )
    metric_ids = {r.metric_id for r in rows}
    metrics = Metric.objects.for_org(org).in_bulk(metric_ids) if metric_ids else {}
    for metric in sorted(metrics.values(), key=lambda m: m.code):
        before_rows = [r for r in rows if r.metric_id == metric.pk and r.period_start < before_end]
        after_rows = [r for r in rows if r.metric_id == metric.pk and r.period_start >= after_first]
        before, before_n = _weighted(before_rows)
        after, after_n = _weighted(after_rows)
        delta = None if before is None or after is None else after - before
        improved = None
        if delta is not None and delta != 0:
            improved = delta > 0 if metric.higher_is_better else delta < 0
        result["metrics"].append({
            "metric": metric, "before": before, "before_n": before_n, "after": after, "after_n": after_n,
            "delta": delta, "improved": improved,
        })
    result["status"] = "ready" if result["after"] is not None else "waiting"
    return result
