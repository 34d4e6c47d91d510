"""CX PMO writes: initiatives tied to levers, touchpoints and journeys, with their team, schedule,
risks, KPIs and status reports; the portfolio's status transitions; the daily notifications.

Permission to call these (role ``programme.manage`` or the initiative's team grant) is checked by
the views and the API through ``selectors.initiative_can_edit``; the one rule that depends on the
caller and belongs to the domain — only ``programme.manage`` may reopen a closed initiative — is
checked here, from ``by``'s membership.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cem_levers.models import Lever
from cxgov.inbox.services import notification_send
from cxgov.tenancy.models import Membership, Organization, User, tenant_check
from cxgov.tenancy.roles import Op, Role, role_allows
from voc.models import Journey, Metric, Touchpoint

from .models import (
    HIGH_EXPOSURE,
    Initiative,
    InitiativeKpi,
    InitiativeUserObjectPermission,
    Milestone,
    Risk,
    StatusReport,
)
from .signals import initiative_status_changed

S = Initiative.Status

# The status graph of the portfolio board. Moving a card follows these edges; anything else is
# refused with a message naming the allowed moves. ``done`` and ``cancelled`` are final: the only way
# out is a reopen to ``planned``, and only for ``programme.manage`` (CX leads and admins), because
# reopening changes what the portfolio reports as delivered.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.IDEA: (S.PLANNED, S.CANCELLED),
    S.PLANNED: (S.IDEA, S.IN_PROGRESS, S.ON_HOLD, S.CANCELLED),
    S.IN_PROGRESS: (S.PLANNED, S.ON_HOLD, S.DONE, S.CANCELLED),
    S.ON_HOLD: (S.PLANNED, S.IN_PROGRESS, S.CANCELLED),
    S.DONE: (S.PLANNED,),
    S.CANCELLED: (S.PLANNED,),
}
REOPEN_FROM = (S.DONE, S.CANCELLED)
OPEN_STATUSES = (S.PLANNED, S.IN_PROGRESS, S.ON_HOLD)
EDIT_PERMISSION = "edit_initiative"

# Fields of an initiative a form or the API may set (status moves through ``initiative_transition``).
INITIATIVE_FIELDS = (
    "title", "problem_statement", "cem_step", "change_kind", "transformation_step", "levers", "touchpoints",
    "journeys", "owner", "sponsor_body", "priority", "short_term_win", "prototype_fidelity", "start_date",
    "due_date", "planned_cost", "actual_cost", "expected_benefit", "benefit_metric", "report_every_days",
)


def _role(*, org: Organization, user: User | None) -> str | None:
    if user is None:
        return None
    return Membership.objects.filter(user=user, organization=org).values_list("role", flat=True).first()


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


def _check_title(title: str, field_name: str = "title") -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({field_name: [_("This field is required.")]})
    if len(title) > 200:
        raise ValidationError({field_name: [_("Keep this under %(n)d characters.") % {"n": 200}]})
    return title


def _money(value: Any, field_name: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise ValidationError({field_name: [_("Enter a number.")]}) from None
    if amount < 0:
        raise ValidationError({field_name: [_("Cannot be negative.")]})
    if amount >= Decimal("1e12"):
        raise ValidationError({field_name: [_("This amount is too large.")]})
    return amount.quantize(Decimal("0.01"))


def _rating(value: Any, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError({field_name: [_("Rate it from 1 to 5.")]})
    return value


def _members(*, org: Organization, users: Iterable[User], field_name: str) -> list[User]:
    users = list(dict.fromkeys(users))
    if not users:
        return []
    member_ids = set(
        Membership.objects.filter(organization=org, user__in=users).values_list("user_id", flat=True)
    )
    if any(user.pk not in member_ids for user in users):
        raise ValidationError({field_name: [_("Not a member of this organization.")]})
    return users


def _validate_initiative(*, org: Organization, data: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise the initiative fields present in ``data`` (a subset of INITIATIVE_FIELDS)."""
    unknown = set(data) - set(INITIATIVE_FIELDS)
    if unknown:
        raise TypeError(f"unknown initiative fields: {sorted(unknown)}")
    out = dict(data)
    for name in ("levers", "touchpoints", "journeys"):
        if name in out:
            out[name] = list(out[name] or [])
    tenant_check(org=org, **{k: out[k] for k in ("levers", "touchpoints", "journeys", "sponsor_body") if k in out})
    if "owner" in out:
        _require_member(org=org, field_name="owner", user=out["owner"])
    if "title" in out:
        out["title"] = _check_title(out["title"])
    for name in ("problem_statement", "benefit_metric"):
        if name in out:
            out[name] = (out[name] or "").strip()
    if len(out.get("benefit_metric", "")) > 200:
        raise ValidationError({"benefit_metric": [_("Keep this under %(n)d characters.") % {"n": 200}]})
    for name, choices in (
        ("cem_step", Initiative.CemStep.values), ("change_kind", Initiative.ChangeKind.values),
        ("transformation_step", Initiative.TransformationStep.values),
        ("prototype_fidelity", Initiative.Fidelity.values),
    ):
        if name in out:
            out[name] = out[name] or ""
            _check_choice(out[name], choices, name, blank=True)
    if "priority" in out:
        _check_choice(out["priority"], Initiative.Priority.values, "priority")
    for name in ("planned_cost", "actual_cost", "expected_benefit"):
        if name in out:
            out[name] = _money(out[name], name)
    if "report_every_days" in out:
        days = out["report_every_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise ValidationError({"report_every_days": [_("Between 1 and 365 days.")]})
    if "short_term_win" in out:
        out["short_term_win"] = bool(out["short_term_win"])
    return out


def _grants_sync(*, org: Organization, initiative: Initiative) -> None:
    """Make the guardian grants of ``initiative`` exactly: its team members and its owner, except
    members whose role is executive (executives read, never edit). Idempotent."""
    team_ids = set(initiative.team.values_list("pk", flat=True))
    if initiative.owner_id:
        team_ids.add(initiative.owner_id)
    allowed = set(
        Membership.objects.filter(organization=org, user_id__in=team_ids)
        .exclude(role=Role.EXECUTIVE).values_list("user_id", flat=True)
    )
    permission = Permission.objects.get(content_type__app_label="initiatives", codename=EDIT_PERMISSION)
    grants = InitiativeUserObjectPermission.objects.filter(content_object=initiative, permission=permission)
    existing = set(grants.values_list("user_id", flat=True))
    if existing - allowed:
        grants.filter(user_id__in=existing - allowed).delete()
    InitiativeUserObjectPermission.objects.bulk_create(
        [InitiativeUserObjectPermission(content_object=initiative, permission=permission, user_id=user_id)
         for user_id in sorted(allowed - existing)]
    )


def _send_status_changed(*, org: Organization, initiative: Initiative, old: str, new: str, by: User | None) -> None:
    org_id, initiative_id, by_id = org.pk, initiative.pk, getattr(by, "pk", None)
    transaction.on_commit(lambda: initiative_status_changed.send(
        sender=Initiative, org_id=org_id, initiative_id=initiative_id, old_status=old, new_status=new, by_id=by_id,
    ))


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
    transformation_step: str = "",
    levers: Sequence[Lever] = (),
    touchpoints: Sequence[Touchpoint] = (),
    journeys: Sequence[Journey] = (),
    owner: User | None = None,
    sponsor_body: Any = None,
    team: Sequence[User] = (),
    priority: int = Initiative.Priority.MEDIUM,
    health: str = Initiative.Health.GREEN,
    short_term_win: bool = False,
    prototype_fidelity: str = "",
    start_date: dt.date | None = None,
    due_date: dt.date | None = None,
    planned_cost: Decimal = Decimal("0"),
    actual_cost: Decimal = Decimal("0"),
    expected_benefit: Decimal = Decimal("0"),
    benefit_metric: str = "",
    report_every_days: int = 14,
) -> Initiative:
    """Create an initiative linked to the levers it moves and the touchpoints and journeys it affects.

    Every linked object must belong to ``org`` (refused otherwise, with the "not found" message);
    owner, creator and team members must be members. The team and the owner get the edit grant.
    An initiative created as done gets ``completed_at`` now. ``sponsor_body`` is a
    ``governance.Body``; it is not imported here because governance sits above initiatives.
    """
    data = _validate_initiative(org=org, data={
        "title": title, "problem_statement": problem_statement, "cem_step": cem_step, "change_kind": change_kind,
        "transformation_step": transformation_step, "levers": levers, "touchpoints": touchpoints,
        "journeys": journeys, "owner": owner, "sponsor_body": sponsor_body, "priority": priority,
        "short_term_win": short_term_win, "prototype_fidelity": prototype_fidelity, "start_date": start_date,
        "due_date": due_date, "planned_cost": planned_cost, "actual_cost": actual_cost,
        "expected_benefit": expected_benefit, "benefit_metric": benefit_metric,
        "report_every_days": report_every_days,
    })
    _require_member(org=org, field_name="by", user=by)
    team = _members(org=org, users=team, field_name="team")
    _check_choice(status, Initiative.Status.values, "status")
    _check_choice(health, Initiative.Health.values, "health")
    _check_dates(data["start_date"], data["due_date"])
    m2m = {name: data.pop(name) for name in ("levers", "touchpoints", "journeys")}
    initiative = Initiative.objects.create(
        organization=org, status=status, health=health,
        completed_at=timezone.now() if status == Initiative.Status.DONE else None, **data,
    )
    for name, values in m2m.items():
        if values:
            getattr(initiative, name).set(values)
    if team:
        initiative.team.set(team)
    _grants_sync(org=org, initiative=initiative)
    if status == Initiative.Status.DONE:
        _send_status_changed(org=org, initiative=initiative, old="", new=status, by=by)
    return initiative


@transaction.atomic
def initiative_update(
    *, org: Organization, initiative: Initiative, by: User | None = None, **changes: Any
) -> Initiative:
    """Change any of ``INITIATIVE_FIELDS`` (only those given); the status moves through
    ``initiative_transition`` and the team through ``initiative_team_set``.

    Same validation as creation; a new owner gets the edit grant and the previous one loses it
    unless they are on the team.
    """
    tenant_check(org=org, initiative=initiative)
    data = _validate_initiative(org=org, data=changes)
    start = data.get("start_date", initiative.start_date)
    due = data.get("due_date", initiative.due_date)
    _check_dates(start, due)
    m2m = {name: data.pop(name) for name in ("levers", "touchpoints", "journeys") if name in data}
    owner_changed = "owner" in data and getattr(data["owner"], "pk", None) != initiative.owner_id
    for name, value in data.items():
        setattr(initiative, name, value)
    initiative.save()
    for name, values in m2m.items():
        getattr(initiative, name).set(values)
    if owner_changed:
        _grants_sync(org=org, initiative=initiative)
    return initiative


@transaction.atomic
def initiative_team_set(*, org: Organization, initiative: Initiative, team: Sequence[User]) -> Initiative:
    """Replace the initiative's team (members of ``org`` only) and sync their edit grants."""
    tenant_check(org=org, initiative=initiative)
    team = _members(org=org, users=team, field_name="team")
    initiative.team.set(team)
    _grants_sync(org=org, initiative=initiative)
    return initiative


@transaction.atomic
def initiative_transition(*, org: Organization, initiative: Initiative, status: str, by: User | None) -> Initiative:
    """Move an initiative to ``status`` along ``TRANSITIONS``; refuse anything else with a clear error.

    Entering ``in_progress`` without a start date sets it to today (when that keeps it before the
    due date); entering ``done`` stamps ``completed_at``, leaving it clears it. Reopening a done or
    cancelled initiative needs ``programme.manage``. Sends ``initiative_status_changed`` after commit.
    """
    tenant_check(org=org, initiative=initiative)
    if status not in Initiative.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    # Read the current status under a row lock: two people moving the same card at once must not
    # both pass the check against a stale status.
    current = Initiative.objects.for_org(org).select_for_update().filter(pk=initiative.pk).values_list(
        "status", flat=True
    ).first()
    if current is None:
        raise ValidationError({"initiative": [_("Not found in this organization.")]})
    labels = dict(Initiative.Status.choices)
    if status == current:
        raise ValidationError({"status": [_("The initiative is already “%(status)s”.") % {"status": labels[status]}]})
    allowed = TRANSITIONS[current]
    if status not in allowed:
        raise ValidationError({"status": [
            _("An initiative cannot move from “%(old)s” to “%(new)s”. Allowed: %(allowed)s.") % {
                "old": labels[current], "new": labels[status],
                "allowed": ", ".join(f"“{labels[s]}”" for s in allowed),
            }
        ]})
    if current in REOPEN_FROM and not role_allows(_role(org=org, user=by), Op.PROGRAMME_MANAGE):
        raise ValidationError({"status": [
            _("Only a CX lead or an administrator may reopen a “%(old)s” initiative.") % {"old": labels[current]}
        ]})
    today = timezone.localdate()
    initiative.status = status
    if status == S.IN_PROGRESS and initiative.start_date is None and (
        initiative.due_date is None or initiative.due_date >= today
    ):
        initiative.start_date = today
    initiative.completed_at = timezone.now() if status == S.DONE else None
    initiative.save(update_fields=["status", "start_date", "completed_at", "updated_at"])
    _send_status_changed(org=org, initiative=initiative, old=current, new=status, by=by)
    return initiative


@transaction.atomic
def initiative_delete(*, org: Organization, initiative: Initiative) -> None:
    """Delete an initiative with its schedule, risks, KPIs, reports and grants."""
    tenant_check(org=org, initiative=initiative)
    initiative.delete()


# --- schedule ------------------------------------------------------------------------------------

def _dependency_edges(*, org: Organization) -> dict[int, set[int]]:
    through = Milestone.depends_on.through
    edges: dict[int, set[int]] = defaultdict(set)
    rows = through.objects.filter(from_milestone__organization=org).values_list("from_milestone_id", "to_milestone_id")
    for source, target in rows:
        edges[source].add(target)
    return edges


def _check_dependencies(*, org: Organization, milestone: Milestone | None, depends_on: list[Milestone]) -> None:
    """Refuse a dependency on itself or one that closes a cycle (A needs B needs … needs A)."""
    tenant_check(org=org, depends_on=depends_on)
    if milestone is None or milestone.pk is None:
        return  # a new milestone has no dependents yet, so it cannot close a cycle
    if any(d.pk == milestone.pk for d in depends_on):
        raise ValidationError({"depends_on": [_("A milestone cannot depend on itself.")]})
    edges = _dependency_edges(org=org)
    edges[milestone.pk] = {d.pk for d in depends_on}
    stack, seen = [d.pk for d in depends_on], set()
    while stack:
        node = stack.pop()
        if node == milestone.pk:
            raise ValidationError({"depends_on": [
                _("This dependency would create a cycle: “%(title)s” would end up waiting for itself.")
                % {"title": milestone.title}
            ]})
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, ()))


@transaction.atomic
def milestone_create(
    *,
    org: Organization,
    initiative: Initiative,
    title: str,
    kind: str = Milestone.Kind.MILESTONE,
    assignee: User | None = None,
    start_date: dt.date | None = None,
    due_date: dt.date | None = None,
    done_at: dt.datetime | None = None,
    depends_on: Sequence[Milestone] = (),
    position: int | None = None,
) -> Milestone:
    """Add a milestone or task to an initiative's schedule; without ``position`` it goes last.

    Dependencies may be any milestones of the organization (a task may wait for another initiative's
    milestone); cycles are refused.
    """
    depends_on = list(depends_on)
    tenant_check(org=org, initiative=initiative)
    _require_member(org=org, field_name="assignee", user=assignee)
    title = _check_title(title)
    _check_choice(kind, Milestone.Kind.values, "kind")
    _check_dates(start_date, due_date)
    _check_dependencies(org=org, milestone=None, depends_on=depends_on)
    if position is None:
        existing = Milestone.objects.for_org(org).filter(initiative=initiative).values_list("position", flat=True)
        position = (max(existing, default=0) or 0) + 1
    milestone = Milestone.objects.create(
        organization=org, initiative=initiative, title=title, kind=kind, assignee=assignee,
        start_date=start_date, due_date=due_date, done_at=done_at, position=position,
    )
    if depends_on:
        milestone.depends_on.set(depends_on)
    return milestone


MILESTONE_FIELDS = ("title", "kind", "assignee", "start_date", "due_date", "depends_on", "position")


@transaction.atomic
def milestone_update(*, org: Organization, milestone: Milestone, **changes: Any) -> Milestone:
    """Change any of ``MILESTONE_FIELDS`` (only those given); dependencies may not form a cycle."""
    tenant_check(org=org, milestone=milestone)
    unknown = set(changes) - set(MILESTONE_FIELDS)
    if unknown:
        raise TypeError(f"unknown milestone fields: {sorted(unknown)}")
    if "title" in changes:
        changes["title"] = _check_title(changes["title"])
    if "kind" in changes:
        _check_choice(changes["kind"], Milestone.Kind.values, "kind")
    if "assignee" in changes:
        _require_member(org=org, field_name="assignee", user=changes["assignee"])
    _check_dates(changes.get("start_date", milestone.start_date), changes.get("due_date", milestone.due_date))
    depends_on = changes.pop("depends_on", None)
    if depends_on is not None:
        depends_on = list(depends_on)
        _check_dependencies(org=org, milestone=milestone, depends_on=depends_on)
    for name, value in changes.items():
        setattr(milestone, name, value)
    milestone.save()
    if depends_on is not None:
        milestone.depends_on.set(depends_on)
    return milestone


@transaction.atomic
def milestone_set_done(
    *, org: Organization, milestone: Milestone, done: bool, at: dt.datetime | None = None
) -> Milestone:
    """Mark a milestone done (now, or ``at``) or not done. A milestone cannot be done while one of
    the milestones it depends on is still open."""
    tenant_check(org=org, milestone=milestone)
    if done:
        blocking = list(milestone.depends_on.filter(done_at__isnull=True).values_list("title", flat=True))
        if blocking:
            raise ValidationError({"done": [
                _("Finish what this depends on first: %(titles)s.") % {"titles": ", ".join(f"“{t}”" for t in blocking)}
            ]})
        milestone.done_at = milestone.done_at or at or timezone.now()
    else:
        milestone.done_at = None
    milestone.save(update_fields=["done_at"])
    return milestone


@transaction.atomic
def milestone_delete(*, org: Organization, milestone: Milestone) -> None:
    """Delete a milestone; what depended on it no longer does."""
    tenant_check(org=org, milestone=milestone)
    milestone.delete()


# --- risks ---------------------------------------------------------------------------------------

RISK_FIELDS = ("description", "probability", "impact", "owner", "mitigation", "contingency", "status")


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
    _rating(probability, "probability")
    _rating(impact, "impact")
    _check_choice(status, Risk.Status.values, "status")
    return Risk.objects.create(
        organization=org, initiative=initiative, description=description, probability=probability, impact=impact,
        owner=owner, mitigation=(mitigation or "").strip(), contingency=(contingency or "").strip(), status=status,
    )


@transaction.atomic
def risk_update(*, org: Organization, risk: Risk, **changes: Any) -> Risk:
    """Change any of ``RISK_FIELDS`` (only those given), with the same checks as registration."""
    tenant_check(org=org, risk=risk)
    unknown = set(changes) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"unknown risk fields: {sorted(unknown)}")
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
        if not changes["description"]:
            raise ValidationError({"description": [_("This field is required.")]})
    for name in ("probability", "impact"):
        if name in changes:
            _rating(changes[name], name)
    if "owner" in changes:
        _require_member(org=org, field_name="owner", user=changes["owner"])
    if "status" in changes:
        _check_choice(changes["status"], Risk.Status.values, "status")
    for name in ("mitigation", "contingency"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    for name, value in changes.items():
        setattr(risk, name, value)
    risk.save()
    return risk


@transaction.atomic
def risk_delete(*, org: Organization, risk: Risk) -> None:
    """Remove a risk from the register."""
    tenant_check(org=org, risk=risk)
    risk.delete()


# --- KPIs ----------------------------------------------------------------------------------------

def _decimal(value: Any, field_name: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field_name: [_("This field is required.")]})
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field_name: [_("Enter a number.")]}) from None


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
    target = _decimal(target, "target", required=True)
    baseline = _decimal(baseline, "baseline", required=False)
    if InitiativeKpi.objects.for_org(org).filter(initiative=initiative, metric=metric).exists():
        raise ValidationError({"metric": [_("This initiative already tracks this metric.")]})
    return InitiativeKpi.objects.create(
        organization=org, initiative=initiative, metric=metric, target=target, baseline=baseline,
        target_date=target_date,
    )


@transaction.atomic
def kpi_update(*, org: Organization, kpi: InitiativeKpi, **changes: Any) -> InitiativeKpi:
    """Change the baseline, target or target date of a KPI (the metric is its identity)."""
    tenant_check(org=org, kpi=kpi)
    unknown = set(changes) - {"baseline", "target", "target_date"}
    if unknown:
        raise TypeError(f"unknown KPI fields: {sorted(unknown)}")
    if "target" in changes:
        kpi.target = _decimal(changes["target"], "target", required=True)
    if "baseline" in changes:
        kpi.baseline = _decimal(changes["baseline"], "baseline", required=False)
    if "target_date" in changes:
        kpi.target_date = changes["target_date"]
    kpi.save()
    return kpi


@transaction.atomic
def kpi_delete(*, org: Organization, kpi: InitiativeKpi) -> None:
    """Stop tracking a metric for an initiative."""
    tenant_check(org=org, kpi=kpi)
    kpi.delete()


# --- status reports ------------------------------------------------------------------------------

@transaction.atomic
def status_report_create(
    *,
    org: Organization,
    initiative: Initiative,
    health: str,
    summary: str,
    by: User | None = None,
    next_steps: str = "",
    reported_on: dt.date | None = None,
) -> StatusReport:
    """File a status report; the initiative's health becomes the health of its latest report
    (latest by ``reported_on``, then by filing order, so back-dating a report does not override a newer one).
    Reports are history: they are not edited afterwards."""
    tenant_check(org=org, initiative=initiative)
    _require_member(org=org, field_name="author", user=by)
    _check_choice(health, Initiative.Health.values, "health")
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": [_("This field is required.")]})
    today = timezone.localdate()
    reported_on = reported_on or today
    if reported_on > today:
        raise ValidationError({"reported_on": [_("A status report cannot be dated in the future.")]})
    report = StatusReport.objects.create(
        organization=org, initiative=initiative, reported_on=reported_on, health=health, summary=summary,
        next_steps=(next_steps or "").strip(), author=by,
    )
    latest = StatusReport.objects.for_org(org).filter(initiative=initiative).order_by("-reported_on", "-id").first()
    if latest is not None and initiative.health != latest.health:
        initiative.health = latest.health
        initiative.save(update_fields=["health", "updated_at"])
    return report


# --- notifications -------------------------------------------------------------------------------

def initiative_notifications_send(*, org: Organization, today: dt.date | None = None) -> dict[str, int]:
    """The daily PMO reminders, idempotent per day and item (dedupe keys carry both):

    - each open milestone past its due date (of an initiative not done or cancelled) → the
      initiative's owner;
    - each open initiative without a status report within its cadence → its owner;
    - each open, mitigating or occurred risk with exposure ≥ ``HIGH_EXPOSURE`` → the risk's owner
      (the initiative's owner when the risk has none).

    Returns how many notifications were created per kind (a re-run the same day creates none).
    """
    from . import selectors

    today = today or timezone.localdate()
    stamp = today.isoformat()
    sent = {"milestone_overdue": 0, "report_stale": 0, "risk_high": 0}

    def send(user: User | None, kind: str, key: str, title: str, body: str, url: str) -> None:
        if user is None:
            return
        if notification_send(org=org, user=user, kind=kind.replace("_", "-"), title=title, body=body, url=url,
                             dedupe_key=f"{kind}:{key}:{stamp}") is not None:
            sent[kind] += 1

    for milestone in selectors.milestones_overdue(org=org, today=today):
        initiative = milestone.initiative
        send(initiative.owner, "milestone_overdue", str(milestone.pk),
             _("Overdue: %(milestone)s") % {"milestone": milestone.title},
             _("“%(milestone)s” of “%(initiative)s” was due on %(due)s and is not done.") % {
                 "milestone": milestone.title, "initiative": initiative.title, "due": milestone.due_date.isoformat()},
             reverse("initiatives:initiative-detail", args=[initiative.pk]) + "#schedule")
    for initiative in selectors.initiatives_stale(org=org, today=today):
        send(initiative.owner, "report_stale", str(initiative.pk),
             _("Status report due: %(initiative)s") % {"initiative": initiative.title},
             _("“%(initiative)s” has had no status report in the last %(days)d days.") % {
                 "initiative": initiative.title, "days": initiative.report_every_days},
             reverse("initiatives:initiative-detail", args=[initiative.pk]) + "#reports")
    for risk in selectors.risks_high(org=org):
        send(risk.owner or risk.initiative.owner, "risk_high", str(risk.pk),
             _("High risk (%(exposure)d): %(initiative)s") % {"exposure": risk.exposure,
                                                              "initiative": risk.initiative.title},
             _("%(description)s — probability %(p)d × impact %(i)d.") % {
                 "description": risk.description[:300], "p": risk.probability, "i": risk.impact},
             reverse("initiatives:initiative-detail", args=[risk.initiative_id]) + "#risks")
    return sent


__all__ = [
    "HIGH_EXPOSURE", "INITIATIVE_FIELDS", "OPEN_STATUSES", "REOPEN_FROM", "TRANSITIONS",
    "initiative_create", "initiative_update", "initiative_team_set", "initiative_transition", "initiative_delete",
    "milestone_create", "milestone_update", "milestone_set_done", "milestone_delete",
    "risk_create", "risk_update", "risk_delete", "kpi_create", "kpi_update", "kpi_delete",
    "status_report_create", "initiative_notifications_send",
]
