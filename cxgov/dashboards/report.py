"""The monthly executive report: the dashboard's figures for one month, a generated summary of what
changed since the month before, and charts drawn on the server as SVG (the PDF renderer runs no
JavaScript)."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxgov.tenancy.models import Organization
from governance.selectors import goals_attainment_by_month
from initiatives.selectors import initiatives_moved
from voc.selectors import previous_month_start

from . import charts
from .executive import (
    Filters,
    dashboard_filter_choices,
    executive_dashboard,
    format_metric,
    month_bounds,
    org_month,
)


def last_complete_month(org: Organization) -> dt.date:
    return previous_month_start(org_month(org))


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _fmt(value: Decimal | float | None, digits: int = 1) -> str:
    return "—" if value is None else formats.number_format(value, digits)


def summary_sentences(*, data: dict[str, Any], moved: dict[str, list], goals_now: list, goals_before: list,
                      new_risks: list) -> list[str]:
    """What changed since the month before, as translated sentences."""
    sentences: list[str] = []
    maturity = data["maturity"]
    now, before = maturity["snapshot"], maturity["previous_snapshot"]
    if now is not None and now.overall is not None:
        if before is not None and before.overall is not None and before.pk != now.pk:
            delta = now.overall - before.overall
            if delta > 0:
                sentences.append(_("Overall maturity rose from %(before)s to %(now)s (+%(delta)s).") % {
                    "before": _fmt(before.overall, 2), "now": _fmt(now.overall, 2), "delta": _fmt(delta, 2)})
            elif delta < 0:
                sentences.append(_("Overall maturity fell from %(before)s to %(now)s (−%(delta)s).") % {
                    "before": _fmt(before.overall, 2), "now": _fmt(now.overall, 2), "delta": _fmt(-delta, 2)})
            else:
                sentences.append(_("Overall maturity held at %(now)s.") % {"now": _fmt(now.overall, 2)})
        else:
            sentences.append(_("Overall maturity stands at %(now)s; no earlier score to compare.")
                             % {"now": _fmt(now.overall, 2)})
    else:
        sentences.append(_("No maturity score has been computed yet."))
    for card in data["kpis"]:
        if card.change is not None:
            if card.change == 0:
                sentences.append(_("%(kpi)s held at %(now)s (n = %(n)s).") % {
                    "kpi": card.label, "now": card.display, "n": formats.number_format(card.n)})
            else:
                values = {"kpi": card.label, "before": format_metric(card.metric, card.previous_value),
                          "now": card.display, "n": formats.number_format(card.n),
                          "pn": formats.number_format(card.previous_n)}
                if card.change > 0:
                    sentence = _("%(kpi)s rose from %(before)s to %(now)s (n = %(n)s; previous n = %(pn)s).")
                else:
                    sentence = _("%(kpi)s fell from %(before)s to %(now)s (n = %(n)s; previous n = %(pn)s).")
                sentences.append(sentence % values)
        elif card.value is not None:
            sentences.append(_("%(kpi)s was %(now)s (n = %(n)s); not comparable with the month before.") % {
                "kpi": card.label, "now": card.display, "n": formats.number_format(card.n)})
    done, started = moved["completed"], moved["started"]
    sentences.append(
        ngettext("%(n)s initiative was completed", "%(n)s initiatives were completed", len(done)) % {"n": len(done)}
        + (": " + ", ".join(i.title for i in done[:5]) if done else "") + ". "
        + ngettext("%(n)s initiative started.", "%(n)s initiatives started.", len(started)) % {"n": len(started)}
    )
    before_state = {a.goal.pk: a.on_target for a in goals_before}
    newly_on = [a for a in goals_now if a.on_target is True and before_state.get(a.goal.pk) is not True]
    newly_off = [a for a in goals_now if a.on_target is False and before_state.get(a.goal.pk) is not False]
    if newly_on:
        sentences.append(ngettext("%(n)s goal came on target: %(names)s.", "%(n)s goals came on target: %(names)s.",
                                  len(newly_on)) % {"n": len(newly_on),
                                                    "names": ", ".join(str(a.goal.metric.name) for a in newly_on)})
    if newly_off:
        sentences.append(ngettext("%(n)s goal went off target: %(names)s.", "%(n)s goals went off target: %(names)s.",
                                  len(newly_off)) % {"n": len(newly_off),
                                                     "names": ", ".join(str(a.goal.metric.name) for a in newly_off)})
    if not newly_on and not newly_off and goals_now:
        sentences.append(_("No goal changed between on and off target."))
    if new_risks:
        sentences.append(ngettext("%(n)s new top risk: %(names)s.", "%(n)s new top risks: %(names)s.",
                                  len(new_risks)) % {"n": len(new_risks),
                                                     "names": "; ".join(r.description[:80] for r in new_risks)})
    else:
        sentences.append(_("No new top risk this month."))
    return sentences


def monthly_report(*, org: Organization, month: dt.date) -> dict[str, Any]:
    """The report's context for ``month`` (first day): the dashboard's figures for the whole
    organization, the summary sentences and the SVG charts as data URIs."""
    filters = Filters(period=month, choices=dashboard_filter_choices(org=org))
    data = executive_dashboard(org=org, filters=filters)
    start, end = month_bounds(org, month)
    previous = previous_month_start(month)
    moved = initiatives_moved(org=org, since=start, until=end)
    goals = goals_attainment_by_month(org=org, months=[previous, month])
    new_risks = [r for r in data["risks"] if start <= r.created_at < end]
    summary = summary_sentences(data=data, moved=moved, goals_now=goals[month], goals_before=goals[previous],
                                new_risks=new_risks)

    def num1(value: float) -> str:
        return formats.number_format(value, 1)

    rows = data["maturity"]["rows"]
    svgs: dict[str, str] = {}
    if rows:
        svgs["radar"] = charts.svg_radar(
            [r.lever.name for r in rows],
            [(_("This month"), [r.current for r in rows]), (_("Target"), [r.target for r in rows]),
             (_("Last month"), [r.previous for r in rows])],
            formatter=num1,
        )
    months = [m.strftime("%m/%y") for m, _v, _n in data["kpis"][0].series] if data["kpis"] else []
    # One chart per headline metric: NPS points, CSAT percentages and CES means do not share a scale.
    for card in data["kpis"]:
        series = [(card.label, [v for _m, v, _n in card.series])]
        if card.metric.target is not None:
            series.append((_("Target"), [card.metric.target] * len(card.series)))
        svgs[f"kpi_{card.metric.code}"] = charts.svg_lines(months, series, formatter=num1)
    by_status = data["portfolio"]["by_status"]
    svgs["portfolio"] = charts.svg_bars([str(r["label"]) for r in by_status],
                                        [(_("Initiatives"), [r["n"] for r in by_status])],
                                        formatter=lambda v: formats.number_format(v, 0))
    uris = {k: _data_uri(v) for k, v in svgs.items()}
    for card in data["kpis"]:
        card.chart = uris.get(f"kpi_{card.metric.code}")
    return {**data, "summary": summary, "moved": moved, "new_risks": new_risks, "charts": uris, "svg": svgs}
