"""Plotly figures from plain data: no database."""

import datetime as dt
import json
from decimal import Decimal

from maturity.charts import radar_figure, trend_figure, wrap


def test_trend_figure_plots_overall_per_snapshot_on_the_stage_axis():
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    figure = trend_figure([(t0, Decimal("2.10")), (t0 + dt.timedelta(days=40), None),
                           (t0 + dt.timedelta(days=90), Decimal("2.555"))],
                          label="Overall", stage_names=["Explore", "Define", "Extend", "Consolidate", "Optimize"])
    trace = figure["data"][0]
    assert trace["y"] == [2.1, None, 2.56]
    assert trace["x"][0].startswith("2026-01-01")
    assert figure["layout"]["yaxis"]["ticktext"][2] == "3 Extend"
    assert "range" not in figure["layout"]["xaxis"]
    json.dumps(figure)  # JSON-ready for the data island


def test_trend_with_one_point_gets_a_readable_date_range():
    t0 = dt.datetime(2026, 3, 15, tzinfo=dt.UTC)
    figure = trend_figure([(t0, Decimal("3"))], label="Overall")
    low, high = figure["layout"]["xaxis"]["range"]
    assert low.startswith("2026-02-13") and high.startswith("2026-04-14")


def test_radar_closes_both_polygons_and_wraps_labels():
    figure = radar_figure(["Voice of the customer and measurement", "Design", "Culture"],
                          [Decimal("2.5"), None, Decimal("4")], [4, 3, None],
                          current_label="Current", target_label="Target")
    target, current = figure["data"]
    assert target["r"] == [4, 3, None, 4]
    assert current["r"] == [2.5, None, 4.0, 2.5]
    assert current["theta"][0] == "Voice of the<br>customer and<br>measurement" == current["theta"][-1]
    assert figure["layout"]["polar"]["radialaxis"]["range"] == [0, 5]


def test_wrap():
    assert wrap("Short") == "Short"
    assert wrap("Brand promise and value proposition") == "Brand promise<br>and value<br>proposition"
