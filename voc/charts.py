"""Plotly figures of the Voice of the Customer, built from plain data (no database, no Plotly
Python objects): the pages put the figure JSON in a data island and static/js/voc.js draws it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

TREND_MONTHS = 12
COLOUR_VALUE = "#1f5f99"
COLOUR_BELOW_MIN = "#9aa5b1"
COLOUR_TARGET = "#b7791f"
COLOUR_N = "#dfe5ec"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


@dataclass(frozen=True)
class TrendPoint:
    """One month of a metric at a touchpoint: its start, value (None without responses) and n."""

    period_start: dt.date
    value: Decimal | float | None
    n: int


def trend_input(metric: Any, rollups: Iterable[Any]) -> dict[str, Any]:
    """The keyword arguments of ``metric_trend_figure`` read from a metric and its monthly rollups
    (any objects with the same attributes will do)."""
    return {
        "name": metric.name,
        "method": metric.method,
        "target": metric.target,
        "min_n": metric.min_n,
        "points": [TrendPoint(r.period_start, r.value, r.n) for r in rollups],
    }


def _axis_title(method: str) -> str:
    return {
        "nps": _("NPS (−100 to +100)"),
        "agree_minus_disagree": _("% agree − % disagree"),
        "top2box": _("% in the top two boxes"),
        "share": _("% of responses"),
        "mean": _("Mean"),
        "median": _("Median"),
        "sum": _("Total"),
    }.get(method, _("Value"))


def _num(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def metric_trend_figure(
    *, name: str, method: str, target: Decimal | float | None, min_n: int, points: Sequence[TrendPoint],
) -> dict[str, Any]:
    """A metric's monthly trend: its value as a line (months with n at or above ``min_n``), months
    below the minimum as grey hollow markers (never joined to the line, so no clean figure is
    drawn from them), the number of responses as light bars, and the target as a dashed line. The
    value axis overlays the n axis, so the line is drawn above the bars. Returns
    ``{"data": [...], "layout": {...}}`` for ``Plotly.newPlot``."""
    months = [p.period_start.isoformat() for p in points]
    solid = [_num(p.value) if p.n >= min_n else None for p in points]
    thin = [_num(p.value) if 0 < p.n < min_n else None for p in points]
    data: list[dict[str, Any]] = [
        {
            "type": "bar", "name": _("Responses (n)"), "x": months, "y": [p.n for p in points],
            "marker": {"color": COLOUR_N}, "hovertemplate": _("%{y} responses") + "<extra></extra>",
        },
        {
            "type": "scatter", "mode": "lines+markers", "name": name, "x": months, "y": solid, "yaxis": "y2",
            "connectgaps": False, "line": {"color": COLOUR_VALUE, "width": 2.5},
            "marker": {"color": COLOUR_VALUE, "size": 7},
            "customdata": [p.n for p in points],
            "hovertemplate": "%{y} · n=%{customdata}<extra></extra>",
        },
    ]
    if any(v is not None for v in thin):
        data.append({
            "type": "scatter", "mode": "markers",
            "name": _("Fewer than %(n)d responses") % {"n": min_n}, "x": months, "y": thin, "yaxis": "y2",
            "marker": {"color": "#ffffff", "size": 8, "line": {"color": COLOUR_BELOW_MIN, "width": 2}},
            "customdata": [p.n for p in points],
            "hovertemplate": _("%{y} · n=%{customdata}, below the minimum") + "<extra></extra>",
        })
    if target is not None and months:
        data.append({
            "type": "scatter", "mode": "lines", "name": _("Target"), "x": [months[0], months[-1]], "yaxis": "y2",
            "y": [_num(target), _num(target)], "line": {"color": COLOUR_TARGET, "dash": "dash", "width": 1.5},
            "hoverinfo": "skip",
        })
    layout = {
        "height": 280,
        "margin": {"l": 56, "r": 44, "t": 34, "b": 32},
        "font": {"family": FONT, "size": 12, "color": "#33414e"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "xaxis": {"type": "date", "tickformat": "%b %Y", "dtick": "M2", "gridcolor": "#eef1f4"},
        # The value is drawn on the overlaying axis (y2, on the left) so that it sits above the n bars.
        "yaxis": {"side": "right", "showgrid": False, "rangemode": "tozero", "title": {"text": "n"},
                  "automargin": True},
        "yaxis2": {"overlaying": "y", "side": "left", "title": {"text": _axis_title(method)},
                   "gridcolor": "#eef1f4", "zeroline": False, "automargin": True,
                   "tickmode": "auto", "nticks": 6},
        "hovermode": "x unified",
    }
    return {"data": data, "layout": layout}
