"""Initiatives and their milestones, risks and KPIs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cem_levers.models import Lever
from initiatives.models import Initiative
from initiatives.services import initiative_create, kpi_create, milestone_create, risk_create
from tests.factories import BodyFactory, InitiativeFactory, JourneyFactory, TouchpointFactory
from voc.models import Metric

pytestmark = pytest.mark.django_db


def test_initiative_create_links_levers_touchpoints_and_journeys(org_a, users_a):
    levers = list(Lever.objects.for_org(org_a).filter(code__in=["voc_measurement", "processes_operations"]))
    touchpoint = TouchpointFactory(organization=org_a)
    initiative = initiative_create(
        org=org_a, title="Callbacks", by=users_a["cx_lead"], owner=users_a["cx_lead"], levers=levers,
        touchpoints=[touchpoint], journeys=[touchpoint.journey], status=Initiative.Status.DONE,
        sponsor_body=BodyFactory(organization=org_a), start_date=dt.date(2025, 1, 1), due_date=dt.date(2025, 3, 1),
    )
    assert set(initiative.levers.values_list("code", flat=True)) == {"voc_measurement", "processes_operations"}
    assert list(initiative.touchpoints.all()) == [touchpoint]
    assert list(initiative.journeys.all()) == [touchpoint.journey]
    assert initiative.completed_at is not None


@pytest.mark.parametrize("field", ["levers", "touchpoints", "journeys", "sponsor_body"])
def test_initiative_create_refuses_objects_of_another_organization(org_a, org_b, field):
    foreign = {
        "levers": [Lever.objects.for_org(org_b).first()],
        "touchpoints": [TouchpointFactory(organization=org_b)],
        "journeys": [JourneyFactory(organization=org_b)],
        "sponsor_body": BodyFactory(organization=org_b),
    }[field]
    with pytest.raises(ValidationError) as exc:
        initiative_create(org=org_a, title="Leak", **{field: foreign})
    assert field in exc.value.message_dict
    assert Initiative.objects.for_org(org_a).count() == 0


def test_initiative_create_validates_people_dates_and_choices(org_a, users_b):
    cases = [
        ({"owner": users_b["cx_lead"]}, "owner"),
        ({"start_date": dt.date(2025, 2, 1), "due_date": dt.date(2025, 1, 1)}, "due_date"),
        ({"status": "finished"}, "status"),
        ({"title": " "}, "title"),
        ({"planned_cost": Decimal("-1")}, "planned_cost"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            initiative_create(org=org_a, **{"title": "T", **kwargs})
        assert field in exc.value.message_dict


def test_milestone_risk_and_kpi(org_a, org_b, users_a):
    initiative = InitiativeFactory(organization=org_a)
    first = milestone_create(org=org_a, initiative=initiative, title="Pilot", assignee=users_a["cx_lead"])
    second = milestone_create(org=org_a, initiative=initiative, title="Rollout")
    assert second.position == first.position + 1
    risk = risk_create(org=org_a, initiative=initiative, description="Capacity", probability=4, impact=3)
    assert risk.exposure == 12
    nps = Metric.objects.for_org(org_a).get(code="nps")
    kpi = kpi_create(org=org_a, initiative=initiative, metric=nps, baseline=Decimal("10"), target=Decimal("30"))
    assert (kpi.baseline, kpi.target) == (Decimal("10"), Decimal("30"))

    with pytest.raises(ValidationError) as exc:
        kpi_create(org=org_a, initiative=initiative, metric=nps, target=Decimal("40"))
    assert "metric" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        kpi_create(org=org_a, initiative=initiative, metric=Metric.objects.for_org(org_b).get(code="csat"),
                   target=Decimal("80"))
    assert "metric" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        risk_create(org=org_a, initiative=initiative, description="X", probability=6, impact=1)
    assert "probability" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        milestone_create(org=org_a, initiative=InitiativeFactory(organization=org_b), title="X")
    assert "initiative" in exc.value.message_dict
