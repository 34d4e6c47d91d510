"""The outer loop: a recurring root cause at a touchpoint becomes an initiative in one step, and
the initiative's impact on the touchpoint is checked from rollups after delivery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cem_levers.models import Lever
from initiatives.models import Initiative
from initiatives.outer_loop import initiative_create_from_root_cause, initiative_impact, initiatives_from_root_causes
from tests import factories as f
from tests.dashboards.pages import signed_in
from tests.voc.test_loop_support import make_loop
from voc.models import Rollup

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def loop(org_a, users_a):
    return make_loop(org_a, users_a)


@pytest.fixture
def levers(org_a):
    return list(Lever.objects.for_org(org_a).order_by("position")[:2])


def _three_closed(loop):
    for comment in ("Waited 40 minutes at the desk", "", "Nobody came"):
        loop.closed_case(comment=comment)


def test_one_step_creation_keeps_every_link(loop, users_a, levers):
    loop.nps.lever = levers[0]
    loop.nps.save()
    loop.csat.lever = levers[1]
    loop.csat.save()
    # The CSAT lever comes from the touchpoint's rollups, the NPS one from its cases.
    f.RollupFactory(organization=loop.org, metric=loop.csat, grain=Rollup.Grain.TOUCHPOINT,
                    subject_id=loop.touchpoint.pk)
    _three_closed(loop)
    loop.closed_case(touchpoint=loop.other_touchpoint)  # another touchpoint: not counted

    initiative = initiative_create_from_root_cause(
        org=loop.org, by=users_a["cx_lead"], root_cause=loop.cause, touchpoint=loop.touchpoint,
    )
    initiative = Initiative.objects.for_org(loop.org).get(pk=initiative.pk)
    assert initiative.status == Initiative.Status.IDEA
    assert (initiative.origin_root_cause_id, initiative.origin_touchpoint_id) == (loop.cause.pk, loop.touchpoint.pk)
    assert list(initiative.touchpoints.all()) == [loop.touchpoint]
    assert list(initiative.journeys.all()) == [loop.journey]
    assert set(initiative.levers.all()) == set(levers)
    assert initiative.title == "Fix “Long wait” at Branch desk"
    statement = initiative.problem_statement
    assert "“Long wait” 3 times in the last 6 months" in statement
    assert "Waited 40 minutes at the desk" in statement and "Nobody came" in statement
    assert initiatives_from_root_causes(org=loop.org) == {(loop.touchpoint.pk, loop.cause.pk): [initiative]}


def test_a_title_may_be_given(loop, users_a):
    _three_closed(loop)
    initiative = initiative_create_from_root_cause(
        org=loop.org, by=users_a["cx_lead"], root_cause=loop.cause, touchpoint=loop.touchpoint, title="Queue app",
    )
    assert initiative.title == "Queue app"


def test_refused_without_closed_cases_for_the_pair(loop, users_a):
    loop.closed_case(touchpoint=loop.other_touchpoint)
    with pytest.raises(ValidationError) as exc:
        initiative_create_from_root_cause(org=loop.org, by=users_a["cx_lead"], root_cause=loop.cause,
                                          touchpoint=loop.touchpoint)
    assert "root_cause" in exc.value.message_dict
    assert not Initiative.objects.for_org(loop.org).filter(origin_root_cause=loop.cause).exists()


def test_refuses_another_organizations_objects(loop, users_a, org_b):
    _three_closed(loop)
    foreign_cause = f.RootCauseFactory(organization=org_b)
    foreign_tp = f.TouchpointFactory(organization=org_b)
    for cause, tp in ((foreign_cause, loop.touchpoint), (loop.cause, foreign_tp)):
        with pytest.raises(ValidationError) as exc:
            initiative_create_from_root_cause(org=loop.org, by=users_a["cx_lead"], root_cause=cause, touchpoint=tp)
        assert "Not found in this organization." in str(exc.value)


def _rollup(loop, metric, start, value, n, subject=None, org=None):
    f.RollupFactory(organization=org or loop.org, metric=metric, grain=Rollup.Grain.TOUCHPOINT,
                    subject_id=subject or loop.touchpoint.pk, period=Rollup.Period.MONTH, period_start=start,
                    value=Decimal(value), n=n, score_sum=Decimal(0))


def _delivered(loop, users_a, **kwargs):
    initiative = f.InitiativeFactory(
        organization=loop.org, status=Initiative.Status.DONE, start_date=dt.date(2025, 4, 10),
        completed_at=dt.datetime(2025, 6, 20, 9, tzinfo=UTC), origin_root_cause=loop.cause,
        origin_touchpoint=loop.touchpoint, **kwargs,
    )
    return initiative


def test_impact_before_and_after_hand_computed(loop, users_a, org_b):
    d = dt.date
    for start, value, n in ((d(2024, 12, 1), "99", 100),                # before the window
                            (d(2025, 1, 1), "10", 20), (d(2025, 2, 1), "20", 30), (d(2025, 3, 1), "30", 50),
                            (d(2025, 4, 1), "70", 10), (d(2025, 6, 1), "80", 10),  # during delivery
                            (d(2025, 7, 1), "40", 10), (d(2025, 8, 1), "50", 30),
                            (d(2025, 10, 1), "0", 100)):               # current month: not full
        _rollup(loop, loop.nps, start, value, n)
    _rollup(loop, loop.wait, d(2025, 2, 1), "30", 10)
    _rollup(loop, loop.wait, d(2025, 7, 1), "25", 5)
    _rollup(loop, loop.nps, d(2025, 7, 1), "-90", 500, subject=loop.other_touchpoint.pk)  # other touchpoint
    initiative = _delivered(loop, users_a)

    impact = initiative_impact(org=loop.org, initiative=initiative, today=d(2025, 10, 5))
    assert impact["status"] == "ready"
    assert impact["before"] == (d(2025, 1, 1), d(2025, 3, 1))
    assert impact["after"] == (d(2025, 7, 1), d(2025, 9, 1))
    rows = {row["metric"].code: row for row in impact["metrics"]}
    nps = rows["loop-nps"]
    # (10·20 + 20·30 + 30·50) / 100 = 23; (40·10 + 50·30) / 40 = 47.5
    assert (nps["before"], nps["before_n"], nps["after"], nps["after_n"]) == (
        Decimal("23.00"), 100, Decimal("47.50"), 40)
    assert nps["delta"] == Decimal("24.50") and nps["improved"] is True
    wait = rows["loop-wait"]  # lower is better: down from 30 to 25 is an improvement
    assert (wait["before"], wait["after"], wait["delta"], wait["improved"]) == (
        Decimal("30.00"), Decimal("25.00"), Decimal("-5.00"), True)


def test_impact_uses_the_creation_day_without_a_start_date(loop, users_a):
    initiative = _delivered(loop, users_a)
    Initiative.objects.for_org(loop.org).filter(pk=initiative.pk).update(
        start_date=None, created_at=dt.datetime(2025, 3, 15, tzinfo=UTC))
    initiative.refresh_from_db()
    _rollup(loop, loop.nps, dt.date(2024, 12, 1), "10", 10)
    _rollup(loop, loop.nps, dt.date(2025, 3, 1), "50", 10)  # the start month is not "before"
    impact = initiative_impact(org=loop.org, initiative=initiative, today=dt.date(2025, 10, 5))
    assert impact["before"] == (dt.date(2024, 12, 1), dt.date(2025, 2, 1))
    row = impact["metrics"][0]
    assert (row["before"], row["after"], row["delta"], row["improved"]) == (Decimal("10.00"), None, None, None)


def test_impact_states(loop, users_a):
    assert initiative_impact(org=loop.org, initiative=f.InitiativeFactory(organization=loop.org))["status"] == (
        "not_linked")
    undone = f.InitiativeFactory(organization=loop.org, origin_touchpoint=loop.touchpoint)
    assert initiative_impact(org=loop.org, initiative=undone)["status"] == "not_done"
    initiative = _delivered(loop, users_a)
    waiting = initiative_impact(org=loop.org, initiative=initiative, today=dt.date(2025, 7, 10))
    assert (waiting["status"], waiting["after"]) == ("waiting", None)


# --- the one-step button on the root-cause page ----------------------------------------------------

def test_post_creates_and_redirects_to_the_initiative(loop, users_a):
    _three_closed(loop)
    response = signed_in(users_a["cx_lead"]).post(
        "/voc/root-causes/initiative/", {"root_cause": loop.cause.pk, "touchpoint": loop.touchpoint.pk})
    initiative = Initiative.objects.for_org(loop.org).get(origin_root_cause=loop.cause)
    assert response.status_code == 302
    assert response.url == f"/initiatives/{initiative.pk}/"
    page = signed_in(users_a["cx_lead"]).get("/voc/root-causes/")
    assert initiative.title in page.content.decode()


def test_post_needs_programme_manage_and_refuses_other_organizations(loop, users_a, org_b):
    _three_closed(loop)
    data = {"root_cause": loop.cause.pk, "touchpoint": loop.touchpoint.pk}
    assert signed_in(users_a["executive"]).post("/voc/root-causes/initiative/", data).status_code == 403
    foreign = f.RootCauseFactory(organization=org_b)
    response = signed_in(users_a["cx_lead"]).post(
        "/voc/root-causes/initiative/", {"root_cause": foreign.pk, "touchpoint": loop.touchpoint.pk})
    assert response.status_code == 404
    assert not Initiative.objects.for_org(loop.org).filter(origin_root_cause__isnull=False).exists()
