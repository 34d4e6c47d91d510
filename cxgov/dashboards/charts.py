"""Figures of the executive dashboard (plotly, JSON-ready dicts) and of the monthly report (SVG drawn
on the server with pygal, since the PDF renderer runs no JavaScript). Pure: plain data in, a figure
out; labels arrive translated, numbers are formatted with the language's separators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

BRAND = "#12355b"
ACCENT = "#0e7c86"
AMBER = "#9a6200"
GREY = "#8a96a3"
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", "size": 12, "color": "#17212b"}


def _num(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _layout(separators: str, **extra: object) -> dict:
    layout = {
        "font": FONT, "separators": separators,
        "margin": {"l": 40, "r": 16, "t": 12, "b": 36},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": True, "legend": {"orientation": "h", "y": -0.18},
    }
    layout.update(extra)
    return layout


def _closed(values: Sequence) -> list:
    values = list(values)
    return values + values[:1] if values else values


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
    levers: Sequence[str], current: Sequence[Decimal | None], target: Sequence[int | None],
    previous: Sequence[Decimal | None], *, labels: dict[str, str], separators: str = ".,",
) -> dict:
    """Maturity per lever: current (filled), target (dashed) and last period (grey outline)."""
    theta = _closed([wrap(name) for name in levers])
    trace = {"type": "scatterpolar", "theta": theta, "connectgaps": True,
             "hovertemplate": "%{theta}: %{r:.2f}<extra></extra>"}
    return {
        "data": [
            {**trace, "name": labels["previous"], "r": _closed([_num(v) for v in previous]),
             "line": {"color": GREY, "dash": "dot", "width": 1.5}, "fill": "none"},
            {**trace, "name": labels["target"], "r": _closed([_num(v) for v in target]),
             "line": {"color": AMBER, "dash": "dash", "width": 2}, "fill": "none"},
            {**trace, "name": labels["current"], "r": _closed([_num(v) for v in current]),
             "line": {"color": ACCENT, "width": 2}, "fill": "toself", "fillcolor": "rgba(14,124,134,0.18)"},
        ],
        "layout": _layout(
            separators,
            polar={"radialaxis": {"range": [0, 5], "dtick": 1, "gridcolor": "#dfe4ea", "tickfont": {"size": 10}},
                   "angularaxis": {"gridcolor": "#dfe4ea", "tickfont": {"size": 10}}, "bgcolor": "rgba(0,0,0,0)"},
            margin={"l": 70, "r": 70, "t": 50, "b": 20}, height=380,
            legend={"orientation": "h", "y": -0.08, "x": 0.5, "xanchor": "center"},
        ),
    }


def line_figure(
    points: Sequence[tuple[dt.date | dt.datetime, Decimal | None]], *, name: str, target: Decimal | None = None,
    target_label: str = "", y_range: Sequence[float] | None = None, ns: Sequence[int] | None = None,
    n_label: str = "n", separators: str = ".,", height: int = 220, monthly: bool = True,
) -> dict:
    """A monthly (or per-snapshot) line, with the target as a dashed line and n in the hover."""
    xs = [p.isoformat() for p, _v in points]
    trace: dict = {"type": "scatter", "mode": "lines+markers", "name": name, "x": xs,
                   "y": [_num(v) for _p, v in points], "line": {"color": BRAND, "width": 2.5},
                   "marker": {"size": 6, "color": BRAND}, "connectgaps": False}
    if ns is not None:
        trace["customdata"] = list(ns)
        trace["hovertemplate"] = f"%{{x|%m/%Y}}: %{{y}} ({n_label} = %{{customdata}})<extra></extra>"
    data = [trace]
    if target is not None and xs:
        data.append({"type": "scatter", "mode": "lines", "name": target_label, "x": [xs[0], xs[-1]],
                     "y": [_num(target)] * 2, "line": {"color": AMBER, "dash": "dash", "width": 1.5},
                     "hoverinfo": "skip"})
    yaxis: dict = {"gridcolor": "#edf0f3", "zeroline": False}
    if y_range:
        yaxis["range"] = list(y_range)
    # Numeric month ticks read the same in every language (plotly's month names are English).
    xaxis: dict = {"type": "date", "gridcolor": "#edf0f3", "tickformat": "%m/%y" if monthly else "%d/%m/%y"}
    if monthly:
        xaxis["dtick"] = "M3"
    return {"data": data, "layout": _layout(separators, xaxis=xaxis, yaxis=yaxis, height=height,
                                            showlegend=target is not None)}


def bar_figure(labels: Sequence[str], values: Sequence[float | Decimal], *, colors: Sequence[str] | None = None,
               separators: str = ".,", horizontal: bool = False, height: int = 220) -> dict:
    """A simple bar chart (one series)."""
    values = [_num(v) for v in values]
    trace: dict = {"type": "bar", "marker": {"color": list(colors) if colors else BRAND}, "hoverinfo": "x+y"}
    category = {"type": "category"}
    if horizontal:
        trace.update(x=values, y=list(labels), orientation="h")
    else:
        trace.update(x=list(labels), y=values)
    count_axis = {"rangemode": "tozero", "tickformat": ",d", "gridcolor": "#edf0f3"}
    if all(isinstance(v, (int, float)) and float(v).is_integer() for v in values if v is not None) and max(
            (v or 0 for v in values), default=0) <= 10:
        count_axis["dtick"] = 1
    axes = ({"xaxis": count_axis, "yaxis": {**category, "automargin": True}} if horizontal
            else {"xaxis": category, "yaxis": {**count_axis, "automargin": True}})
    return {"data": [trace], "layout": _layout(separators, showlegend=False, height=height,
                                               margin={"l": 110 if horizontal else 40, "r": 16, "t": 8, "b": 36},
                                               **axes)}


HEALTH_COLORS = {"green": "#2e7d32", "amber": "#b7791f", "red": "#c62828"}
STATUS_COLORS = {"idea": "#9aa5b1", "planned": "#5b7fa3", "in_progress": ACCENT, "on_hold": "#b7791f",
                 "done": "#2e7d32", "cancelled": "#6b7280"}


# --- the report: SVG drawn on the server ------------------------------------------------------------

def _pygal_style():
    from pygal.style import Style

    return Style(background="white", plot_background="white", foreground="#17212b", foreground_strong="#17212b",
                 foreground_subtle="#8a96a3", colors=(ACCENT, AMBER, GREY, BRAND, "#2e7d32", "#c62828"),
                 font_family="DejaVu Sans, Arial, sans-serif", label_font_size=11, major_label_font_size=11,
                 legend_font_size=11, title_font_size=13, value_font_size=10)


def _config(**extra: object) -> dict:
    # No JavaScript (the PDF renderer runs none; the page's CSP allows none inline).
    return {"js": [], "disable_xml_declaration": True, "style": _pygal_style(), "width": 640, "height": 320,
            "legend_at_bottom": True, "legend_at_bottom_columns": 3, "print_values": False,
            "show_y_guides": True, "truncate_label": -1, "margin": 12, **extra}


def svg_radar(levers: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | None]]], *,
              formatter=None) -> str:
    """Maturity per lever as a radar (one polygon per series), 0–5."""
    import pygal

    chart = pygal.Radar(**_config(range=(0, 5), fill=False, dots_size=3, width=720, height=500))
    chart.x_labels = [name if len(name) <= 20 else name[:19] + "…" for name in levers]
    if formatter:
        chart.value_formatter = formatter
    for name, values in series:
        chart.add(name, [None if v is None else float(v) for v in values])
    return chart.render(is_unicode=True)


def svg_lines(months: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | None]]], *,
              formatter=None) -> str:
    """Monthly lines (e.g. NPS, CSAT, CES), gaps where a month has no figure."""
    import pygal

    chart = pygal.Line(**_config(allow_interruptions=True, dots_size=3, x_label_rotation=0, height=270,
                                 min_scale=3, max_scale=6, legend_at_bottom_columns=2))
    chart.x_labels = list(months)
    if formatter:
        chart.value_formatter = formatter
    for name, values in series:
        chart.add(name, [None if v is None else float(v) for v in values])
    return chart.render(is_unicode=True)


def svg_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | Decimal]]], *,
             formatter=None, height: int = 280) -> str:
    """Grouped bars (e.g. initiatives per status; planned vs spent)."""
    import pygal

    top = max((float(v) for _name, values in series for v in values), default=0)
    step = max(1, int(top // 5) or 1)
    chart = pygal.Bar(**_config(height=height, print_values=True, x_label_rotation=0,
                                y_labels=list(range(0, int(top) + step + 1, step))))
    chart.x_labels = list(labels)
    if formatter:
        chart.value_formatter = formatter
    for name, values in series:
        chart.add(name, [float(v) for v in values])
    return chart.render(is_unicode=True)
