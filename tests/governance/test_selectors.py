"""Charter budget roll-up, roadmap, and goal attainment from rollups — all hand-computed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.models import Goal, RoadmapStep
from governance.selectors import budget_lines, goal_attainment, goals_attainment, initiative_spend_by_year
from governance.services import (
    budget_year_set,
    charter_update,
    goal_create,
    period_bounds,
    roadmap_ensure,
    roadmap_step_update,
)
from tests.factories import (
    BodyFactory,
    InitiativeFactory,
    JourneyFactory,
    MetricFactory,
    RollupFactory,
    TouchpointFactory,
)
from voc.models import Rollup

pytestmark = pytest.mark.django_db


def _at(year, month, day):
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC)


def test_spent_is_summed_from_initiatives_once_each(org_a, org_b):
    InitiativeFactory(organization=org_a, start_date=dt.date(2025, 3, 1), actual_cost=Decimal("1000.50"))
    # Started 2025, completed 2026: counted in 2026 only.
    InitiativeFactory(organization=org_a, start_date=dt.date(2025, 11, 1), completed_at=_at(2026, 2, 1),
                      actual_cost=Decimal("2500"))
    InitiativeFactory(organization=org_a, start_date=dt.date(2026, 1, 15), actual_cost=Decimal("300"))
    InitiativeFactory(organization=org_a, completed_at=_at(2026, 6, 30), actual_cost=Decimal("200"))
    InitiativeFactory(organization=org_a, actual_cost=Decimal("999"))  # neither started nor completed
    InitiativeFactory(organization=org_b, start_date=dt.date(2026, 1, 1), actual_cost=Decimal("77777"))

    assert initiative_spend_by_year(org=org_a) == {2025: Decimal("1000.50"), 2026: Decimal("3000")}
    budget_year_set(org=org_a, year=2026, planned="10000")
    budget_year_set(org=org_a, year=2027, planned=Decimal("5000"), note="Draft")
    lines = {line.year: line for line in budget_lines(org=org_a)}
    assert [line.year for line in budget_lines(org=org_a)] == [2027, 2026, 2025]
    assert (lines[2026].planned, lines[2026].spent, lines[2026].remaining) == (
        Decimal("10000.00"), Decimal("3000"), Decimal("7000.00"),
    )
    assert lines[2026].spent_percent == 30
    assert lines[2025].budget is None and lines[2025].planned == 0 and lines[2025].spent_percent is None
    assert lines[2027].spent == 0


def test_budget_year_refuses_bad_input(org_a):
    for year, planned, field in ((1999, "1", "year"), (2026, "-5", "planned"), (2026, "lots", "planned")):
        with pytest.raises(ValidationError) as exc:
            budget_year_set(org=org_a, year=year, planned=planned)
        assert field in exc.value.message_dict
    budget_year_set(org=org_a, year=2026, planned="1000")
    budget_year_set(org=org_a, year=2026, planned="2000")
    assert [line.planned for line in budget_lines(org=org_a)] == [Decimal("2000.00")]


def test_charter_is_one_per_organization(org_a):
    charter = charter_update(org=org_a, vision="Easy to deal with", guidelines=["innovate", "customer_risk"],
                             custom_guidelines=["Be fair", " ", "Be fair"], roi_indicators=["retention"])
    again = charter_update(org=org_a, vision="Easier", guidelines=["innovate"])
    assert again.pk == charter.pk
    assert again.guideline_labels() == ["Innovate"]
    assert charter.guidelines == ["customer_risk", "innovate"] and charter.custom_guidelines == ["Be fair"]
    with pytest.raises(ValidationError) as exc:
        charter_update(org=org_a, guidelines=["world_peace"])
    assert "guidelines" in exc.value.message_dict


def test_roadmap_is_created_lazily_and_once(org_a):
    steps = roadmap_ensure(org=org_a)
    assert [s.step for s in steps] == list(range(1, 9))
    assert {s.status for s in steps} == {"not_started"}
    assert roadmap_ensure(org=org_a) == steps
    first = steps[0]
    roadmap_step_update(org=org_a, step=first, status="done", evidence="SWOT agreed",
                        evidence_url="https://intranet.example/swot", start_date=dt.date(2026, 1, 1),
                        end_date=dt.date(2026, 2, 1))
    with pytest.raises(ValidationError) as exc:
        roadmap_step_update(org=org_a, step=first, status="done", evidence_url="javascript:alert(1)")
    assert "evidence_url" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        roadmap_step_update(org=org_a, step=first, status="done", start_date=dt.date(2026, 2, 2),
                            end_date=dt.date(2026, 2, 1))
    assert "end_date" in exc.value.message_dict
    assert RoadmapStep.objects.for_org(org_a).get(step=1).evidence == "SWOT agreed"


def test_periods_snap_to_year_quarter_and_month():
    day = dt.date(2026, 8, 17)
    assert period_bounds("year", day) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert period_bounds("quarter", day) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert period_bounds("quarter", dt.date(2026, 12, 3)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period_bounds("month", dt.date(2028, 2, 10)) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))


def _rollup(org, metric, start, n, value, grain=Rollup.Grain.ORGANIZATION, subject=0, period=Rollup.Period.MONTH):
    return RollupFactory(organization=org, metric=metric, grain=grain, subject_id=subject, period=period,
                         period_start=start, n=n, value=Decimal(value), score_sum=Decimal("0"),
                         computed_at=timezone.now())


def test_goal_attainment_is_the_n_weighted_mean_of_monthly_rollups(org_a, users_a):
    nps = MetricFactory(organization=org_a, code="nps-x", kind="nps", method="nps", min_n=30,
                        higher_is_better=True, scale_min=0, scale_max=10)
    _rollup(org_a, nps, dt.date(2026, 1, 1), 20, "40")
    _rollup(org_a, nps, dt.date(2026, 2, 1), 60, "20")
    _rollup(org_a, nps, dt.date(2026, 3, 1), 20, "50")
    _rollup(org_a, nps, dt.date(2026, 4, 1), 500, "-80")  # next quarter: ignored
    _rollup(org_a, nps, dt.date(2026, 2, 2), 900, "-90", period=Rollup.Period.DAY)  # days: ignored
    _rollup(org_a, nps, dt.date(2026, 2, 1), 900, "-90", grain=Rollup.Grain.JOURNEY, subject=123)  # other scope

    goal = goal_create(org=org_a, user=users_a["cx_lead"], metric=nps, period_kind="quarter",
                       period_start=dt.date(2026, 2, 14), target="30")
    assert (goal.period_start, goal.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    result = goal_attainment(org=org_a, goal=goal)
    # (40×20 + 20×60 + 50×20) / 100 = 3000 / 100 = 30
    assert (result.value, result.n, result.months) == (Decimal("30.00"), 100, 3)
    assert result.on_target is True and result.state == "on"

    goal.target = Decimal("30.01")
    assert goal_attainment(org=org_a, goal=goal).on_target is False


def test_goal_below_min_n_is_not_judged(org_a):
    csat = MetricFactory(organization=org_a, min_n=50)
    _rollup(org_a, csat, dt.date(2026, 5, 1), 49, "99")
    goal = goal_create(org=org_a, body=BodyFactory(organization=org_a), metric=csat, period_kind="month",
                       period_start=dt.date(2026, 5, 1), target="10")
    result = goal_attainment(org=org_a, goal=goal)
    assert (result.value, result.n) == (Decimal("99.00"), 49)
    assert result.enough_data is False and result.on_target is None and result.state == "no_data"
    empty = goal_create(org=org_a, body=BodyFactory(organization=org_a), metric=csat, period_kind="month",
                        period_start=dt.date(2026, 6, 1), target="10")
    result = goal_attainment(org=org_a, goal=empty)
    assert (result.value, result.n, result.months, result.state) == (None, 0, 0, "no_data")


def test_lower_is_better_and_scoped_goals(org_a, users_a):
    wait = MetricFactory(organization=org_a, kind="duration", method="mean", min_n=10, higher_is_better=False,
                         scale_min=None, scale_max=None)
    journey = JourneyFactory(organization=org_a)
    tp = TouchpointFactory(organization=org_a, journey=journey)
    _rollup(org_a, wait, dt.date(2026, 1, 1), 10, "120", grain=Rollup.Grain.TOUCHPOINT, subject=tp.pk)
    _rollup(org_a, wait, dt.date(2026, 7, 1), 30, "80", grain=Rollup.Grain.TOUCHPOINT, subject=tp.pk)
    _rollup(org_a, wait, dt.date(2026, 7, 1), 40, "300", grain=Rollup.Grain.JOURNEY, subject=journey.pk)
    _rollup(org_a, wait, dt.date(2026, 7, 1), 100, "10")  # organization

    at_tp = goal_create(org=org_a, user=users_a["ambassador"], metric=wait, touchpoint=tp, period_kind="year",
                        period_start=dt.date(2026, 3, 3), target="95")
    on_journey = goal_create(org=org_a, body=BodyFactory(organization=org_a), metric=wait, journey=journey,
                             period_kind="year", period_start=dt.date(2026, 1, 1), target="95")
    whole = goal_create(org=org_a, body=BodyFactory(organization=org_a), metric=wait, period_kind="year",
                        period_start=dt.date(2026, 1, 1), target="95")
    results = {a.goal.pk: a for a in goals_attainment(org=org_a)}
    # (120×10 + 80×30) / 40 = 3600 / 40 = 90 ≤ 95: on target although lower.
    assert (results[at_tp.pk].value, results[at_tp.pk].n, results[at_tp.pk].on_target) == (Decimal("90.00"), 40, True)
    assert (results[on_journey.pk].value, results[on_journey.pk].on_target) == (Decimal("300.00"), False)
    assert (results[whole.pk].value, results[whole.pk].on_target) == (Decimal("10.00"), True)


def test_goal_needs_one_owner_and_one_scope(org_a, org_b, users_a, users_b):
    metric = MetricFactory(organization=org_a)
    common = {"metric": metric, "period_kind": "month", "period_start": dt.date(2026, 1, 1), "target": "1"}
    with pytest.raises(ValidationError) as exc:
        goal_create(org=org_a, **common)
    assert "user" in exc.value.message_dict
    with pytest.raises(ValidationError):
        goal_create(org=org_a, user=users_a["cx_lead"], body=BodyFactory(organization=org_a), **common)
    with pytest.raises(ValidationError) as exc:
        goal_create(org=org_a, user=users_b["cx_lead"], **common)
    assert exc.value.message_dict == {"user": ["Not found in this organization."]}
    with pytest.raises(ValidationError) as exc:
        goal_create(org=org_a, user=users_a["cx_lead"], **{**common, "metric": MetricFactory(organization=org_b)})
    assert exc.value.message_dict == {"metric": ["Not found in this organization."]}
    tp = TouchpointFactory(organization=org_a)
    with pytest.raises(ValidationError) as exc:
        goal_create(org=org_a, user=users_a["cx_lead"], touchpoint=tp, journey=tp.journey, **common)
    assert "journey" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        goal_create(org=org_a, user=users_a["cx_lead"], **{**common, "period_kind": "decade"})
    assert "period_kind" in exc.value.message_dict
    assert not Goal.objects.for_org(org_a).exists()
