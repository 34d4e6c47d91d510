"""PostgreSQL rollup engine: the day rows' sorted scores (medians of weeks and months without re-reading
responses), and refreshes that write only what changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from tests.conftest import need
from tests.voc.test_rollups import MADRID, add, at, rollup, snapshot
from tests.voc.test_rollups import org as org  # noqa: F401 (fixture)
from tests.voc.test_rollups import world as world  # noqa: F401 (fixture)
from voc.models import Response, Rollup
from voc.rollups import local_day, rollups_refresh

D = dt.date(2026, 3, 11)  # a Wednesday


@pytest.fixture(autouse=True)
def _postgresql(db):
    need(connection.vendor == "postgresql", "the scores and the write-only-changes refresh are PostgreSQL's engine")


def scores(org, metric, grain, subject, day):
    row = rollup(org, metric, grain, subject, "day", day)
    return None if row is None or row.scores is None else [Decimal(str(s)) for s in row.scores]


def test_day_rows_keep_sorted_scores_of_median_metrics_only(org, world):
    for score in [30, 10, 20]:
        add(org, world, "median", score, at(D))
    add(org, world, "median", 5, at(D), touchpoint="tp2")
    add(org, world, "median", 7, at(D), touchpoint=None)
    add(org, world, "nps", 9, at(D))
    rollups_refresh(org=org)
    assert scores(org, world["median"], "touchpoint", world["tp1"].pk, D) == [10, 20, 30]
    assert scores(org, world["median"], "touchpoint", world["tp2"].pk, D) == [5]
    # The organization's day keeps only what no touchpoint day holds: responses without a touchpoint.
    assert scores(org, world["median"], "organization", 0, D) == [7]
    assert scores(org, world["median"], "journey", world["journey"].pk, D) is None
    assert scores(org, world["nps"], "touchpoint", world["tp1"].pk, D) is None
    assert rollup(org, world["median"], "organization", 0, "week", dt.date(2026, 3, 9)).scores is None
    # Median of 5, 7, 10, 20, 30 over the organization's day.
    assert rollup(org, world["median"], "organization", 0, "day", D).value == Decimal("10")


def test_late_data_for_an_old_period_gives_the_full_recompute_medians(org, world):
    old = dt.date(2025, 12, 2)
    for day, score in [(old, 40), (dt.date(2025, 12, 20), 10), (dt.date(2025, 12, 22), 20), (D, 99)]:
        add(org, world, "median", score, at(day))
    add(org, world, "median", 1, at(dt.date(2025, 12, 21)), touchpoint=None)
    rollups_refresh(org=org)
    december = dt.date(2025, 12, 1)
    assert rollup(org, world["median"], "organization", 0, "month", december).value == Decimal("15")  # 1 10 20 40
    # A late response for 2 December: only that day, its week and its month are refreshed, from the
    # stored scores of the other December days.
    add(org, world, "median", 35, at(old))
    stats = rollups_refresh(org=org, touched={world["median"].pk: [old]})
    assert (stats.days, stats.weeks, stats.months) == (1, 1, 1)
    assert rollup(org, world["median"], "organization", 0, "month", december).value == Decimal("20")  # 1 10 20 35 40
    assert rollup(org, world["median"], "touchpoint", world["tp1"].pk, "month", december).value == Decimal("27.5")
    assert rollup(org, world["median"], "journey", world["journey"].pk, "week", dt.date(2025, 12, 1)).value == 37.5
    assert scores(org, world["median"], "touchpoint", world["tp1"].pk, old) == [35, 40]
    incremental = snapshot(org)
    rollups_refresh(org=org)
    assert snapshot(org) == incremental


def test_week_boundary_at_midnight_in_the_organization_time_zone(org, world):
    sunday_late = dt.datetime(2026, 3, 15, 23, 30, tzinfo=MADRID)  # 22:30 UTC, still Sunday in Madrid
    monday_early = dt.datetime(2026, 3, 16, 0, 15, tzinfo=MADRID)  # 23:15 UTC on Sunday, Monday in Madrid
    add(org, world, "median", 10, sunday_late)
    add(org, world, "median", 50, dt.datetime(2026, 3, 14, 9, tzinfo=MADRID))
    rollups_refresh(org=org)
    add(org, world, "median", 70, monday_early)
    rollups_refresh(org=org, touched={world["median"].pk: [local_day(monday_early, MADRID)]})
    assert scores(org, world["median"], "touchpoint", world["tp1"].pk, dt.date(2026, 3, 15)) == [10]
    assert scores(org, world["median"], "touchpoint", world["tp1"].pk, dt.date(2026, 3, 16)) == [70]
    assert rollup(org, world["median"], "organization", 0, "week", dt.date(2026, 3, 9)).value == Decimal("30")
    assert rollup(org, world["median"], "organization", 0, "week", dt.date(2026, 3, 16)).value == Decimal("70")
    assert rollup(org, world["median"], "organization", 0, "month", dt.date(2026, 3, 1)).value == Decimal("50")
    assert rollup(org, world["median"], "organization", 0, "month", dt.date(2026, 3, 1)).n == 3


def test_refresh_of_unchanged_data_writes_nothing_and_changes_are_written(org, world):
    for score in [10, 3, 8]:
        add(org, world, "nps", score, at(D))
    add(org, world, "median", 12, at(D))
    rollups_refresh(org=org)
    computed = dict(Rollup.objects.for_org(org).values_list("pk", "computed_at"))
    assert rollups_refresh(org=org).rows == 0
    assert rollups_refresh(org=org, touched={world["nps"].pk: [D]}).rows == 0
    assert dict(Rollup.objects.for_org(org).values_list("pk", "computed_at")) == computed
    # A new detractor changes the touchpoint, journey, segment and organization rows of the day,
    # week and month: 12 rows rewritten in place, nothing else.
    add(org, world, "nps", 0, at(D))
    assert rollups_refresh(org=org, touched={world["nps"].pk: [D]}).rows == 12
    assert rollup(org, world["nps"], "touchpoint", world["tp1"].pk, "day", D).n == 4
    assert set(Rollup.objects.for_org(org).values_list("pk", flat=True)) == set(computed)


def test_rows_of_periods_left_without_data_are_deleted(org, world):
    kept = add(org, world, "nps", 10, at(D), touchpoint="tp3")
    gone = add(org, world, "nps", 0, at(D + dt.timedelta(days=1)))
    rollups_refresh(org=org)
    Response.objects.for_org(org).filter(pk=gone.pk).delete()
    rollups_refresh(org=org, touched={world["nps"].pk: [D + dt.timedelta(days=1)]})
    assert rollup(org, world["nps"], "touchpoint", world["tp1"].pk, "day", D + dt.timedelta(days=1)) is None
    assert rollup(org, world["nps"], "journey", world["journey"].pk, "month", D.replace(day=1)) is None
    week = rollup(org, world["nps"], "organization", 0, "week", dt.date(2026, 3, 9))
    assert (week.n, week.value) == (1, Decimal("100"))
    assert kept.pk and rollup(org, world["nps"], "touchpoint", world["tp3"].pk, "day", D).n == 1
