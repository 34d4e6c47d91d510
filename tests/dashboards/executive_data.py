"""Known data for the executive dashboard and report tests: rollups, snapshots, initiatives, risks
and goals for October 2026 (and September, the month before), with figures the tests can check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from cem_levers.models import Lever
from cxgov.tenancy.models import Organization, User
from initiatives.models import Initiative
from tests import factories as f
from voc.models import Metric, Rollup

OCT = dt.date(2026, 10, 1)
SEP = dt.date(2026, 9, 1)


def at(org: Organization, day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(org.timezone))


def rollup(org: Organization, metric: Metric, grain: str, subject: int, month: dt.date, value: str, n: int) -> None:
    f.RollupFactory(organization=org, metric=metric, grain=grain, subject_id=subject, period=Rollup.Period.MONTH,
                    period_start=month, value=Decimal(value), n=n, score_sum=Decimal(value) * n,
                    computed_at=timezone.now())


def headline(org: Organization) -> dict[str, Metric]:
    metrics = {m.code: m for m in Metric.objects.for_org(org).filter(code__in=["nps", "csat", "ces"])}
    for code, target in (("nps", "30"), ("csat", "80"), ("ces", "5")):
        metrics[code].target = Decimal(target)
        metrics[code].min_n = 30
        metrics[code].save()
    return metrics


def build(org: Organization, users: dict[str, User], *, size: int = 1, prefix: str = "") -> dict:
    """``size`` copies of every kind of row; the first copy carries the figures the tests check:

    - organization NPS +32 (n 120) in October, +20 (n 100) in September; CSAT 81.6 %, CES 5.25;
    - moments of truth: "Branch welcome" NPS +10 in October vs +30 (drop of 20), "App login" +50 vs +45,
      "Call back" with n 5 (below the minimum, not ranked); a plain touchpoint never ranked;
    - maturity: 2.40 computed in September, 2.75 in October, each lever 2.5 → 3.0, targets 4;
    - portfolio: an initiative in progress (green), one on hold (red), a delivered short-term win
      (completed in October), a cancelled one; planned 1000 each (cancelled excluded), spent 200 each;
    - risks: exposure 20 ("Vendor delay") and 6; goals: NPS ≥ 30 on target, CSAT ≥ 90 off target.
    """
    metrics = headline(org)
    nps, csat, ces = metrics["nps"], metrics["csat"], metrics["ces"]
    levers = list(Lever.objects.for_org(org).filter(is_active=True).order_by("position"))
    created: dict = {"journeys": [], "touchpoints": [], "initiatives": [], "risks": [], "segments": []}
    if not Rollup.objects.for_org(org).filter(grain=Rollup.Grain.ORGANIZATION).exists():
        rollup(org, nps, "organization", 0, OCT, "32", 120)
        rollup(org, nps, "organization", 0, SEP, "20", 100)
        rollup(org, csat, "organization", 0, OCT, "81.6", 120)
        rollup(org, ces, "organization", 0, OCT, "5.25", 80)
        for back in range(2, 12):
            month = (OCT - dt.timedelta(days=31 * back)).replace(day=1)
            rollup(org, nps, "organization", 0, month, str(10 + back), 90)
    for i in range(size):
        tag = f"{prefix}{i}"
        segment = f.SegmentFactory(organization=org, name=f"{prefix}Retail {i}")
        journey = f.JourneyFactory(organization=org, name=f"{prefix}Account opening {i}", segment=segment)
        other = f.JourneyFactory(organization=org, name=f"{prefix}Mortgage {i}", segment=segment)
        branch = f.TouchpointFactory(organization=org, journey=journey, name=f"{prefix}Branch welcome {i}",
                                     is_moment_of_truth=True)
        app = f.TouchpointFactory(organization=org, journey=other, name=f"{prefix}App login {i}",
                                  is_moment_of_truth=True)
        call = f.TouchpointFactory(organization=org, journey=journey, name=f"{prefix}Call back {i}",
                                   is_moment_of_truth=True)
        plain = f.TouchpointFactory(organization=org, journey=journey, name=f"{prefix}Leaflet {i}")
        rollup(org, nps, "touchpoint", branch.pk, OCT, "10", 40)
        rollup(org, nps, "touchpoint", branch.pk, SEP, "30", 40)
        rollup(org, nps, "touchpoint", app.pk, OCT, "50", 60)
        rollup(org, nps, "touchpoint", app.pk, SEP, "45", 50)
        rollup(org, nps, "touchpoint", call.pk, OCT, "-40", 5)
        rollup(org, nps, "touchpoint", plain.pk, OCT, "-90", 80)
        rollup(org, csat, "touchpoint", branch.pk, OCT, "70", 40)
        rollup(org, nps, "journey", journey.pk, OCT, "-12", 45)
        rollup(org, nps, "journey", journey.pk, SEP, "-2", 44)
        rollup(org, nps, "journey", other.pk, OCT, "50", 60)
        rollup(org, nps, "segment", segment.pk, OCT, "7", 105)
        created["segments"].append(segment)
        created["journeys"] += [journey, other]
        created["touchpoints"] += [branch, app, call, plain]

        running = f.InitiativeFactory(organization=org, title=f"{prefix}Faster onboarding {tag}",
                                      status=Initiative.Status.IN_PROGRESS, health=Initiative.Health.GREEN,
                                      planned_cost=Decimal("1000"), actual_cost=Decimal("200"),
                                      start_date=dt.date(2026, 10, 5))
        held = f.InitiativeFactory(organization=org, title=f"{prefix}New CRM {tag}", status=Initiative.Status.ON_HOLD,
                                   health=Initiative.Health.RED, planned_cost=Decimal("1000"),
                                   actual_cost=Decimal("200"))
        win = f.InitiativeFactory(organization=org, title=f"{prefix}Queue signage {tag}",
                                  status=Initiative.Status.DONE, short_term_win=True,
                                  planned_cost=Decimal("1000"), actual_cost=Decimal("200"),
                                  completed_at=at(org, dt.date(2026, 10, 20)))
        dropped = f.InitiativeFactory(organization=org, title=f"{prefix}Kiosk pilot {tag}",
                                      status=Initiative.Status.CANCELLED, planned_cost=Decimal("1000"),
                                      actual_cost=Decimal("200"))
        for initiative in (running, held, win):
            initiative.journeys.add(journey)
            initiative.levers.set(levers[:2])
        big = f.RiskFactory(organization=org, initiative=running, description=f"{prefix}Vendor delay {tag}",
                            probability=4, impact=5, owner=users["cx_lead"])
        small = f.RiskFactory(organization=org, initiative=held, description=f"{prefix}Staff turnover {tag}",
                              probability=2, impact=3)
        f.RiskFactory(organization=org, initiative=dropped, description=f"{prefix}Closed-initiative risk {tag}",
                      probability=5, impact=5)
        created["initiatives"] += [running, held, win, dropped]
        created["risks"] += [big, small]

        body = f.BodyFactory(organization=org)
        f.GoalFactory(organization=org, body=body, metric=nps, period_start=OCT, target=Decimal("30"))
        f.GoalFactory(organization=org, body=body, metric=csat, period_start=OCT, target=Decimal("90"))

    if not created.get("snapshot") and not org_has_snapshots(org):
        september = f.MaturitySnapshotFactory(organization=org, computed_at=at(org, dt.date(2026, 9, 15)),
                                              overall=Decimal("2.40"))
        october = f.MaturitySnapshotFactory(organization=org, computed_at=at(org, dt.date(2026, 10, 15)),
                                            overall=Decimal("2.75"))
        for lever in levers:
            f.LeverScoreFactory(organization=org, snapshot=september, lever=lever, score=Decimal("2.5"))
            f.LeverScoreFactory(organization=org, snapshot=october, lever=lever, score=Decimal("3.0"))
            f.LeverTargetFactory(organization=org, lever=lever, target_level=4)
        created["snapshot"] = october
    created["levers"] = levers
    created["metrics"] = metrics
    return created


def org_has_snapshots(org: Organization) -> bool:
    from maturity.models import MaturitySnapshot

    return MaturitySnapshot.objects.for_org(org).exists()
