"""Helpers shared by the HTML page tests of every app: sign in, fill an organization with data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from cem_levers.models import Lever
from cxgov.tenancy.models import Organization, User
from cxgov.tenancy.roles import ROLE_OPERATIONS, Op, Role
from tests import factories as f
from voc.models import DataSource, Metric

ALL_ROLES = [r.value for r in Role]
PROGRAMME_ROLES = sorted(str(r) for r in ROLE_OPERATIONS[Op.PROGRAMME_VIEW][0])


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def populate(org: Organization, users: dict[str, User], *, n: int = 3) -> dict:
    """``n`` of each kind of row (initiatives with milestones, risks and KPIs; bodies with members;
    journeys with stages and touchpoints; responses; an assessment with answers; a snapshot)."""
    levers = list(Lever.objects.for_org(org).order_by("position")[:3])
    metric = Metric.objects.for_org(org).order_by("code").first()
    source = DataSource.objects.for_org(org).order_by("code").first()
    created: dict[str, list] = {"initiatives": [], "bodies": [], "journeys": [], "assessments": []}
    for i in range(n):
        initiative = f.InitiativeFactory(organization=org, owner=users["cx_lead"],
                                         due_date=dt.date.today() + dt.timedelta(days=i))
        initiative.levers.set(levers)
        f.MilestoneFactory(organization=org, initiative=initiative, assignee=users["cx_lead"])
        f.RiskFactory(organization=org, initiative=initiative, owner=users["cx_lead"], probability=4, impact=5)
        f.InitiativeKpiFactory(organization=org, initiative=initiative, metric=metric, baseline=Decimal("10"))
        created["initiatives"].append(initiative)

        body = f.BodyFactory(organization=org, level=["strategic", "tactical", "operational"][i % 3])
        f.BodyMemberFactory(organization=org, body=body, role_in_body="chair")
        f.BodyMemberFactory(organization=org, body=body, user=users["executive"], name="")
        initiative.sponsor_body = body
        initiative.save()
        created["bodies"].append(body)

        journey = f.JourneyFactory(organization=org)
        stage = f.JourneyStageFactory(organization=org, journey=journey)
        tp = f.TouchpointFactory(organization=org, journey=journey, stage=stage, is_moment_of_truth=True,
                                 owner=users["ambassador"])
        f.TouchpointFactory(organization=org, journey=journey)
        initiative.journeys.add(journey)
        initiative.touchpoints.add(tp)
        f.ResponseFactory(organization=org, metric=metric, source=source, touchpoint=tp,
                          recorded_by=users["ambassador"], comment="Quick and friendly")
        created["journeys"].append(journey)

        assessment = f.AssessmentFactory(organization=org, created_by=users["cx_lead"])
        practice = levers[0].practices.first()
        f.AnswerFactory(organization=org, assessment=assessment, practice=practice, is_consensus=True)
        f.AnswerFactory(organization=org, assessment=assessment, practice=practice, is_consensus=False,
                        assessor=users["cx_lead"], stage_level=2)
        created["assessments"].append(assessment)

        f.MetricFactory(organization=org, lever=levers[0])
        f.DataSourceFactory(organization=org)

    snapshot = f.MaturitySnapshotFactory(organization=org, computed_at=timezone.now(),
                                         assessment=created["assessments"][0])
    for lever in levers:
        f.LeverScoreFactory(organization=org, snapshot=snapshot, lever=lever, score=Decimal("2.75"),
                            assessment_score=Decimal("2.5"), evidence_score=Decimal("3"))
    created["snapshot"] = snapshot
    created["levers"] = levers
    return created
