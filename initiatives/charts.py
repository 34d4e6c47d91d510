"""Pure data → figure functions for the CX PMO pages (no database; tested on plain values).

Figures are plotly JSON (``{"data": [...], "layout": {...}}``) rendered by static/js/initiatives.js
from a ``json_script`` data island; the heat map is a plain grid for an HTML table, because every
cell is a link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

GREEN, RED, ACCENT, GREY, AMBER, INK = "#1c7c4a", "#b3261e", "#0e7c86", "#8a97a6", "#9a6200", "#17212b"
DAY_MS = 86_400_000
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": INK}


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _state(row: Mapping[str, Any]) -> str:
    if row.get("done"):
        return "done"
    if row.get("overdue"):
        return "overdue"
    if row.get("status") in ("idea", "planned", "on_hold"):
        return "planned"
    return "open"


def gantt_figure(rows: Sequence[Mapping[str, Any]], *, today: dt.date) -> dict[str, Any]:
    """A timeline: each row with a start and an end is a bar (end day included); a row with one date
    is a diamond on it. Colours: done green, overdue red, in progress teal, planned grey. A vertical
    line marks today. ``rows``: ``label``, ``start``, ``end`` (dates or None), ``done``, ``overdue``,
    optional ``status``. Rows keep their order, top to bottom."""
    names = {"done": _("Done"), "overdue": _("Overdue"), "open": _("In progress"), "planned": _("Planned")}
    colours = {"done": GREEN, "overdue": RED, "open": ACCENT, "planned": GREY}
    keys = [f"r{i}" for i in range(len(rows))]
    bars: dict[str, dict[str, list]] = {}
    marks: dict[str, dict[str, list]] = {}
    for key, row in zip(keys, rows, strict=True):
        start, end, state = row.get("start"), row.get("end"), _state(row)
        label = str(row["label"])
        if start and end:
            bucket = bars.setdefault(state, {"y": [], "base": [], "x": [], "text": []})
            bucket["y"].append(key)
            bucket["base"].append(_iso(start))
            bucket["x"].append(((end - start).days + 1) * DAY_MS)
            bucket["text"].append(f"{label}<br>{_iso(start)} → {_iso(end)}")
        elif start or end:
            bucket = marks.setdefault(state, {"y": [], "x": [], "text": []})
            bucket["y"].append(key)
            bucket["x"].append(_iso(end or start))
            bucket["text"].append(f"{label}<br>{_iso(end or start)}")
    data: list[dict[str, Any]] = []
    for state in ("done", "open", "planned", "overdue"):
        if state in bars:
            b = bars[state]
            data.append({
                "type": "bar", "orientation": "h", "name": names[state], "legendgroup": state,
                "y": b["y"], "base": b["base"], "x": b["x"], "text": b["text"], "textposition": "none",
                "hovertemplate": "%{text}<extra></extra>", "marker": {"color": colours[state]},
            })
        if state in marks:
            m = marks[state]
            data.append({
                "type": "scatter", "mode": "markers", "name": names[state], "legendgroup": state,
                "showlegend": state not in bars, "y": m["y"], "x": m["x"], "text": m["text"],
                "hovertemplate": "%{text}<extra></extra>",
                "marker": {"symbol": "diamond", "size": 13, "color": colours[state],
                           "line": {"color": "#fff", "width": 1}},
            })
    layout = {
        "barmode": "overlay", "height": 110 + 30 * max(len(rows), 1), "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 30}, "showlegend": True,
        "legend": {"orientation": "h", "y": -0.08, "yanchor": "top", "x": 0},
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff",
        "xaxis": {"type": "date", "gridcolor": "#e6eaef"},
        "yaxis": {"autorange": "reversed", "automargin": True, "tickmode": "array", "tickvals": keys,
                  "ticktext": [_short(str(r["label"])) for r in rows]},
        "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": _iso(today), "x1": _iso(today), "y0": 0,
                    "y1": 1, "line": {"color": AMBER, "width": 2, "dash": "dot"}}],
        "annotations": [{"xref": "x", "yref": "paper", "x": _iso(today), "y": 1, "yanchor": "bottom",
                         "text": _("Today"),
                         "showarrow": False, "font": {"color": AMBER, "size": 11}}],
    }
    return {"data": data, "layout": layout}


def kpi_figure(
    points: Iterable[Any], *, start: dt.date | None, target: Decimal | None, baseline: Decimal | None,
    min_n: int = 0, title: str = "",
) -> dict[str, Any]:
    """A KPI's monthly line (``points`` with ``month``, ``value``, ``n``) with the initiative's start
    marked, and its target (dashed) and baseline (dotted) as horizontal lines. Months whose n is
    below ``min_n`` are drawn hollow and say so on hover."""
    points = list(points)
    x = [_iso(p.month) for p in points]
    y = [float(round(p.value, 2)) for p in points]
    n = [p.n for p in points]
    low = [p.n < min_n for p in points]
    data: list[dict[str, Any]] = [{
        "type": "scatter", "mode": "lines+markers", "name": title or _("Value"), "x": x, "y": y,
        "customdata": n, "hovertemplate": "%{x|%b %Y}: %{y:.1f} (n=%{customdata})<extra></extra>",
        "line": {"color": ACCENT, "width": 2},
        "marker": {"size": 7, "color": ["#ffffff" if flag else ACCENT for flag in low],
                   "line": {"color": ACCENT, "width": 2}},
    }]
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    if start is not None:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": _iso(start), "x1": _iso(start), "y0": 0,
                       "y1": 1, "line": {"color": INK, "width": 1.5, "dash": "dot"}})
        annotations.append({"xref": "x", "yref": "paper", "x": _iso(start), "y": 1, "yanchor": "bottom",
                            "text": _("Start"), "showarrow": False, "font": {"size": 11}})
    for value, label, dash, colour in ((target, _("Target"), "dash", GREEN), (baseline, _("Baseline"), "dot", GREY)):
        if value is None:
            continue
        shapes.append({"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": float(value),
                       "y1": float(value), "line": {"color": colour, "width": 1.5, "dash": dash}})
        annotations.append({"xref": "paper", "yref": "y", "x": 1, "xanchor": "right", "y": float(value),
                            "yanchor": "bottom", "text": f"{label} {float(value):g}", "showarrow": False,
                            "font": {"size": 10, "color": colour}})
    layout = {
        "height": 220, "font": FONT, "margin": {"l": 40, "r": 10, "t": 24, "b": 30}, "showlegend": False,
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff",
        "xaxis": {"type": "date", "gridcolor": "#eef1f4", "tickformat": "%b %y"},
        "yaxis": {"gridcolor": "#eef1f4", "zeroline": False},
        "shapes": shapes, "annotations": annotations,
    }
    return {"data": data, "layout": layout}


def exposure_level(exposure: int, *, high: int = 15) -> str:
    """low (< 8), medium (8 … high − 1) or high (≥ high)."""
    if exposure >= high:
        return "high"
    return "medium" if exposure >= 8 else "low"


def heatmap_grid(counts: Mapping[tuple[int, int], int], *, high: int = 15) -> list[dict[str, Any]]:
    """The 5 × 5 probability × impact grid as rows for a table: impact 5 (top) to 1, each row's
    cells probability 1 to 5 with ``count``, ``exposure`` (p × i) and ``level``."""
    return [
        {"impact": impact, "cells": [
            {"probability": p, "impact": impact, "count": counts.get((p, impact), 0), "exposure": p * impact,
             "level": exposure_level(p * impact, high=high)}
            for p in range(1, 6)
        ]}
        for impact in range(5, 0, -1)
    ]


def health_trend(reports: Sequence[Any], *, limit: int = 12) -> list[dict[str, Any]]:
    """The last ``limit`` status reports, oldest first, as ``{"date", "health"}`` for the trend strip
    (``reports`` newest first, as the detail page reads them)."""
    return [{"date": r.reported_on, "health": r.health} for r in reversed(list(reports)[:limit])]
