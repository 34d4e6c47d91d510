"""Reads of the CX PMO checked against hand-computed cases: ROI, budgets, overdue and stale flags,
KPI before / after from rollups, who may edit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cem_levers.models import Lever
from initiatives import selectors
from initiatives.models import Initiative, InitiativeKpi
from initiatives.selectors import KpiPoint, before_after, weighted_monthly
from initiatives.services import initiative_create, status_report_create
from tests.factories import InitiativeFactory, InitiativeKpiFactory, MilestoneFactory, RollupFactory, TouchpointFactory
from voc.models import Metric, Rollup

S = Initiative.Status


# --- ROI (no database) ---------------------------------------------------------------------------

@pytest.mark.parametrize(("benefit", "cost", "roi", "percent"), [
    ("310000", "28000", Decimal("282000") / Decimal("28000"), Decimal("1007.1")),  # 10.0714…
    ("400000", "131000", Decimal("269000") / Decimal("131000"), Decimal("205.3")),
    ("5000", "10000", Decimal("-0.5"), Decimal("-50.0")),
    ("0", "0", None, None),  # undefined: nothing spent yet
    ("90000", "0", None, None),
])
def test_roi(benefit, cost, roi, percent):
    initiative = Initiative(expected_benefit=Decimal(benefit), actual_cost=Decimal(cost))
    assert initiative.roi == roi
    assert initiative.roi_percent == percent


def test_flags_overdue_and_stale():
    today = dt.date(2025, 5, 10)
    created = dt.date(2025, 1, 1)
    assert selectors.initiative_is_overdue(status=S.IN_PROGRESS, due_date=dt.date(2025, 5, 9), today=today)
    assert not selectors.initiative_is_overdue(status=S.IN_PROGRESS, due_date=today, today=today)
    assert not selectors.initiative_is_overdue(status=S.DONE, due_date=dt.date(2025, 1, 1), today=today)
    assert not selectors.initiative_is_overdue(status=S.PLANNED, due_date=None, today=today)
    stale = selectors.report_is_stale
    assert stale(status=S.IN_PROGRESS, last_report_on=dt.date(2025, 4, 25), created_on=created, every_days=14,
                 today=today)  # 15 days
    assert not stale(status=S.IN_PROGRESS, last_report_on=dt.date(2025, 4, 26), created_on=created, every_days=14,
                     today=today)  # 14 days
    assert stale(status=S.ON_HOLD, last_report_on=None, created_on=created, every_days=14, today=today)
    assert not stale(status=S.PLANNED, last_report_on=None, created_on=dt.date(2025, 5, 1), every_days=14, today=today)
    assert not stale(status=S.IDEA, last_report_on=None, created_on=created, every_days=14, today=today)
    assert not stale(status=S.DONE, last_report_on=None, created_on=created, every_days=14, today=today)


# --- KPI values (pure parts) ---------------------------------------------------------------------

def test_weighted_monthly_and_before_after_by_hand():
    jan, feb, mar, apr = (dt.date(2025, m, 1) for m in (1, 2, 3, 4))
    rows = [
        (jan, Decimal("10"), 10), (jan, Decimal("40"), 30),  # (100 + 1200) / 40 = 32.5
        (feb, Decimal("20"), 20),
        (mar, Decimal("50"), 10), (mar, Decimal("30"), 10),  # 40
        (apr, Decimal("60"), 30), (apr, None, 0),  # an empty rollup counts for nothing
    ]
    series = weighted_monthly(rows)
    assert series == [
        KpiPoint(jan, Decimal("32.5"), 40), KpiPoint(feb, Decimal("20"), 20),
        KpiPoint(mar, Decimal("40"), 20), KpiPoint(apr, Decimal("60"), 30),
    ]
    before, after = before_after(series, dt.date(2025, 3, 10))  # started mid-March: March is "after"
    assert before.n == 60 and round(before.value, 4) == Decimal("28.3333")  # (1300 + 400) / 60
    assert after.n == 50 and after.value == Decimal("52")  # (800 + 1800) / 50
    assert before_after(series, None) == (None, None)
    assert before_after(series, dt.date(2024, 6, 1))[0] is None


# --- with the database ---------------------------------------------------------------------------

def _month(today: dt.date, back: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


@pytest.mark.django_db
def test_kpi_values_from_touchpoint_and_organization_rollups(org_a):
    today = timezone.localdate()
    m4, m3, m2, m1 = (_month(today, b) for b in (4, 3, 2, 1))
    nps = Metric.objects.for_org(org_a).get(code="nps")
    tp1, tp2, elsewhere = (TouchpointFactory(organization=org_a) for _ in range(3))
    initiative = InitiativeFactory(organization=org_a, start_date=m2 + dt.timedelta(days=9))
    initiative.touchpoints.set([tp1, tp2])
    kpi = InitiativeKpiFactory(organization=org_a, initiative=initiative, metric=nps, target=Decimal("50"))
    for tp, month, value, n in [
        (tp1, m4, "10", 10), (tp2, m4, "40", 30), (tp1, m3, "20", 20), (tp1, m2, "50", 10), (tp2, m2, "30", 10),
        (tp1, m1, "60", 30), (elsewhere, m1, "-100", 500),
    ]:
        RollupFactory(organization=org_a, metric=nps, grain=Rollup.Grain.TOUCHPOINT, subject_id=tp.pk,
                      period_start=month, n=n, value=Decimal(value))
    RollupFactory(organization=org_a, metric=nps, grain=Rollup.Grain.TOUCHPOINT, subject_id=tp1.pk,
                  period=Rollup.Period.WEEK, period_start=m1, n=99, value=Decimal("-99"))  # weeks are not read

    no_tps = InitiativeFactory(organization=org_a, start_date=m1)
    org_kpi = InitiativeKpiFactory(organization=org_a, initiative=no_tps, metric=nps, target=Decimal("50"))
    RollupFactory(organization=org_a, metric=nps, period_start=m2, n=100, value=Decimal("12"))
    RollupFactory(organization=org_a, metric=nps, period_start=m1, n=300, value=Decimal("20"))

    kpis = list(type(kpi).objects.for_org(org_a).select_related("initiative").order_by("pk"))
    selectors.kpi_list_with_values(org=org_a, kpis=kpis)
    values = {k.pk: k.values for k in kpis}

    tp_values = values[kpi.pk]
    assert tp_values.grain == "touchpoint"
    assert [(p.month, p.value, p.n) for p in tp_values.series] == [
        (m4, Decimal("32.5"), 40), (m3, Decimal("20"), 20), (m2, Decimal("40"), 20), (m1, Decimal("60"), 30)]
    assert tp_values.current == KpiPoint(m1, Decimal("60"), 30)
    assert round(tp_values.before.value, 4) == Decimal("28.3333") and tp_values.before.n == 60
    assert tp_values.after.value == Decimal("52") and tp_values.after.n == 50
    assert round(tp_values.change, 4) == Decimal("23.6667")

    org_values = values[org_kpi.pk]
    assert org_values.grain == "organization"
    assert org_values.before == KpiPoint(m2, Decimal("12"), 100)
    assert org_values.after == KpiPoint(m1, Decimal("20"), 300)


@pytest.mark.django_db
def test_kpi_values_cost_three_queries_whatever_the_number(org_a, django_assert_num_queries):
    nps = Metric.objects.for_org(org_a).get(code="nps")
    csat = Metric.objects.for_org(org_a).get(code="csat")
    for i in range(6):
        initiative = InitiativeFactory(organization=org_a)
        if i % 2:
            initiative.touchpoints.add(TouchpointFactory(organization=org_a))
        InitiativeKpiFactory(organization=org_a, initiative=initiative, metric=nps if i % 3 else csat)
    kpis = list(InitiativeKpi.objects.for_org(org_a).select_related("initiative"))
    with django_assert_num_queries(3):  # touchpoint links, touchpoint rollups, organization rollups
        selectors.kpi_list_with_values(org=org_a, kpis=kpis)


@pytest.mark.django_db
def test_budget_by_year_and_lever_by_hand(org_a):
    levers = list(Lever.objects.for_org(org_a).order_by("position")[:3])
    a = initiative_create(org=org_a, title="A", levers=levers[:2], start_date=dt.date(2024, 3, 1),
                          planned_cost=Decimal("1000"), actual_cost=Decimal("400"), expected_benefit=Decimal("1000"))
    initiative_create(org=org_a, title="B", levers=[levers[1]], due_date=dt.date(2025, 2, 1),
                      planned_cost=Decimal("300"), actual_cost=Decimal("0"), expected_benefit=Decimal("900"))
    c = initiative_create(org=org_a, title="C", start_date=dt.date(2025, 6, 1), planned_cost=Decimal("500"),
                          actual_cost=Decimal("100"), expected_benefit=Decimal("50"))
    Initiative.objects.for_org(org_a).filter(pk=c.pk).update(status=S.CANCELLED)

    years = selectors.budget_by_year(org=org_a)
    assert [(y["year"], y["initiatives"], y["planned"], y["actual"], y["benefit"]) for y in years] == [
        (2024, 1, Decimal("1000.00"), Decimal("400.00"), Decimal("1000.00")),
        (2025, 2, Decimal("300.00"), Decimal("100.00"), Decimal("900.00")),  # C: cancelled keeps its actual cost only
    ]
    assert years[0]["roi"] == Decimal("1.5")  # (1000 − 400) / 400
    assert years[1]["roi"] == Decimal("8")  # (900 − 100) / 100

    by_lever = {row["lever"].pk if row["lever"] else None: row for row in selectors.budget_by_lever(org=org_a)}
    assert by_lever[levers[0].pk]["planned"] == Decimal("500.00")  # A split in two
    assert by_lever[levers[1].pk]["planned"] == Decimal("800.00")  # half of A + all of B
    assert by_lever[levers[1].pk]["initiatives"] == 2
    assert by_lever[levers[2].pk]["initiatives"] == 0
    assert by_lever[None]["actual"] == Decimal("100.00")  # C has no lever
    total = sum(row["planned"] for row in by_lever.values())
    assert total == Decimal("1300.00")  # rows add up to the portfolio
    only_2024 = {row["lever"].pk: row for row in selectors.budget_by_lever(org=org_a, year=2024) if row["lever"]}
    assert only_2024[levers[1].pk]["planned"] == Decimal("500.00")
    assert a.pk


@pytest.mark.django_db
def test_portfolio_list_flags_and_board(org_a, users_a):
    today = timezone.localdate()
    late = InitiativeFactory(organization=org_a, status=S.IN_PROGRESS, due_date=today - dt.timedelta(days=1))
    MilestoneFactory(organization=org_a, initiative=late, due_date=today - dt.timedelta(days=2))
    MilestoneFactory(organization=org_a, initiative=late, due_date=today - dt.timedelta(days=2))
    fine = InitiativeFactory(organization=org_a, status=S.PLANNED, due_date=today)
    status_report_create(org=org_a, initiative=fine, health="amber", summary="ok")
    rows = {i.pk: i for i in selectors.portfolio_flags(list(selectors.initiative_list(org=org_a)))}
    assert rows[late.pk].is_overdue and rows[late.pk].has_overdue_work and rows[late.pk].overdue_milestones == 2
    assert not rows[fine.pk].is_overdue and not rows[fine.pk].report_stale and rows[fine.pk].health == "amber"
    assert rows[fine.pk].last_report_on == today
    board = {c.status: [card.pk for card in c.cards] for c in selectors.initiative_board(org=org_a)}
    assert list(board) == S.values
    assert board["in_progress"] == [late.pk] and board["planned"] == [fine.pk]


@pytest.mark.django_db
def test_editable_ids_in_one_query(org_a, users_a, django_assert_num_queries):
    mine = initiative_create(org=org_a, title="Mine", team=[users_a["ambassador"]])
    initiative_create(org=org_a, title="Other")
    with django_assert_num_queries(1):
        ids = selectors.initiative_ids_editable(org=org_a, user=users_a["ambassador"], role="ambassador")
    assert set(ids) == {mine.pk}
    assert 12345 in selectors.initiative_ids_editable(org=org_a, user=users_a["cx_lead"])
    assert not selectors.initiative_ids_editable(org=org_a, user=users_a["executive"])


@pytest.mark.django_db
def test_heatmap_counts_only_live_risks_of_open_initiatives(org_a):
    from tests.factories import RiskFactory

    open_one = InitiativeFactory(organization=org_a, status=S.IN_PROGRESS)
    RiskFactory(organization=org_a, initiative=open_one, probability=4, impact=5)
    RiskFactory(organization=org_a, initiative=open_one, probability=4, impact=5, status="mitigating")
    RiskFactory(organization=org_a, initiative=open_one, probability=1, impact=2, status="closed")
    RiskFactory(organization=org_a, initiative=InitiativeFactory(organization=org_a, status=S.DONE), probability=5,
                impact=5)
    assert selectors.risk_counts(org=org_a) == {(4, 5): 2}
    assert [r.exposure for r in selectors.risks_high(org=org_a)] == [20, 20]
