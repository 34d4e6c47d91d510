"""Reads of the customer map: the journey map's colouring (pure functions, no database), the map's
period and figures from rollups, the rollup list filters, and the trend chart (no database)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests import factories as f
from voc import charts, selectors
from voc.models import Metric, Rollup
from voc.selectors import Status, format_value, near_band, score_status

D = Decimal


# --- colouring: pure functions ----------------------------------------------------------------

NPS_TARGET = D(30)
NPS_NEAR = D(10)


def status(value, n=100, min_n=30, target=NPS_TARGET, higher=True, near=NPS_NEAR):
    return score_status(value=None if value is None else D(value), n=n, min_n=min_n, target=target,
                        higher_is_better=higher, near=near)


@pytest.mark.parametrize("value,expected", [
    ("30", Status.GOOD), ("45", Status.GOOD), ("29.9", Status.NEAR), ("20", Status.NEAR),
    ("19.99", Status.BAD), ("-100", Status.BAD),
])
def test_higher_is_better(value, expected):
    assert status(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("15", Status.GOOD), ("3", Status.GOOD), ("15.5", Status.NEAR), ("16.5", Status.NEAR), ("16.6", Status.BAD),
])
def test_lower_is_better(value, expected):
    # A resolution time with a target of 15 minutes, near within 1.5 (10% of the target).
    assert status(value, target=D(15), higher=False, near=D("1.5")) == expected


def test_below_the_minimum_n_is_never_a_clean_figure_even_when_it_beats_the_target():
    assert status("80", n=29, min_n=30) == Status.BELOW_MIN
    assert status("-80", n=1, min_n=30) == Status.BELOW_MIN
    assert status("80", n=30, min_n=30) == Status.GOOD


def test_no_data_and_no_target():
    assert status(None, n=0) == Status.NO_DATA
    assert status("10", n=0) == Status.NO_DATA
    assert status("10", target=None) == Status.NO_TARGET
    assert status("10", n=3, target=None) == Status.BELOW_MIN


@pytest.mark.parametrize("method,low,high,target,expected", [
    ("nps", D(0), D(10), D(30), D(10)),              # 5% of −100…+100
    ("agree_minus_disagree", D(1), D(7), None, D(10)),
    ("top2box", D(1), D(5), D(80), D(5)),            # 5% of 0…100
    ("share", D(0), D(1), D(5), D(5)),
    ("mean", D(1), D(7), D("5.5"), D("0.30")),       # 5% of the 1–7 scale
    ("median", D(0), None, D(48), D("4.80")),        # no range: 10% of the target
    ("sum", None, None, None, D(0)),
])
def test_near_band(method, low, high, target, expected):
    assert near_band(method=method, scale_min=low, scale_max=high, target=target) == expected


@pytest.mark.parametrize("method,value,expected", [
    ("nps", D("32.4"), "+32"), ("nps", D("-7.5"), "-8"), ("nps", D("0.2"), "0"),
    ("agree_minus_disagree", D("12.5"), "+13"),
    ("top2box", D("81.5"), "82%"), ("share", D("4.44"), "4%"),
    ("mean", D("5.45"), "5.5"), ("median", D("12"), "12.0"), ("sum", D("120.0000"), "120"),
    ("nps", None, "—"),
])
def test_format_value(method, value, expected):
    assert format_value(method=method, value=value) == expected


def test_map_period_is_the_last_full_month():
    org = SimpleNamespace(timezone="Europe/Madrid")
    assert selectors.map_period(org=org, today=dt.date(2025, 3, 1)) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert selectors.map_period(org=org, today=dt.date(2025, 1, 31)) == (dt.date(2024, 12, 1), dt.date(2024, 12, 31))


# --- the trend chart: pure data in, figure JSON out ---------------------------------------------

def _points():
    return [
        charts.TrendPoint(dt.date(2025, 1, 1), D("31.5"), 40),
        charts.TrendPoint(dt.date(2025, 2, 1), D("12"), 8),
        charts.TrendPoint(dt.date(2025, 3, 1), None, 0),
        charts.TrendPoint(dt.date(2025, 4, 1), D("-4"), 35),
    ]


def test_trend_figure_keeps_below_minimum_months_off_the_line():
    figure = charts.metric_trend_figure(name="NPS", method="nps", target=D(30), min_n=30, points=_points())
    json.dumps(figure)  # plain JSON, ready for the data island
    bars, line, thin, target = figure["data"]
    assert bars["type"] == "bar" and bars["y"] == [40, 8, 0, 35]
    assert line["x"] == ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]
    assert line["y"] == [31.5, None, None, -4.0]
    assert line["connectgaps"] is False
    assert thin["y"] == [None, 12.0, None, None]
    assert "30" in thin["name"]
    assert target["y"] == [30.0, 30.0] and target["line"]["dash"] == "dash"
    # The value axis overlays the n axis, so the line is drawn above the bars.
    assert line["yaxis"] == thin["yaxis"] == target["yaxis"] == "y2"
    assert figure["layout"]["yaxis2"]["overlaying"] == "y"
    assert "NPS" in figure["layout"]["yaxis2"]["title"]["text"]


def test_trend_figure_without_target_or_thin_months():
    points = [charts.TrendPoint(dt.date(2025, 1, 1), D("4.2"), 50)]
    figure = charts.metric_trend_figure(name="CES", method="mean", target=None, min_n=30, points=points)
    assert [trace["type"] for trace in figure["data"]] == ["bar", "scatter"]
    assert figure["layout"]["yaxis2"]["title"]["text"] == "Mean"


def test_trend_input_reads_any_metric_and_rollup_like_objects():
    metric = SimpleNamespace(name="CSAT", method="top2box", target=D(80), min_n=20)
    rows = [SimpleNamespace(period_start=dt.date(2025, 5, 1), value=D("75.5"), n=21)]
    kwargs = charts.trend_input(metric, rows)
    assert kwargs["points"] == [charts.TrendPoint(dt.date(2025, 5, 1), D("75.5"), 21)]
    figure = charts.metric_trend_figure(**kwargs)
    assert figure["data"][1]["y"] == [75.5]


# --- figures from rollups ------------------------------------------------------------------------

@pytest.mark.django_db
def test_touchpoint_scores_read_the_months_touchpoint_rollups(org_a, org_b):
    journey = f.JourneyFactory(organization=org_a)
    tp = f.TouchpointFactory(organization=org_a, journey=journey)
    other = f.TouchpointFactory(organization=org_a, journey=journey)
    nps = Metric.objects.for_org(org_a).get(code="nps")
    csat = Metric.objects.for_org(org_a).get(code="csat")
    mean = f.MetricFactory(organization=org_a)
    month = dt.date(2025, 2, 1)

    def rollup(metric, subject, **kwargs):
        defaults = {"grain": Rollup.Grain.TOUCHPOINT, "period": Rollup.Period.MONTH, "period_start": month,
                    "subject_id": subject, "n": 50, "favourable": 20, "unfavourable": 5}
        return f.RollupFactory(organization=org_a, metric=metric, **{**defaults, **kwargs})

    rollup(csat, tp.pk, value=D("85"))
    rollup(nps, tp.pk, value=D("12"), n=10, favourable=4, unfavourable=2)
    rollup(mean, tp.pk, value=D("4"))                                   # not an NPS/CSAT/CES kind
    rollup(nps, tp.pk, value=D("50"), period_start=dt.date(2025, 1, 1))  # another month
    rollup(nps, tp.pk, value=D("50"), period=Rollup.Period.WEEK, period_start=dt.date(2025, 2, 3))
    rollup(nps, other.pk, value=D("29"))
    f.RollupFactory(organization=org_b, metric=Metric.objects.for_org(org_b).get(code="nps"),
                    grain=Rollup.Grain.TOUCHPOINT, subject_id=tp.pk, period_start=month, value=D("-90"))

    scores = selectors.touchpoint_scores(org=org_a, touchpoint_ids=[tp.pk, other.pk], period_start=month)
    assert [(s.label, s.display, s.n, s.status) for s in scores[tp.pk]] == [
        ("NPS", "+12", 10, Status.BELOW_MIN), ("CSAT", "85%", 50, Status.GOOD),
    ]
    assert [(s.display, s.status) for s in scores[other.pk]] == [("+29", Status.NEAR)]
    assert selectors.touchpoint_scores(org=org_a, touchpoint_ids=[], period_start=month) == {}


@pytest.mark.django_db
def test_rollup_list_narrows_by_subject_and_dates(org_a, org_b):
    segment = f.SegmentFactory(organization=org_a)
    journey = f.JourneyFactory(organization=org_a, segment=segment)
    elsewhere = f.JourneyFactory(organization=org_a)
    tp = f.TouchpointFactory(organization=org_a, journey=journey)
    tp_elsewhere = f.TouchpointFactory(organization=org_a, journey=elsewhere)
    nps = Metric.objects.for_org(org_a).get(code="nps")
    days = [dt.date(2025, 3, d) for d in (1, 2, 3)]
    for day in days:
        for grain, subject in ((Rollup.Grain.TOUCHPOINT, tp.pk), (Rollup.Grain.TOUCHPOINT, tp_elsewhere.pk),
                               (Rollup.Grain.JOURNEY, journey.pk), (Rollup.Grain.JOURNEY, elsewhere.pk),
                               (Rollup.Grain.SEGMENT, segment.pk), (Rollup.Grain.ORGANIZATION, 0)):
            f.RollupFactory(organization=org_a, metric=nps, grain=grain, subject_id=subject,
                            period=Rollup.Period.DAY, period_start=day)

    def rows(**kwargs):
        return [(r.subject_id, r.period_start.day) for r in selectors.rollup_list(
            org=org_a, metric=nps, period=Rollup.Period.DAY, **kwargs)]

    assert rows(grain="organization") == [(0, 1), (0, 2), (0, 3)]
    assert rows(grain="touchpoint", date_from=days[1], date_to=days[1]) == [(tp.pk, 2), (tp_elsewhere.pk, 2)]
    assert rows(grain="touchpoint", journey=journey) == [(tp.pk, 1), (tp.pk, 2), (tp.pk, 3)]
    assert rows(grain="touchpoint", segment=segment, date_from=days[2]) == [(tp.pk, 3)]
    assert rows(grain="touchpoint", touchpoint=tp_elsewhere, date_to=days[0]) == [(tp_elsewhere.pk, 1)]
    assert rows(grain="journey", journey=elsewhere, date_from=days[2]) == [(elsewhere.pk, 3)]
    assert rows(grain="journey", segment=segment, date_from=days[2]) == [(journey.pk, 3)]
    assert rows(grain="segment", segment=segment, date_from=days[2]) == [(segment.pk, 3)]
