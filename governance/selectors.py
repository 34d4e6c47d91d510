"""Reads of governance, always for one organization: the structure, the RACI matrix, meetings and
decisions, the charter's budget, the roadmap and the accountability goals with their attainment.

``governance`` sits above ``cem_levers``, ``voc`` and ``initiatives`` in the dependency chain, so
it reads their models here (read-only); nothing below imports this module.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cem_levers.models import Lever
from cxgov.tenancy.models import Membership, Organization, User
from initiatives.models import Initiative
from voc.models import Journey, Rollup

from .models import (
    Body,
    BodyMember,
    BudgetYear,
    ChangeStakeholder,
    Charter,
    Decision,
    Goal,
    Level,
    Meeting,
    RaciAssignment,
    RaciRole,
    RoadmapStep,
    SwotItem,
)

# --- structure -----------------------------------------------------------------------------------


def body_list(*, org: Organization) -> QuerySet[Body]:
    """The organization's bodies in order, with ``member_count`` and the members prefetched (users joined)."""
    members = BodyMember.objects.for_org(org).select_related("user").order_by("role_in_body", "name", "id")
    return (
        Body.objects.for_org(org)
        .annotate(member_count=Count("members"))
        .prefetch_related(Prefetch("members", queryset=members, to_attr="member_list"))
        .order_by("position", "id")
    )


def bodies_by_level(*, org: Organization) -> list[tuple[Level, list[Body]]]:
    """The org chart: the three levels, strategic first, each with its bodies (possibly none)."""
    bodies = list(body_list(org=org))
    return [(level, [b for b in bodies if b.level == level]) for level in Level]


def body_kinds_missing(*, org: Organization) -> list[Body.Kind]:
    """The five standard kinds of body the organization has none of yet, in the usual order."""
    present = set(Body.objects.for_org(org).values_list("kind", flat=True))
    return [kind for kind in Body.Kind if kind.value not in present]


def body_detail_queryset(*, org: Organization) -> QuerySet[Body]:
    """Bodies ready for the detail page: members with their users, chair first."""
    members = BodyMember.objects.for_org(org).select_related("user").order_by("role_in_body", "name", "id")
    return Body.objects.for_org(org).prefetch_related(Prefetch("members", queryset=members, to_attr="member_list"))


def body_sponsored_initiatives(*, org: Organization, body: Body) -> QuerySet:
    """Initiatives the body sponsors (through the reverse relation; ``governance`` reads ``initiatives``)."""
    return body.sponsored_initiatives.filter(organization=org).select_related("owner").order_by("-priority", "id")


def organization_users(*, org: Organization) -> QuerySet[User]:
    """Active users with a membership in the organization, by name: the people a choice may name."""
    return (
        User.objects.filter(memberships__organization=org, is_active=True)
        .order_by("full_name", "email")
        .distinct()
    )


def user_is_member(*, org: Organization, user: User) -> bool:
    return Membership.objects.filter(organization=org, user=user).exists()


# --- RACI ---------------------------------------------------------------------------------------


class RaciEntry(NamedTuple):
    """One responsibility of a lever, journey or initiative: ``(party, role)``.

    ``party`` is a ``Body``, a ``BodyMember`` (a person, possibly without a login) or a ``User``;
    ``role`` is ``"R"``, ``"A"``, ``"C"`` or ``"I"``. Unpacks as a pair; the properties help templates.
    """

    party: Any
    role: str

    @property
    def kind(self) -> str:
        if isinstance(self.party, Body):
            return "body"
        if isinstance(self.party, BodyMember):
            return "member"
        return "user"

    @property
    def name(self) -> str:
        if isinstance(self.party, BodyMember):
            return self.party.display_name
        return str(self.party)

    @property
    def role_label(self) -> str:
        return str(RaciRole(self.role).label)


_ROLE_ORDER = {"A": 0, "R": 1, "C": 2, "I": 3}


def raci_for_object(*, org: Organization, obj: Any) -> list[RaciEntry]:
    """The RACI of one lever, journey or initiative: ``[(party, role), …]``, Accountable first.

    A stable entry point for other pages (the lever page shows its RACI through it). ``obj`` of
    another organization, or of another model, has no RACI: the answer is an empty list. One query.
    """
    subject_field = _subject_field_of(obj)
    if subject_field is None or getattr(obj, "organization_id", None) != org.pk:
        return []
    rows = (
        RaciAssignment.objects.for_org(org)
        .filter(**{subject_field: obj})
        .select_related("body", "member__user", "user")
    )
    entries = [RaciEntry(row.party, row.role) for row in rows]
    entries.sort(key=lambda e: (_ROLE_ORDER.get(e.role, 9), e.name.lower()))
    return entries


def _subject_field_of(obj: Any) -> str | None:
    if isinstance(obj, Lever):
        return "lever"
    if isinstance(obj, Journey):
        return "journey"
    if isinstance(obj, Initiative):
        return "initiative"
    return None


@dataclass
class RaciColumn:
    """A column of the RACI grid: a body, or a person (a user, or a member without a login)."""

    key: str  # "body:3", "user:7", "member:12"
    label: str
    hint: str
    kind: str


@dataclass
class RaciRow:
    key: str  # "lever:5", "journey:2", "initiative:9"
    label: str
    group: str
    cells: list[tuple[str, str]] = field(default_factory=list)  # (column key, role or "")


def raci_columns(*, org: Organization) -> list[RaciColumn]:
    """Bodies, then every person sitting on a body (a user once, however many bodies), then users
    who hold an assignment without sitting on any body. Two queries."""
    columns: list[RaciColumn] = []
    people: dict[str, RaciColumn] = {}
    bodies = list(body_list(org=org))
    for body in bodies:
        columns.append(RaciColumn(f"body:{body.pk}", body.name, body.get_level_display(), "body"))
    for body in bodies:
        for member in body.member_list:
            key = f"user:{member.user_id}" if member.user_id else f"member:{member.pk}"
            if key not in people:
                people[key] = RaciColumn(key, member.display_name, member.title or member.area, "person")
    extra_users = (
        User.objects.filter(pk__in=RaciAssignment.objects.for_org(org).filter(user__isnull=False).values("user_id"))
        .order_by("full_name", "email")
    )
    for user in extra_users:
        people.setdefault(f"user:{user.pk}", RaciColumn(f"user:{user.pk}", str(user), "", "person"))
    return columns + sorted(people.values(), key=lambda c: c.label.lower())


def raci_grid(*, org: Organization) -> tuple[list[RaciColumn], list[RaciRow]]:
    """The whole RACI matrix: columns (bodies and people) and one row per active lever, journey and
    open initiative, each cell holding its role or "". A fixed number of queries, whatever the size."""
    columns = raci_columns(org=org)
    column_keys = [c.key for c in columns]
    cells: dict[tuple[str, str], str] = {}
    for a in RaciAssignment.objects.for_org(org).only(
        "lever_id", "journey_id", "initiative_id", "body_id", "member_id", "user_id", "role"
    ):
        cells[(_row_key(a), _column_key(a))] = a.role
    rows: list[RaciRow] = []
    for key, label, group in raci_subjects(org=org):
        rows.append(RaciRow(key, label, group, [(c, cells.get((key, c), "")) for c in column_keys]))
    return columns, rows


def raci_subjects(*, org: Organization) -> list[tuple[str, str, str]]:
    """(row key, label, group label) of every row the RACI grid offers. Three queries."""
    subjects: list[tuple[str, str, str]] = []
    for lever in Lever.objects.for_org(org).filter(is_active=True).order_by("position", "id"):
        subjects.append((f"lever:{lever.pk}", str(lever), _("Levers")))
    for journey in Journey.objects.for_org(org).order_by("name", "version"):
        subjects.append((f"journey:{journey.pk}", str(journey), _("Journeys")))
    initiatives = Initiative.objects.for_org(org).exclude(status__in=["cancelled"]).order_by("title", "id")
    for initiative in initiatives.only("id", "title"):
        subjects.append((f"initiative:{initiative.pk}", initiative.title, _("Initiatives")))
    return subjects


def _row_key(a: RaciAssignment) -> str:
    if a.lever_id:
        return f"lever:{a.lever_id}"
    if a.journey_id:
        return f"journey:{a.journey_id}"
    return f"initiative:{a.initiative_id}"


def _column_key(a: RaciAssignment) -> str:
    if a.body_id:
        return f"body:{a.body_id}"
    if a.member_id:
        return f"member:{a.member_id}"
    return f"user:{a.user_id}"


def raci_assignment_list(*, org: Organization) -> QuerySet[RaciAssignment]:
    return RaciAssignment.objects.for_org(org).select_related(
        "lever", "journey", "initiative", "body", "member__user", "user"
    )


# --- meetings and decisions ---------------------------------------------------------------------


def today_for(org: Organization) -> dt.date:
    """Today in the organization's time zone (due dates are local days)."""
    from zoneinfo import ZoneInfo

    return timezone.now().astimezone(ZoneInfo(org.timezone)).date()


def meeting_list(*, org: Organization, body: Body | None = None) -> QuerySet[Meeting]:
    qs = Meeting.objects.for_org(org).select_related("body").annotate(
        attendee_count=Count("attendees", distinct=True), decision_count=Count("decisions", distinct=True)
    )
    if body is not None:
        qs = qs.filter(body=body)
    return qs.order_by("-date", "-id")


def meeting_detail_queryset(*, org: Organization) -> QuerySet[Meeting]:
    attendees = BodyMember.objects.for_org(org).select_related("user").order_by("role_in_body", "name", "id")
    decisions = Decision.objects.for_org(org).select_related("owner").order_by("due_date", "id")
    return Meeting.objects.for_org(org).select_related("body").prefetch_related(
        Prefetch("attendees", queryset=attendees, to_attr="attendee_list"),
        Prefetch("decisions", queryset=decisions, to_attr="decision_list"),
    )


def decision_list(
    *, org: Organization, body: Body | None = None, owner: User | None = None, status: str | None = None,
    overdue_only: bool = False, today: dt.date | None = None,
) -> QuerySet[Decision]:
    """Decisions with their body, meeting and owner; ``is_overdue`` computed against ``today``
    (the organization's today unless given): open and due before today."""
    today = today or today_for(org)
    qs = Decision.objects.for_org(org).select_related("body", "meeting", "owner")
    if body is not None:
        qs = qs.filter(body=body)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if status:
        qs = qs.filter(status=status)
    if overdue_only:
        qs = qs.filter(_overdue_q(today))
    # Dated actions first (soonest first), undated ones last, on every database.
    return qs.order_by(F("due_date").asc(nulls_last=True), "id")


def _overdue_q(today: dt.date) -> Q:
    return Q(status=Decision.Status.OPEN, due_date__lt=today)


def decision_is_overdue(decision: Decision, *, today: dt.date) -> bool:
    return decision.status == Decision.Status.OPEN and decision.due_date is not None and decision.due_date < today


@dataclass
class DecisionSummary:
    """Open decisions of one body or person, split into overdue and upcoming."""

    overdue: list[Decision]
    upcoming: list[Decision]

    @property
    def open_count(self) -> int:
        return len(self.overdue) + len(self.upcoming)


def decisions_open(
    *, org: Organization, body: Body | None = None, owner: User | None = None, today: dt.date | None = None
) -> DecisionSummary:
    """The open decisions of a body or an owner (or all), overdue first. One query."""
    today = today or today_for(org)
    rows = list(decision_list(org=org, body=body, owner=owner, status=Decision.Status.OPEN, today=today))
    overdue = [d for d in rows if decision_is_overdue(d, today=today)]
    upcoming = [d for d in rows if not decision_is_overdue(d, today=today)]
    return DecisionSummary(overdue=overdue, upcoming=upcoming)


def decisions_by_body(*, org: Organization, today: dt.date | None = None) -> list[tuple[Body, DecisionSummary]]:
    """Every body with its open decisions (overdue and upcoming). Two queries."""
    today = today or today_for(org)
    rows = list(decision_list(org=org, status=Decision.Status.OPEN, today=today))
    by_body: dict[int, list[Decision]] = defaultdict(list)
    for decision in rows:
        by_body[decision.body_id].append(decision)
    result = []
    for body in Body.objects.for_org(org).order_by("position", "id"):
        mine = by_body.get(body.pk, [])
        result.append((body, DecisionSummary(
            overdue=[d for d in mine if decision_is_overdue(d, today=today)],
            upcoming=[d for d in mine if not decision_is_overdue(d, today=today)],
        )))
    return result


# --- charter and budget --------------------------------------------------------------------------


def charter_get(*, org: Organization) -> Charter | None:
    return Charter.objects.for_org(org).first()


@dataclass
class BudgetLine:
    budget: BudgetYear | None
    year: int
    planned: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.planned - self.spent

    @property
    def spent_percent(self) -> int | None:
        if not self.planned:
            return None
        return int(round(self.spent * 100 / self.planned))


def initiative_spend_by_year(*, org: Organization) -> dict[int, Decimal]:
    """Actual cost of initiatives per year, each initiative counted once: in the year it was
    completed, or, while not completed, in the year it started. Initiatives neither started nor
    completed have spent nothing yet. Cancelled ones count too: their money was spent. One query."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(org.timezone)
    spend: dict[int, Decimal] = defaultdict(Decimal)
    rows = (
        Initiative.objects.for_org(org)
        .filter(Q(completed_at__isnull=False) | Q(start_date__isnull=False))
        .values_list("completed_at", "start_date", "actual_cost")
    )
    for completed_at, start_date, actual_cost in rows:
        year = completed_at.astimezone(tz).year if completed_at is not None else start_date.year
        spend[year] += actual_cost or Decimal(0)
    return dict(spend)


def budget_lines(*, org: Organization) -> list[BudgetLine]:
    """Planned vs spent per year: every year with a budget, plus every year with spending but no
    budget (planned 0), newest first. Two queries."""
    spend = initiative_spend_by_year(org=org)
    budgets = {b.year: b for b in BudgetYear.objects.for_org(org)}
    years = sorted(set(budgets) | set(spend), reverse=True)
    return [
        BudgetLine(
            budget=budgets.get(year), year=year, planned=budgets[year].planned if year in budgets else Decimal(0),
            spent=spend.get(year, Decimal(0)),
        )
        for year in years
    ]


# --- roadmap -------------------------------------------------------------------------------------


def roadmap_steps(*, org: Organization) -> list[RoadmapStep]:
    return list(RoadmapStep.objects.for_org(org).order_by("step"))


def swot(*, org: Organization) -> list[tuple[SwotItem.Quadrant, list[SwotItem]]]:
    """The four SWOT quadrants with their items (possibly none). One query."""
    items = list(SwotItem.objects.for_org(org).order_by("position", "id"))
    return [(q, [i for i in items if i.quadrant == q]) for q in SwotItem.Quadrant]


def change_stakeholders(*, org: Organization) -> list[tuple[ChangeStakeholder.Stance, list[ChangeStakeholder]]]:
    """The map of the change: promoters, neutrals and detractors, high influence first. One query."""
    rank = {"high": 0, "medium": 1, "low": 2}
    people = sorted(ChangeStakeholder.objects.for_org(org), key=lambda p: (rank.get(p.influence, 3), p.name.lower()))
    return [(s, [p for p in people if p.stance == s]) for s in ChangeStakeholder.Stance]


# --- accountability ------------------------------------------------------------------------------


@dataclass
class Attainment:
    """A goal's result for its period: the n-weighted mean of the monthly rollup values, with n."""

    goal: Goal
    value: Decimal | None
    n: int
    months: int

    @property
    def enough_data(self) -> bool:
        return self.value is not None and self.n >= self.goal.metric.min_n

    @property
    def on_target(self) -> bool | None:
        """True / False when there is enough data; None ("not enough data") otherwise."""
        if not self.enough_data:
            return None
        if self.goal.metric.higher_is_better:
            return self.value >= self.goal.target
        return self.value <= self.goal.target

    @property
    def state(self) -> str:
        if self.on_target is None:
            return "no_data"
        return "on" if self.on_target else "off"


def goal_list(*, org: Organization) -> QuerySet[Goal]:
    return Goal.objects.for_org(org).select_related("user", "body", "metric", "touchpoint", "journey").order_by(
        "-period_start", "id"
    )


def _goal_subject(goal: Goal) -> tuple[str, int]:
    if goal.touchpoint_id:
        return Rollup.Grain.TOUCHPOINT, goal.touchpoint_id
    if goal.journey_id:
        return Rollup.Grain.JOURNEY, goal.journey_id
    return Rollup.Grain.ORGANIZATION, 0


def goals_attainment(*, org: Organization, goals: list[Goal] | None = None) -> list[Attainment]:
    """Attainment of each goal from the monthly VoC rollups of its metric and scope (the whole
    organization, or its touchpoint or journey) whose month starts within the goal's period:
    value = Σ(value × n) / Σ n over those months, n = Σ n. One query for all goals."""
    goals = list(goal_list(org=org)) if goals is None else goals
    if not goals:
        return []
    condition = Q()
    for goal in goals:
        grain, subject = _goal_subject(goal)
        condition |= Q(
            metric_id=goal.metric_id, grain=grain, subject_id=subject,
            period_start__gte=goal.period_start, period_start__lte=goal.period_end,
        )
    rollups = list(
        Rollup.objects.for_org(org)
        .filter(period=Rollup.Period.MONTH, value__isnull=False, n__gt=0)
        .filter(condition)
        .values_list("metric_id", "grain", "subject_id", "period_start", "n", "value")
    )
    results = []
    for goal in goals:
        grain, subject = _goal_subject(goal)
        weighted = Decimal(0)
        n = 0
        months = 0
        for metric_id, r_grain, r_subject, start, r_n, value in rollups:
            if (metric_id, r_grain, r_subject) != (goal.metric_id, grain, subject):
                continue
            if not goal.period_start <= start <= goal.period_end:
                continue
            weighted += value * r_n
            n += r_n
            months += 1
        value = (weighted / n).quantize(Decimal("0.01")) if n else None
        results.append(Attainment(goal=goal, value=value, n=n, months=months))
    return results


def goal_attainment(*, org: Organization, goal: Goal) -> Attainment:
    return goals_attainment(org=org, goals=[goal])[0]


# --- executive dashboard and report ---------------------------------------------------------------

def goals_attainment_by_month(
    *, org: Organization, months: list[dt.date], journey: Journey | None = None, segment: Any | None = None
) -> dict[dt.date, list[Attainment]]:
    """For each month start in ``months``: the goals whose period includes that month, with their
    attainment *as of that month* (the n-weighted monthly rollups from the goal's start up to and
    including that month, within its period). Comparing two months tells which goals came on or
    went off target. ``journey`` keeps the goals on that journey or one of its touchpoints;
    ``segment`` those on a journey (or a touchpoint of a journey) of that segment. Two queries.
    """
    if not months:
        return {}
    month_ends = {m: (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
                  for m in months}
    qs = goal_list(org=org).filter(period_start__lte=max(month_ends.values()), period_end__gte=min(months))
    if journey is not None:
        qs = qs.filter(Q(journey=journey) | Q(touchpoint__journey=journey))
    if segment is not None:
        qs = qs.filter(Q(journey__segment=segment) | Q(touchpoint__journey__segment=segment))
    goals = list(qs)
    result: dict[dt.date, list[Attainment]] = {m: [] for m in months}
    if not goals:
        return result
    latest = max(months)
    condition = Q()
    for goal in goals:
        grain, subject = _goal_subject(goal)
        condition |= Q(metric_id=goal.metric_id, grain=grain, subject_id=subject,
                       period_start__gte=goal.period_start, period_start__lte=min(goal.period_end, latest))
    rollups = list(
        Rollup.objects.for_org(org).filter(period=Rollup.Period.MONTH, value__isnull=False, n__gt=0)
        .filter(condition).values_list("metric_id", "grain", "subject_id", "period_start", "n", "value")
    )
    by_key: dict[tuple, list[tuple[dt.date, int, Decimal]]] = defaultdict(list)
    for metric_id, grain, subject, start, n, value in rollups:
        by_key[(metric_id, grain, subject)].append((start, n, value))
    for month in months:
        for goal in goals:
            if not (goal.period_start <= month_ends[month] and goal.period_end >= month):
                continue
            grain, subject = _goal_subject(goal)
            weighted, n, count = Decimal(0), 0, 0
            for start, r_n, value in by_key.get((goal.metric_id, grain, subject), []):
                if goal.period_start <= start <= min(goal.period_end, month):
                    weighted += value * r_n
                    n += r_n
                    count += 1
            value = (weighted / n).quantize(Decimal("0.01")) if n else None
            result[month].append(Attainment(goal=goal, value=value, n=n, months=count))
    return result
