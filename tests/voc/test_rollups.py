"""Rollups against hand-computed values, and incremental refresh == full recompute."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxgov.tenancy.models import Organization
from tests.factories import DataSourceFactory, JourneyFactory, MetricFactory, SegmentFactory, TouchpointFactory
from voc.models import Metric, Response, Rollup
from voc.rollups import local_day, rollups_refresh

MADRID = ZoneInfo("Europe/Madrid")
_seq = iter(range(10**9))


@pytest.fixture
def org(db) -> Organization:
    return Organization.objects.create(name="Rollup Org", slug="rollup-org", timezone="Europe/Madrid")


@pytest.fixture
def world(org):
    segment = SegmentFactory(organization=org)
    journey = JourneyFactory(organization=org, segment=segment)
    other_journey = JourneyFactory(organization=org)
    return {
        "source": DataSourceFactory(organization=org),
        "segment": segment,
        "journey": journey,
        "tp1": TouchpointFactory(organization=org, journey=journey),
        "tp2": TouchpointFactory(organization=org, journey=journey),
        "tp3": TouchpointFactory(organization=org, journey=other_journey),
        "nps": MetricFactory(organization=org, code="nps", kind="nps", method="nps", scale_min=0, scale_max=10),
        "csat": MetricFactory(organization=org, code="csat", kind="csat", method="top2box", scale_min=1, scale_max=5),
        "ces": MetricFactory(organization=org, code="ces", kind="ces", method="mean", scale_min=1, scale_max=7),
        "ces_amd": MetricFactory(
            organization=org, code="ces-amd", kind="ces", method="agree_minus_disagree", scale_min=1, scale_max=7
        ),
        "median": MetricFactory(
            organization=org, code="frt", kind="duration", method="median", scale_min=None, scale_max=None
        ),
        "rate": MetricFactory(organization=org, code="abandon", kind="rate", method="share", scale_min=0, scale_max=1),
    }


def add(org, world, metric, score, when, touchpoint="tp1"):
    return Response.objects.create(
        organization=org, source=world["source"], external_id=f"r{next(_seq)}", metric=world[metric],
        touchpoint=world[touchpoint] if touchpoint else None, score=Decimal(str(score)), submitted_at=when,
    )


def rollup(org, metric, grain, subject, period, start):
    return Rollup.objects.for_org(org).filter(
        metric=metric, grain=grain, subject_id=subject, period=period, period_start=start
    ).first()


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=MADRID)


D = dt.date(2026, 3, 11)  # a Wednesday


def test_nps_hand_computed(org, world):
    # 10 responses: promoters 9,10,10,9 (4); passives 7,8 (2); detractors 0,5,6,6 (4) -> NPS 0.
    for score in [9, 10, 10, 9, 7, 8, 0, 5, 6, 6]:
        add(org, world, "nps", score, at(D))
    rollups_refresh(org=org)
    r = rollup(org, world["nps"], "touchpoint", world["tp1"].pk, "day", D)
    assert (r.n, r.promoters, r.passives, r.detractors) == (10, 4, 2, 4)
    assert r.value == Decimal("0")
    # 3 promoters, 1 detractor of 4 -> +50 on another touchpoint of the same journey.
    for score in [10, 10, 9, 3]:
        add(org, world, "nps", score, at(D), touchpoint="tp2")
    rollups_refresh(org=org)
    journey = rollup(org, world["nps"], "journey", world["journey"].pk, "day", D)
    assert (journey.n, journey.promoters, journey.detractors) == (14, 7, 5)
    assert journey.value == Decimal("14.2857")  # 100 * (7 - 5) / 14
    assert rollup(org, world["nps"], "touchpoint", world["tp2"].pk, "day", D).value == Decimal("50")
    assert rollup(org, world["nps"], "segment", world["segment"].pk, "day", D).n == 14


def test_all_promoters_is_plus_100(org, world):
    for _ in range(5):
        add(org, world, "nps", 10, at(D))
    rollups_refresh(org=org)
    assert rollup(org, world["nps"], "organization", 0, "month", D.replace(day=1)).value == Decimal("100")


def test_csat_top_two_box_and_ces_variants(org, world):
    for score in [5, 4, 4, 3, 1]:  # top-2: 3 of 5 -> 60 %
        add(org, world, "csat", score, at(D))
    for score in [7, 6, 2, 1]:  # mean 4
        add(org, world, "ces", score, at(D))
    for score in [7, 6, 5, 4, 1]:  # agree 3, neutral 1, disagree 1 -> 40
        add(org, world, "ces_amd", score, at(D))
    rollups_refresh(org=org)
    assert rollup(org, world["csat"], "touchpoint", world["tp1"].pk, "day", D).value == Decimal("60")
    assert rollup(org, world["ces"], "touchpoint", world["tp1"].pk, "day", D).value == Decimal("4")
    assert rollup(org, world["ces_amd"], "touchpoint", world["tp1"].pk, "day", D).value == Decimal("40")


def test_median_and_rate(org, world):
    for score in [30, 10, 20, 40]:  # even count: (20 + 30) / 2
        add(org, world, "median", score, at(D))
    add(org, world, "median", 1000, at(D), touchpoint="tp3")  # odd count over the organization: 30
    for score in [1, 0, 0, 1]:  # half abandoned -> 50 %
        add(org, world, "rate", score, at(D))
    rollups_refresh(org=org)
    assert rollup(org, world["median"], "touchpoint", world["tp1"].pk, "day", D).value == Decimal("25")
    assert rollup(org, world["median"], "organization", 0, "week", dt.date(2026, 3, 9)).value == Decimal("30")
    assert rollup(org, world["median"], "journey", world["journey"].pk, "month", D.replace(day=1)).value == 25
    assert rollup(org, world["rate"], "organization", 0, "day", D).value == Decimal("50")


def test_median_of_every_grain_and_period(org, world):
    """Medians of touchpoints, journeys (with and without a segment), segments and the organization.

    The median is not additive: each grain's day, week and month is selected from its own responses.
    """
    for score in [30, 10, 20, 40]:  # tp1 (journey with the segment) on D
        add(org, world, "median", score, at(D))
    add(org, world, "median", 5, at(D + dt.timedelta(days=1)), touchpoint="tp2")  # same journey, next day
    add(org, world, "median", 1000, at(D), touchpoint="tp3")  # the journey without a segment
    add(org, world, "median", 50, at(D), touchpoint=None)  # no touchpoint: counts for the organization only
    add(org, world, "median", 7, at(dt.date(2026, 3, 31)))  # same month, another week
    rollups_refresh(org=org)
    week, month = dt.date(2026, 3, 9), dt.date(2026, 3, 1)
    median, journey, segment = world["median"], world["journey"].pk, world["segment"].pk

    def value(grain, subject, period, start):
        return rollup(org, median, grain, subject, period, start).value

    assert value("touchpoint", world["tp1"].pk, "day", D) == 25
    assert value("touchpoint", world["tp1"].pk, "week", week) == 25
    assert value("touchpoint", world["tp1"].pk, "month", month) == 20  # 7 10 20 30 40
    assert value("journey", journey, "day", D) == 25
    assert value("journey", journey, "week", week) == 20  # 5 10 20 30 40
    assert value("journey", journey, "month", month) == 15  # 5 7 10 20 30 40
    assert value("segment", segment, "day", D + dt.timedelta(days=1)) == 5
    assert value("segment", segment, "week", week) == 20
    assert value("segment", segment, "month", month) == 15
    assert value("journey", world["tp3"].journey_id, "week", week) == 1000
    assert value("organization", 0, "day", D) == 35  # 10 20 30 40 50 1000
    assert value("organization", 0, "week", week) == 30  # 5 10 20 30 40 50 1000
    assert value("organization", 0, "month", month) == 25  # 5 7 10 20 30 40 50 1000
    # A journey without a segment adds to no segment; only the real segment has rows.
    segments = Rollup.objects.for_org(org).filter(metric=median, grain="segment")
    assert set(segments.values_list("subject_id", flat=True)) == {segment}


def test_no_responses_no_rows_and_n_always_stored(org, world):
    rollups_refresh(org=org)
    assert Rollup.objects.for_org(org).count() == 0
    add(org, world, "nps", 10, at(D))
    rollups_refresh(org=org)
    row = rollup(org, world["nps"], "organization", 0, "day", D)
    # Below the metric's minimum n the figure still exists, with its n, for the UI to mark it.
    assert row.n == 1 and row.n < world["nps"].min_n


def test_midnight_boundary_in_organization_time_zone(org, world):
    # 23:30 in Madrid on 10 March is 22:30 UTC: it counts on the 10th, not the 11th.
    late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=MADRID)
    early = dt.datetime(2026, 3, 11, 0, 15, tzinfo=MADRID)  # 23:15 UTC on the 10th, counts on the 11th
    add(org, world, "nps", 10, late)
    add(org, world, "nps", 0, early)
    rollups_refresh(org=org)
    assert rollup(org, world["nps"], "organization", 0, "day", dt.date(2026, 3, 10)).n == 1
    assert rollup(org, world["nps"], "organization", 0, "day", dt.date(2026, 3, 11)).value == Decimal("-100")
    # A month boundary: 31 March 23:30 local belongs to March.
    add(org, world, "nps", 10, dt.datetime(2026, 3, 31, 23, 30, tzinfo=MADRID))
    rollups_refresh(org=org)
    assert rollup(org, world["nps"], "organization", 0, "month", dt.date(2026, 3, 1)).n == 3
    assert rollup(org, world["nps"], "organization", 0, "month", dt.date(2026, 4, 1)) is None


def test_late_response_for_old_period_refreshes_only_that_period(org, world):
    add(org, world, "nps", 10, at(D))
    rollups_refresh(org=org)
    old = dt.date(2025, 12, 2)
    add(org, world, "nps", 0, at(old))
    stats = rollups_refresh(org=org, touched={world["nps"].pk: [old]})
    assert stats.days == 1 and stats.weeks == 1 and stats.months == 1
    assert rollup(org, world["nps"], "organization", 0, "month", dt.date(2025, 12, 1)).value == Decimal("-100")
    assert rollup(org, world["nps"], "organization", 0, "month", dt.date(2026, 3, 1)).value == Decimal("100")


def test_responses_without_touchpoint_count_for_the_organization_only(org, world):
    add(org, world, "nps", 10, at(D), touchpoint=None)
    add(org, world, "nps", 0, at(D))
    rollups_refresh(org=org)
    assert rollup(org, world["nps"], "organization", 0, "day", D).n == 2
    assert rollup(org, world["nps"], "journey", world["journey"].pk, "day", D).n == 1


def test_refresh_is_idempotent(org, world):
    for score in [10, 3, 8]:
        add(org, world, "nps", score, at(D))
    rollups_refresh(org=org)
    first = snapshot(org)
    rollups_refresh(org=org)
    rollups_refresh(org=org, touched={world["nps"].pk: [D]})
    assert snapshot(org) == first


def snapshot(org):
    return sorted(
        Rollup.objects.for_org(org).values_list(
            "metric_id", "grain", "subject_id", "period", "period_start", "n", "score_sum", "favourable",
            "unfavourable", "value", "scores",
        )
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batches=st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(["nps", "csat", "median"]),
                st.integers(min_value=0, max_value=60),  # day offset within two months
                st.integers(min_value=0, max_value=23),  # hour
                st.sampled_from(["tp1", "tp2", "tp3", None]),
                st.integers(min_value=1, max_value=5),
            ),
            min_size=1, max_size=12,
        ),
        min_size=1, max_size=4,
    )
)
def test_incremental_equals_full(org, world, batches):
    Response.objects.for_org(org).delete()
    Rollup.objects.for_org(org).delete()
    base = dt.datetime(2026, 1, 25, tzinfo=MADRID)
    for batch in batches:
        touched: dict[int, set[dt.date]] = {}
        for metric, offset, hour, tp, score in batch:
            when = base + dt.timedelta(days=offset, hours=hour)
            if metric == "nps":
                score = score * 2  # 2..10 on the NPS scale
            response = add(org, world, metric, score, when, touchpoint=tp)
            touched.setdefault(response.metric_id, set()).add(local_day(response.submitted_at, MADRID))
        rollups_refresh(org=org, touched=touched)
    incremental = snapshot(org)
    rollups_refresh(org=org)
    assert snapshot(org) == incremental


def test_other_organizations_rollups_untouched(org, world):
    other = Organization.objects.create(name="Other", slug="other")
    metric = MetricFactory(organization=other, code="nps", kind="nps", method="nps", scale_min=0, scale_max=10)
    source = DataSourceFactory(organization=other)
    Response.objects.create(organization=other, source=source, external_id="x", metric=metric,
                            score=Decimal(10), submitted_at=at(D))
    rollups_refresh(org=other)
    before = snapshot(other)
    add(org, world, "nps", 0, at(D))
    rollups_refresh(org=org)
    assert snapshot(other) == before
    assert not Rollup.objects.for_org(org).filter(metric=metric).exists()
    assert Metric.objects.for_org(org).count() == 6
