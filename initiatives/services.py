"""CX PMO writes: initiatives tied to levers, touchpoints and journeys, with their milestones,
risks and KPIs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cem_levers.models import Lever
from cxgov.tenancy.models import Membership, Organization, User, tenant_check
from voc.models import Journey, Metric, Touchpoint

from .models import Initiative, InitiativeKpi, Milestone, Risk


def _require_member(*, org: Organization, field_name: str, user: User | None) -> None:
    if user is not None and not Membership.objects.filter(user=user, organization=org).exists():
        raise ValidationError({field_name: [_("Not a member of this organization.")]})


def _check_dates(start: dt.date | None, due: dt.date | None) -> None:
    if start is not None and due is not None and due < start:
        raise ValidationError({"due_date": [_("The due date cannot be before the start date.")]})


def _check_choice(value: Any, choices: Sequence[Any], field_name: str, *, blank: bool = False) -> None:
    if (blank and value in ("", None)) or value in choices:
        return
    raise ValidationError({field_name: [_("Unknown value.")]})


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("This field is required.")]})
    if len(title) > 200:
        raise ValidationError({"title": [_("Keep this under %(n)d characters.") % {"n": 200}]})
    return title


@transaction.atomic
def initiative_create(
    *,
    org: Organization,
    title: str,
    by: User | None = None,
    problem_statement: str = "",
    status: str = Initiative.Status.IDEA,
    cem_step: str = "",
    change_kind: str = "",
    levers: Sequence[Lever] = (),
    touchpoints: Sequence[Touchpoint] = (),
    journeys: Sequence[Journey] = (),
    owner: User | None = None,
    sponsor_body: Any = None,
    priority: int = Initiative.Priority.MEDIUM,
    health: str = Initiative.Health.GREEN,
    short_term_win: bool = False,
    prototype_fidelity: str = "",
    start_date: dt.date | None = None,
    due_date: dt.date | None = None,
    planned_cost: Decimal = Decimal("0"),
    actual_cost: Decimal = Decimal("0"),
    expected_benefit: Decimal = Decimal("0"),
) -> Initiative:
    """Create an initiative linked to the levers it moves and the touchpoints and journeys it affects.

    Every linked object must belong to ``org`` (refused otherwise, with the "not found" message);
    owner and creator must be members. An initiative created as done gets ``completed_at`` now.
    ``sponsor_body`` is a ``governance.Body``; it is not imported here because governance sits
    above initiatives in the dependency order.
    """
    levers, touchpoints, journeys = list(levers), list(touchpoints), list(journeys)
    tenant_check(org=org, levers=levers, touchpoints=touchpoints, journeys=journeys, sponsor_body=sponsor_body)
    _require_member(org=org, field_name="owner", user=owner)
    _require_member(org=org, field_name="by", user=by)
    title = _check_title(title)
    _check_choice(status, Initiative.Status.values, "status")
    _check_choice(cem_step, Initiative.CemStep.values, "cem_step", blank=True)
    _check_choice(change_kind, Initiative.ChangeKind.values, "change_kind", blank=True)
    _check_choice(priority, Initiative.Priority.values, "priority")
    _check_choice(health, Initiative.Health.values, "health")
    _check_choice(prototype_fidelity, Initiative.Fidelity.values, "prototype_fidelity", blank=True)
    _check_dates(start_date, due_date)
    for field_name, amount in (("planned_cost", planned_cost), ("actual_cost", actual_cost)):
        if Decimal(amount) < 0:
            raise ValidationError({field_name: [_("Cannot be negative.")]})
    initiative = Initiative.objects.create(
        organization=org, title=title, problem_statement=problem_statement.strip(), status=status,
        cem_step=cem_step or "", change_kind=change_kind or "", owner=owner, sponsor_body=sponsor_body,
        priority=priority, health=health, short_term_win=short_term_win,
        prototype_fidelity=prototype_fidelity or "", start_date=start_date, due_date=due_date,
        completed_at=timezone.now() if status == Initiative.Status.DONE else None,
        planned_cost=planned_cost, actual_cost=actual_cost, expected_benefit=expected_benefit,
    )
    if levers:
        initiative.levers.set(levers)
    if touchpoints:
        initiative.touchpoints.set(touchpoints)
    if journeys:
        initiative.journeys.set(journeys)
    return initiative


@transaction.atomic
def milestone_create(
    *,
    org: Organization,
    initiative: Initiative,
    title: str,
    assignee: User | None = None,
    start_date: dt.date | None = None,
    due_date: dt.date | None = None,
    done_at: dt.datetime | None = None,
    position: int | None = None,
) -> Milestone:
    """Add a milestone or task to an initiative's schedule; without ``position`` it goes last."""
    tenant_check(org=org, initiative=initiative)
    _require_member(org=org, field_name="assignee", user=assignee)
    title = _check_title(title)
    _check_dates(start_date, due_date)
    if position is None:
        existing = Milestone.objects.for_org(org).filter(initiative=initiative).values_list("position", flat=True)
        position = (max(existing, default=0) or 0) + 1
    return Milestone.objects.create(
        organization=org, initiative=initiative, title=title, assignee=assignee, start_date=start_date,
        due_date=due_date, done_at=done_at, position=position,
    )


@transaction.atomic
def risk_create(
    *,
    org: Organization,
    initiative: Initiative,
    description: str,
    probability: int,
    impact: int,
    owner: User | None = None,
    mitigation: str = "",
    contingency: str = "",
    status: str = Risk.Status.OPEN,
) -> Risk:
    """Register a risk (or an issue, once it has occurred) of an initiative, rated 1–5 twice."""
    tenant_check(org=org, initiative=initiative)
    _require_member(org=org, field_name="owner", user=owner)
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": [_("This field is required.")]})
    for field_name, value in (("probability", probability), ("impact", impact)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError({field_name: [_("Rate it from 1 to 5.")]})
    _check_choice(status, Risk.Status.values, "status")
    return Risk.objects.create(
        organization=org, initiative=initiative, description=description, probability=probability, impact=impact,
        owner=owner, mitigation=mitigation.strip(), contingency=contingency.strip(), status=status,
    )


@transaction.atomic
def kpi_create(
    *,
    org: Organization,
    initiative: Initiative,
    metric: Metric,
    target: Decimal,
    baseline: Decimal | None = None,
    target_date: dt.date | None = None,
) -> InitiativeKpi:
    """Tie an initiative to a metric it should move, from a baseline to a target by a date."""
    tenant_check(org=org, initiative=initiative, metric=metric)
    if target is None:
        raise ValidationError({"target": [_("This field is required.")]})
    if InitiativeKpi.objects.for_org(org).filter(initiative=initiative, metric=metric).exists():
        raise ValidationError({"metric": [_("This initiative already tracks this metric.")]})
    return InitiativeKpi.objects.create(
        organization=org, initiative=initiative, metric=metric, target=Decimal(target),
        baseline=None if baseline is None else Decimal(baseline), target_date=target_date,
    )
