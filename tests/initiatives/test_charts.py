"""The PMO's figures from plain values, without a database."""

import datetime as dt
import json
from decimal import Decimal

from initiatives import charts
from initiatives.selectors import KpiPoint

TODAY = dt.date(2025, 5, 10)


def test_gantt_bars_markers_colours_and_today():
    rows = [
        {"label": "Design", "start": dt.date(2025, 4, 1), "end": dt.date(2025, 4, 10), "done": True},
        {"label": "Build", "start": dt.date(2025, 4, 11), "end": dt.date(2025, 5, 9), "overdue": True},
        {"label": "Launch", "start": None, "end": dt.date(2025, 6, 1)},
        {"label": "Undated", "start": None, "end": None},
        {"label": "Design", "start": dt.date(2025, 5, 1), "end": dt.date(2025, 5, 1), "status": "planned"},
    ]
    figure = charts.gantt_figure(rows, today=TODAY)
    json.dumps(figure)  # serialisable as it is, for the data island
    by_name = {(t["type"], t["name"]): t for t in figure["data"]}
    done = by_name[("bar", "Done")]
    assert done["y"] == ["r0"] and done["base"] == ["2025-04-01"]
    assert done["x"] == [10 * charts.DAY_MS]  # 1–10 April, both days included
    assert done["marker"]["color"] == charts.GREEN
    assert by_name[("bar", "Overdue")]["marker"]["color"] == charts.RED
    assert by_name[("bar", "Planned")]["x"] == [charts.DAY_MS]  # a one-day bar
    marker = by_name[("scatter", "In progress")]
    assert marker["x"] == ["2025-06-01"] and marker["marker"]["symbol"] == "diamond"
    # Duplicate labels stay two rows: rows are keyed, labels are tick text.
    assert figure["layout"]["yaxis"]["tickvals"] == ["r0", "r1", "r2", "r3", "r4"]
    assert figure["layout"]["yaxis"]["ticktext"][0] == figure["layout"]["yaxis"]["ticktext"][4] == "Design"
    assert figure["layout"]["shapes"][0]["x0"] == "2025-05-10"


def test_gantt_shortens_long_labels():
    figure = charts.gantt_figure([{"label": "x" * 80, "start": TODAY, "end": TODAY}], today=TODAY)
    tick = figure["layout"]["yaxis"]["ticktext"][0]
    assert len(tick) == 42 and tick.endswith("…")


def test_kpi_figure_marks_start_target_baseline_and_low_n():
    points = [KpiPoint(dt.date(2025, 1, 1), Decimal("32.5"), 40), KpiPoint(dt.date(2025, 2, 1), Decimal("20"), 12)]
    figure = charts.kpi_figure(points, start=dt.date(2025, 2, 10), target=Decimal("50"), baseline=Decimal("18"),
                               min_n=30, title="NPS")
    json.dumps(figure)
    line = figure["data"][0]
    assert line["x"] == ["2025-01-01", "2025-02-01"] and line["y"] == [32.5, 20.0] and line["customdata"] == [40, 12]
    assert line["marker"]["color"] == [charts.ACCENT, "#ffffff"]  # February below the minimum n: hollow
    start, target, baseline = figure["layout"]["shapes"]
    assert start["x0"] == "2025-02-10"
    assert (target["y0"], target["line"]["dash"]) == (50.0, "dash")
    assert (baseline["y0"], baseline["line"]["dash"]) == (18.0, "dot")
    bare = charts.kpi_figure(points, start=None, target=None, baseline=None)
    assert bare["layout"]["shapes"] == []


def test_heatmap_grid_is_five_by_five_impact_down():
    grid = charts.heatmap_grid({(4, 5): 2, (1, 1): 3, (3, 5): 1})
    assert [row["impact"] for row in grid] == [5, 4, 3, 2, 1]
    assert all([c["probability"] for c in row["cells"]] == [1, 2, 3, 4, 5] for row in grid)
    top = grid[0]["cells"]
    assert (top[3]["count"], top[3]["exposure"], top[3]["level"]) == (2, 20, "high")
    assert (top[2]["count"], top[2]["exposure"], top[2]["level"]) == (1, 15, "high")  # 15 is high
    assert grid[4]["cells"][0]["count"] == 3 and grid[4]["cells"][0]["level"] == "low"
    assert grid[3]["cells"][3]["level"] == "medium"  # 4 × 2 = 8
    assert sum(c["count"] for row in grid for c in row["cells"]) == 6


def test_health_trend_is_oldest_first():
    class Report:
        def __init__(self, day, health):
            self.reported_on, self.health = day, health

    newest_first = [Report(dt.date(2025, 5, d), h) for d, h in ((9, "green"), (2, "amber"), (1, "red"))]
    assert [p["health"] for p in charts.health_trend(newest_first)] == ["red", "amber", "green"]
    assert len(charts.health_trend(newest_first, limit=2)) == 2
