"""Plotly figures of the maturity map, built from plain data (no database, no request).

Each function returns a figure as a JSON-ready dict ({"data": [...], "layout": {...}}); the page
puts it in a ``<script type="application/json">`` data island and static/js/maturity.js draws it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

BRAND = "#12355b"
ACCENT = "#0e7c86"
AMBER = "#9a6200"
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", "size": 13, "color": "#17212b"}


def _num(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _base_layout(**extra: object) -> dict:
    layout = {
        "font": FONT,
        "margin": {"l": 40, "r": 16, "t": 16, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": True,
        "legend": {"orientation": "h", "y": -0.2},
    }
    layout.update(extra)
    return layout


def trend_figure(
    points: Sequence[tuple[dt.datetime, Decimal | None]], *, label: str, stage_names: Sequence[str] = ()
) -> dict:
    """The overall score over time, one point per snapshot, on the 1–5 stage axis."""
    xs = [when.isoformat() for when, _value in points]
    ys = [_num(value) for _when, value in points]
    xaxis: dict = {"type": "date", "gridcolor": "#edf0f3"}
    if len(points) == 1:
        # One snapshot: a month either side, so the axis shows dates rather than milliseconds.
        when = points[0][0]
        xaxis["range"] = [(when - dt.timedelta(days=30)).isoformat(), (when + dt.timedelta(days=30)).isoformat()]
    yaxis: dict = {"range": [0.8, 5.2], "dtick": 1, "gridcolor": "#dfe4ea", "zeroline": False}
    if len(stage_names) == 5:
        yaxis.update(tickvals=[1, 2, 3, 4, 5], ticktext=[f"{i} {n}" for i, n in enumerate(stage_names, start=1)])
        layout_margin = {"l": 110, "r": 16, "t": 16, "b": 40}
    else:
        layout_margin = {"l": 40, "r": 16, "t": 16, "b": 40}
    return {
        "data": [{
            "type": "scatter", "mode": "lines+markers", "name": label, "x": xs, "y": ys,
            "line": {"color": BRAND, "width": 3}, "marker": {"size": 8, "color": BRAND},
            "hovertemplate": "%{x|%Y-%m-%d}: %{y:.2f}<extra></extra>", "connectgaps": True,
        }],
        "layout": _base_layout(yaxis=yaxis, xaxis=xaxis, showlegend=False, margin=layout_margin, height=320),
    }


def wrap(label: str, width: int = 16) -> str:
    """Break a long axis label into lines of about ``width`` characters (plotly takes <br>)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def radar_figure(
    levers: Sequence[str], current: Sequence[Decimal | None], target: Sequence[int | None], *,
    current_label: str, target_label: str,
) -> dict:
    """Current score against target stage per lever, as a radar (closed polygons)."""
    def closed(values: Sequence[float | None]) -> list[float | None]:
        values = list(values)
        return values + values[:1] if values else values

    theta = closed([wrap(name) for name in levers])
    return {
        "data": [
            {"type": "scatterpolar", "name": target_label, "r": closed([_num(t) for t in target]), "theta": theta,
             "line": {"color": AMBER, "dash": "dash", "width": 2}, "fill": "none", "connectgaps": True,
             "hovertemplate": "%{theta}: %{r}<extra></extra>"},
            {"type": "scatterpolar", "name": current_label, "r": closed([_num(c) for c in current]), "theta": theta,
             "line": {"color": ACCENT, "width": 2}, "fill": "toself", "fillcolor": "rgba(14,124,134,0.18)",
             "connectgaps": True, "hovertemplate": "%{theta}: %{r:.2f}<extra></extra>"},
        ],
        "layout": _base_layout(
            polar={"radialaxis": {"range": [0, 5], "dtick": 1, "gridcolor": "#dfe4ea", "tickfont": {"size": 10}},
                   "angularaxis": {"gridcolor": "#dfe4ea", "tickfont": {"size": 11}}, "bgcolor": "rgba(0,0,0,0)"},
            margin={"l": 90, "r": 90, "t": 40, "b": 30}, height=380,
            legend={"orientation": "h", "y": -0.08, "x": 0.5, "xanchor": "center"},
        ),
    }
