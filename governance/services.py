"""Governance writes: bodies and members, the RACI matrix, meetings and decisions, the programme
charter and budget, the transformation roadmap and the accountability goals.

Every user-chosen reference is checked to belong to the organization (``tenant_check``) before it
is stored, with the same message as a missing object; people are users with a membership in the
organization. Rules live here, so forms and the API give the same answers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cem_levers.models import Lever
from cxgov.tenancy.models import Membership, Organization, User, tenant_check
from initiatives.models import Initiative
from voc.models import Journey, Metric, Touchpoint

from .models import (
    RACI_PARTIES,
    RACI_SUBJECTS,
    Body,
    BodyMember,
    BudgetYear,
    ChangeStakeholder,
    Charter,
    Decision,
    Goal,
    Guideline,
    Level,
    Meeting,
    RaciAssignment,
    RaciRole,
    RoadmapStep,
    RoiIndicator,
    SwotItem,
)


def _not_found() -> str:
    return _("Not found in this organization.")


def _text(field: str, value: str | None, *, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({field: [_("Keep this under %(n)d characters.") % {"n": limit}]})
    return value


def _require_member(*, org: Organization, field: str, user: User | None) -> None:
    """A person named in the organization's data must have a membership in it (else: not found)."""
    if user is not None and not Membership.objects.filter(user=user, organization=org).exists():
        raise ValidationError({field: [_not_found()]})


# --- bodies and members --------------------------------------------------------------------------

STANDARD_BODIES: list[tuple[Body.Kind, str, str, str]] = [
    (
        Body.Kind.EXECUTIVE_SPONSOR, gettext_noop("Executive sponsor"),
        gettext_noop("Champions customer experience among executive peers and secures support and resources."),
        gettext_noop("Monthly"),
    ),
    (
        Body.Kind.STEERING_COMMITTEE, gettext_noop("Steering committee"),
        gettext_noop("Decision makers from the critical functions shape and approve the CX strategy."),
        gettext_noop("Quarterly"),
    ),
    (
        Body.Kind.CORE_TEAM, gettext_noop("Core CX team"),
        gettext_noop("Sets the direction of the programme and sustains the effort across the company."),
        gettext_noop("Weekly"),
    ),
    (
        Body.Kind.WORKING_GROUP, gettext_noop("Working group"),
        gettext_noop("Influential managers across the company lend their expertise to advance initiatives."),
        gettext_noop("Every two weeks"),
    ),
    (
        Body.Kind.AMBASSADORS, gettext_noop("CX ambassadors"),
        gettext_noop("Employees at every level bring information from the front line and help execute."),
        gettext_noop("Monthly"),
    ),
]


@transaction.atomic
def body_create(
    *,
    org: Organization,
    kind: str,
    name: str,
    level: str | None = None,
    mandate: str = "",
    cadence: str = "",
    position: int | None = None,
) -> Body:
    """Create a governance body. Without ``level`` it acts on its kind's usual level
    (sponsor and steering committee strategic, core team and working group tactical, ambassadors
    operational). Names are unique within the organization."""
    if kind not in Body.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of body.")]})
    level = level or Body.DEFAULT_LEVEL[Body.Kind(kind)]
    if level not in Level.values:
        raise ValidationError({"level": [_("Unknown level.")]})
    name = _text("name", name, limit=200, required=True)
    bodies = Body.objects.for_org(org)
    if bodies.filter(name=name).exists():
        raise ValidationError({"name": [_("A body with this name already exists.")]})
    if position is None:
        position = (max(bodies.values_list("position", flat=True), default=0) or 0) + 1
    return Body.objects.create(
        organization=org, kind=kind, level=level, name=name, mandate=(mandate or "").strip(),
        cadence=_text("cadence", cadence, limit=100), position=position,
    )


@transaction.atomic
def body_update(
    *, org: Organization, body: Body, kind: str, name: str, level: str, mandate: str = "", cadence: str = ""
) -> Body:
    """Change a body's kind, level, name, mandate and cadence (names stay unique)."""
    tenant_check(org=org, body=body)
    if kind not in Body.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of body.")]})
    if level not in Level.values:
        raise ValidationError({"level": [_("Unknown level.")]})
    name = _text("name", name, limit=200, required=True)
    if Body.objects.for_org(org).filter(name=name).exclude(pk=body.pk).exists():
        raise ValidationError({"name": [_("A body with this name already exists.")]})
    body.kind, body.level, body.name = kind, level, name
    body.mandate = (mandate or "").strip()
    body.cadence = _text("cadence", cadence, limit=100)
    body.save()
    return body


@transaction.atomic
def body_delete(*, org: Organization, body: Body) -> None:
    """Delete a body with its members, meetings, decisions, goals and RACI cells. Initiatives it
    sponsored keep existing without a sponsor body."""
    tenant_check(org=org, body=body)
    body.delete()


@transaction.atomic
def bodies_standard_ensure(*, org: Organization) -> list[Body]:
    """Create the standard bodies the organization lacks (one per kind: executive sponsor,
    steering committee, core CX team, working group, CX ambassadors), each on its usual level.
    Idempotent: kinds already present are left alone. Returns the bodies created."""
    present = set(Body.objects.for_org(org).values_list("kind", flat=True))
    taken = set(Body.objects.for_org(org).values_list("name", flat=True))
    created = []
    for kind, name, mandate, cadence in STANDARD_BODIES:
        if kind.value in present:
            continue
        label = _(name)
        if label in taken:
            label = f"{label} ({kind.label})"
        created.append(body_create(org=org, kind=kind, name=label, mandate=_(mandate), cadence=_(cadence)))
    return created


@transaction.atomic
def body_member_add(
    *,
    org: Organization,
    body: Body,
    user: User | None = None,
    name: str = "",
    title: str = "",
    area: str = "",
    role_in_body: str = BodyMember.RoleInBody.MEMBER,
) -> BodyMember:
    """Add a member to a body: a user of the organization, or a named person without a login
    (an executive who never signs in still sits on the steering committee)."""
    tenant_check(org=org, body=body)
    name = _text("name", name, limit=200)
    if user is None and not name:
        raise ValidationError({"name": [_("Give the person's name, or choose a user.")]})
    if user is not None:
        if not Membership.objects.filter(user=user, organization=org).exists():
            raise ValidationError({"user": [_("Not a member of this organization.")]})
        if BodyMember.objects.for_org(org).filter(body=body, user=user).exists():
            raise ValidationError({"user": [_("Already a member of this body.")]})
    if role_in_body not in BodyMember.RoleInBody.values:
        raise ValidationError({"role_in_body": [_("Unknown role.")]})
    return BodyMember.objects.create(
        organization=org, body=body, user=user, name=name, title=_text("title", title, limit=200),
        area=_text("area", area, limit=200), role_in_body=role_in_body,
    )


@transaction.atomic
def body_member_update(
    *, org: Organization, member: BodyMember, name: str = "", title: str = "", area: str = "",
    role_in_body: str = BodyMember.RoleInBody.MEMBER,
) -> BodyMember:
    """Change a member's name (people without a login), title, area and role in the body."""
    tenant_check(org=org, member=member)
    name = _text("name", name, limit=200)
    if member.user_id is None and not name:
        raise ValidationError({"name": [_("Give the person's name, or choose a user.")]})
    if role_in_body not in BodyMember.RoleInBody.values:
        raise ValidationError({"role_in_body": [_("Unknown role.")]})
    member.name = name
    member.title = _text("title", title, limit=200)
    member.area = _text("area", area, limit=200)
    member.role_in_body = role_in_body
    member.save()
    return member


@transaction.atomic
def body_member_remove(*, org: Organization, member: BodyMember) -> None:
    """Remove a member from a body, refusing when it would leave a RACI row without its
    Accountable (the row must get another one first)."""
    tenant_check(org=org, member=member)
    for assignment in RaciAssignment.objects.for_org(org).filter(member=member, role=RaciRole.ACCOUNTABLE):
        label = str(assignment.subject)
        raise ValidationError({"member": [
            _("%(person)s is Accountable for “%(row)s”: make someone else Accountable first.")
            % {"person": member.display_name, "row": label}
        ]})
    member.delete()


# --- RACI -----------------------------------------------------------------------------------------

_SUBJECT_MODELS = {"lever": Lever, "journey": Journey, "initiative": Initiative}
_PARTY_MODELS = {"body": Body, "member": BodyMember, "user": User}


def raci_subject_label(subject: Any) -> str:
    return subject.title if isinstance(subject, Initiative) else str(subject)


def _subject_kwargs(subject: Any) -> dict[str, Any]:
    for name, model in _SUBJECT_MODELS.items():
        if isinstance(subject, model):
            return {name: subject}
    raise ValidationError({"subject": [_("Choose a lever, a journey or an initiative.")]})


def _party_kwargs(*, org: Organization, party: Any) -> dict[str, Any]:
    """The column of a cell: a body, a person without a login, or a user of the organization.
    A member who has a login is stored as that user, so a person is one column in the grid."""
    if isinstance(party, Body):
        tenant_check(org=org, body=party)
        return {"body": party}
    if isinstance(party, BodyMember):
        tenant_check(org=org, member=party)
        if party.user_id is not None:
            return {"user": party.user}
        return {"member": party}
    if isinstance(party, User):
        _require_member(org=org, field="user", user=party)
        return {"user": party}
    raise ValidationError({"party": [_("Choose a body or a person.")]})


def _row_check(*, org: Organization, subject: Any) -> None:
    """A row of the matrix that has any assignment has exactly one Accountable."""
    roles = list(RaciAssignment.objects.for_org(org).filter(**_subject_kwargs(subject)).values_list("role", flat=True))
    if not roles:
        return
    accountable = roles.count(RaciRole.ACCOUNTABLE)
    if accountable != 1:
        raise ValidationError({"role": [_raci_message(raci_subject_label(subject), accountable)]})


def _raci_message(row: str, accountable: int) -> str:
    if accountable == 0:
        return _("“%(row)s” has no Accountable: exactly one person or body must be Accountable (A).") % {"row": row}
    return _(
        "“%(row)s” has %(n)d Accountables: exactly one person or body may be Accountable (A)."
    ) % {"row": row, "n": accountable}


@transaction.atomic
def raci_assignment_set(*, org: Organization, subject: Any, party: Any, role: str) -> RaciAssignment:
    """Give ``party`` the ``role`` (R, A, C or I) on ``subject`` (a lever, journey or initiative),
    creating or changing the cell. The row must then hold exactly one Accountable."""
    subject_kwargs = _subject_kwargs(subject)
    tenant_check(org=org, **subject_kwargs)
    party_kwargs = _party_kwargs(org=org, party=party)
    if role not in RaciRole.values:
        raise ValidationError({"role": [_("Choose R, A, C or I.")]})
    assignment, _created = RaciAssignment.objects.for_org(org).update_or_create(
        organization=org, **subject_kwargs, **party_kwargs, defaults={"role": role}
    )
    _row_check(org=org, subject=subject)
    return assignment


@transaction.atomic
def raci_assignment_update(
    *, org: Organization, assignment: RaciAssignment, subject: Any, party: Any, role: str
) -> RaciAssignment:
    """Move or change one cell; both the old and the new row must keep exactly one Accountable."""
    tenant_check(org=org, assignment=assignment)
    old_subject = assignment.subject
    subject_kwargs = _subject_kwargs(subject)
    tenant_check(org=org, **subject_kwargs)
    party_kwargs = _party_kwargs(org=org, party=party)
    if role not in RaciRole.values:
        raise ValidationError({"role": [_("Choose R, A, C or I.")]})
    clash = RaciAssignment.objects.for_org(org).filter(**subject_kwargs, **party_kwargs).exclude(pk=assignment.pk)
    if clash.exists():
        raise ValidationError({"party": [_("This person or body already has a role on this row.")]})
    for name in RACI_SUBJECTS + RACI_PARTIES:
        setattr(assignment, name, None)
    for name, value in {**subject_kwargs, **party_kwargs}.items():
        setattr(assignment, name, value)
    assignment.role = role
    assignment.save()
    _row_check(org=org, subject=subject)
    if (type(old_subject), old_subject.pk) != (type(subject), subject.pk):
        _row_check(org=org, subject=old_subject)
    return assignment


@transaction.atomic
def raci_assignment_delete(*, org: Organization, assignment: RaciAssignment) -> None:
    """Empty one cell; the row must keep exactly one Accountable (or become empty)."""
    tenant_check(org=org, assignment=assignment)
    subject = assignment.subject
    others = list(
        RaciAssignment.objects.for_org(org).filter(**_subject_kwargs(subject)).exclude(pk=assignment.pk)
        .values_list("role", flat=True)
    )
    accountable = others.count(RaciRole.ACCOUNTABLE)
    if others and accountable != 1:
        raise ValidationError({"role": [_raci_message(raci_subject_label(subject), accountable)]})
    assignment.delete()


def _parse_key(key: str, models: dict[str, type]) -> tuple[str, int]:
    kind, _sep, raw_id = (key or "").partition(":")
    if kind not in models or not raw_id.isdigit():
        raise ValidationError({"raci": [_("Unknown row or column: %(key)s.") % {"key": key}]})
    return kind, int(raw_id)


@transaction.atomic
def raci_matrix_save(*, org: Organization, cells: dict[tuple[str, str], str]) -> int:
    """Save the RACI grid in one go. ``cells`` maps ``(row key, column key)`` — e.g.
    ``("lever:5", "body:2")`` — to a role or "" (empty cell); rows not in ``cells`` are untouched.

    Every row given must end with exactly one Accountable or be empty; all errors are collected,
    each naming its row, and nothing is saved unless every row is right. Returns the cells changed.
    """
    rows: dict[str, dict[str, str]] = {}
    for (row_key, column_key), role in cells.items():
        role = (role or "").strip().upper()
        if role and role not in RaciRole.values:
            raise ValidationError({"raci": [_("Choose R, A, C or I.")]})
        rows.setdefault(row_key, {})[column_key] = role

    subjects: dict[str, Any] = {}
    for row_key in rows:
        kind, pk = _parse_key(row_key, _SUBJECT_MODELS)
        obj = _SUBJECT_MODELS[kind].objects.for_org(org).filter(pk=pk).first()
        if obj is None:
            raise ValidationError({"raci": [_not_found()]})
        subjects[row_key] = obj

    parties: dict[str, dict[str, Any]] = {}
    column_keys = {c for cols in rows.values() for c in cols}
    for column_key in column_keys:
        kind, pk = _parse_key(column_key, _PARTY_MODELS)
        if kind == "user":
            obj = User.objects.filter(pk=pk, memberships__organization=org).first()
        else:
            obj = _PARTY_MODELS[kind].objects.for_org(org).filter(pk=pk).first()
        if obj is None:
            raise ValidationError({"raci": [_not_found()]})
        parties[column_key] = _party_kwargs(org=org, party=obj)

    existing: dict[tuple[str, str], RaciAssignment] = {}
    for a in RaciAssignment.objects.for_org(org):
        existing[(_row_key_of(a), _column_key_of(a))] = a

    errors = []
    for row_key, columns in rows.items():
        final = {col: a.role for (r, col), a in existing.items() if r == row_key}
        final.update({_canonical_column(col, parties[col]): role for col, role in columns.items()})
        roles = [role for role in final.values() if role]
        accountable = roles.count(RaciRole.ACCOUNTABLE)
        if roles and accountable != 1:
            errors.append(_raci_message(raci_subject_label(subjects[row_key]), accountable))
    if errors:
        raise ValidationError({"raci": errors})

    changed = 0
    for row_key, columns in rows.items():
        subject_kwargs = _subject_kwargs(subjects[row_key])
        for column_key, role in columns.items():
            party_kwargs = parties[column_key]
            current = existing.get((row_key, _canonical_column(column_key, party_kwargs)))
            if not role:
                if current is not None:
                    current.delete()
                    changed += 1
            elif current is None:
                RaciAssignment.objects.create(organization=org, **subject_kwargs, **party_kwargs, role=role)
                changed += 1
            elif current.role != role:
                current.role = role
                current.save(update_fields=["role"])
                changed += 1
    return changed


def _canonical_column(column_key: str, party_kwargs: dict[str, Any]) -> str:
    (name, obj), = party_kwargs.items()
    return f"{name}:{obj.pk}" if obj is not None else column_key


def _row_key_of(a: RaciAssignment) -> str:
    for name in RACI_SUBJECTS:
        value = getattr(a, f"{name}_id")
        if value:
            return f"{name}:{value}"
    return ""


def _column_key_of(a: RaciAssignment) -> str:
    for name in RACI_PARTIES:
        value = getattr(a, f"{name}_id")
        if value:
            return f"{name}:{value}"
    return ""


# --- meetings and decisions ----------------------------------------------------------------------


def _attendees_check(*, org: Organization, body: Body, attendees: list[BodyMember]) -> None:
    tenant_check(org=org, attendees=list(attendees))
    strangers = [m for m in attendees if m.body_id != body.pk]
    if strangers:
        raise ValidationError({"attendees": [
            _("Only members of %(body)s can attend its meetings: %(names)s.")
            % {"body": body.name, "names": ", ".join(m.display_name for m in strangers)}
        ]})


@transaction.atomic
def meeting_create(
    *, org: Organization, body: Body, date: dt.date, agenda: str = "", minutes: str = "",
    attendees: list[BodyMember] | None = None,
) -> Meeting:
    """Record a meeting of a body; attendees are members of that body."""
    tenant_check(org=org, body=body)
    if date is None:
        raise ValidationError({"date": [_("This field is required.")]})
    attendees = list(attendees or [])
    _attendees_check(org=org, body=body, attendees=attendees)
    meeting = Meeting.objects.create(
        organization=org, body=body, date=date, agenda=(agenda or "").strip(), minutes=(minutes or "").strip()
    )
    meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def meeting_update(
    *, org: Organization, meeting: Meeting, date: dt.date, agenda: str = "", minutes: str = "",
    attendees: list[BodyMember] | None = None,
) -> Meeting:
    """Change a meeting's date, agenda, minutes and attendees (members of its body)."""
    tenant_check(org=org, meeting=meeting)
    if date is None:
        raise ValidationError({"date": [_("This field is required.")]})
    attendees = list(attendees or [])
    _attendees_check(org=org, body=meeting.body, attendees=attendees)
    meeting.date = date
    meeting.agenda = (agenda or "").strip()
    meeting.minutes = (minutes or "").strip()
    meeting.save()
    meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def meeting_delete(*, org: Organization, meeting: Meeting) -> None:
    """Delete a meeting; its decisions stay with the body, without a meeting."""
    tenant_check(org=org, meeting=meeting)
    meeting.delete()


def _decision_fields(
    *, org: Organization, body: Body, meeting: Meeting | None, text: str, owner: User | None, status: str
) -> str:
    tenant_check(org=org, body=body, meeting=meeting)
    if meeting is not None and meeting.body_id != body.pk:
        raise ValidationError({"meeting": [_("Choose a meeting of %(body)s.") % {"body": body.name}]})
    _require_member(org=org, field="owner", user=owner)
    if status not in Decision.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    return _text("text", text, limit=5000, required=True)


@transaction.atomic
def decision_create(
    *, org: Organization, body: Body, text: str, owner: User | None = None, due_date: dt.date | None = None,
    meeting: Meeting | None = None, status: str = Decision.Status.OPEN,
) -> Decision:
    """Record a decision of a body (optionally taken in one of its meetings), with the owner of the
    action (a user of the organization) and its due date."""
    text = _decision_fields(org=org, body=body, meeting=meeting, text=text, owner=owner, status=status)
    closed_at = timezone.now() if status != Decision.Status.OPEN else None
    return Decision.objects.create(
        organization=org, body=body, meeting=meeting, text=text, owner=owner, due_date=due_date, status=status,
        closed_at=closed_at,
    )


@transaction.atomic
def decision_update(
    *, org: Organization, decision: Decision, body: Body, text: str, owner: User | None = None,
    due_date: dt.date | None = None, meeting: Meeting | None = None, status: str = Decision.Status.OPEN,
) -> Decision:
    """Change a decision; closing it (done or dropped) stamps when, reopening clears the stamp."""
    tenant_check(org=org, decision=decision)
    text = _decision_fields(org=org, body=body, meeting=meeting, text=text, owner=owner, status=status)
    if status == Decision.Status.OPEN:
        decision.closed_at = None
    elif decision.status == Decision.Status.OPEN or decision.closed_at is None:
        decision.closed_at = timezone.now()
    decision.body, decision.meeting, decision.text = body, meeting, text
    decision.owner, decision.due_date, decision.status = owner, due_date, status
    decision.save()
    return decision


@transaction.atomic
def decision_status_set(*, org: Organization, decision: Decision, status: str) -> Decision:
    """Mark a decision done, dropped or open again."""
    return decision_update(
        org=org, decision=decision, body=decision.body, text=decision.text, owner=decision.owner,
        due_date=decision.due_date, meeting=decision.meeting, status=status,
    )


@transaction.atomic
def decision_delete(*, org: Organization, decision: Decision) -> None:
    tenant_check(org=org, decision=decision)
    decision.delete()


# --- charter and budget --------------------------------------------------------------------------


def _clean_list(field: str, values: list[str] | None, *, limit: int = 200) -> list[str]:
    cleaned: list[str] = []
    for value in values or []:
        value = (value or "").strip()
        if not value or value in cleaned:
            continue
        if len(value) > limit:
            raise ValidationError({field: [_("Keep each line under %(n)d characters.") % {"n": limit}]})
        cleaned.append(value)
    return cleaned


@transaction.atomic
def charter_update(
    *, org: Organization, vision: str = "", guidelines: list[str] | None = None,
    custom_guidelines: list[str] | None = None, roi_indicators: list[str] | None = None,
    custom_roi_indicators: list[str] | None = None,
) -> Charter:
    """Write the organization's one programme charter (created on first write): guidelines from
    the standard list and of its own, the vision, and the ROI indicators followed."""
    guidelines = _clean_list("guidelines", guidelines)
    unknown = [g for g in guidelines if g not in Guideline.values]
    if unknown:
        raise ValidationError({"guidelines": [_("Unknown guideline: %(code)s.") % {"code": ", ".join(unknown)}]})
    roi_indicators = _clean_list("roi_indicators", roi_indicators)
    unknown = [r for r in roi_indicators if r not in RoiIndicator.values]
    if unknown:
        message = _("Unknown ROI indicator: %(code)s.") % {"code": ", ".join(unknown)}
        raise ValidationError({"roi_indicators": [message]})
    charter = Charter.objects.for_org(org).select_for_update().first() or Charter(organization=org)
    charter.vision = _text("vision", vision, limit=5000)
    charter.guidelines = [g for g in Guideline.values if g in guidelines]
    charter.custom_guidelines = _clean_list("custom_guidelines", custom_guidelines)
    charter.roi_indicators = [r for r in RoiIndicator.values if r in roi_indicators]
    charter.custom_roi_indicators = _clean_list("custom_roi_indicators", custom_roi_indicators)
    charter.save()
    return charter


def _decimal(field: str, value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "")) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field: [_("Enter a number.")]})
    return number


@transaction.atomic
def budget_year_set(*, org: Organization, year: int, planned: Any, note: str = "") -> BudgetYear:
    """Set the planned budget of a year (creating the year or changing it)."""
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Enter a year between 2000 and 2100.")]})
    planned = _decimal("planned", planned)
    if planned < 0:
        raise ValidationError({"planned": [_("The budget cannot be negative.")]})
    if planned >= Decimal("1e12"):
        raise ValidationError({"planned": [_("Enter a smaller amount.")]})
    budget, _created = BudgetYear.objects.for_org(org).update_or_create(
        organization=org, year=year, defaults={"planned": planned.quantize(Decimal("0.01")),
                                              "note": _text("note", note, limit=200)},
    )
    return budget


@transaction.atomic
def budget_year_delete(*, org: Organization, budget: BudgetYear) -> None:
    tenant_check(org=org, budget=budget)
    budget.delete()


# --- roadmap -------------------------------------------------------------------------------------


@transaction.atomic
def roadmap_ensure(*, org: Organization) -> list[RoadmapStep]:
    """The organization's eight roadmap steps, creating those missing (not started). Idempotent."""
    present = set(RoadmapStep.objects.for_org(org).values_list("step", flat=True))
    missing = [RoadmapStep(organization=org, step=s) for s in RoadmapStep.Step.values if s not in present]
    if missing:
        RoadmapStep.objects.bulk_create(missing, ignore_conflicts=True)
    return list(RoadmapStep.objects.for_org(org).order_by("step"))


@transaction.atomic
def roadmap_step_update(
    *, org: Organization, step: RoadmapStep, status: str, evidence: str = "", evidence_url: str = "",
    start_date: dt.date | None = None, end_date: dt.date | None = None,
) -> RoadmapStep:
    """Record a step's status, its evidence (text and link) and its dates."""
    tenant_check(org=org, step=step)
    if status not in RoadmapStep.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    evidence_url = (evidence_url or "").strip()
    if evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError as exc:
            message = _("Enter a web address starting with http:// or https://.")
            raise ValidationError({"evidence_url": [message]}) from exc
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": [_("The end date cannot be before the start date.")]})
    step.status = status
    step.evidence = _text("evidence", evidence, limit=5000)
    step.evidence_url = _text("evidence_url", evidence_url, limit=200)
    step.start_date, step.end_date = start_date, end_date
    step.save()
    return step


@transaction.atomic
def swot_item_add(*, org: Organization, quadrant: str, text: str) -> SwotItem:
    """Add a line to one quadrant of the CX SWOT."""
    if quadrant not in SwotItem.Quadrant.values:
        raise ValidationError({"quadrant": [_("Choose strengths, weaknesses, opportunities or threats.")]})
    text = _text("text", text, limit=300, required=True)
    position = SwotItem.objects.for_org(org).filter(quadrant=quadrant).count() + 1
    return SwotItem.objects.create(organization=org, quadrant=quadrant, text=text, position=position)


@transaction.atomic
def swot_item_delete(*, org: Organization, item: SwotItem) -> None:
    tenant_check(org=org, item=item)
    item.delete()


def _stakeholder_fields(stance: str, influence: str) -> None:
    if stance not in ChangeStakeholder.Stance.values:
        raise ValidationError({"stance": [_("Choose promoter, neutral or detractor.")]})
    if influence not in ChangeStakeholder.Influence.values:
        raise ValidationError({"influence": [_("Choose low, medium or high.")]})


@transaction.atomic
def change_stakeholder_add(
    *, org: Organization, name: str, stance: str, influence: str = "medium", area: str = "", note: str = ""
) -> ChangeStakeholder:
    """Put a person on the map of promoters and detractors of the change."""
    _stakeholder_fields(stance, influence)
    return ChangeStakeholder.objects.create(
        organization=org, name=_text("name", name, limit=200, required=True), stance=stance, influence=influence,
        area=_text("area", area, limit=200), note=_text("note", note, limit=300),
    )


@transaction.atomic
def change_stakeholder_update(
    *, org: Organization, stakeholder: ChangeStakeholder, name: str, stance: str, influence: str,
    area: str = "", note: str = "",
) -> ChangeStakeholder:
    tenant_check(org=org, stakeholder=stakeholder)
    _stakeholder_fields(stance, influence)
    stakeholder.name = _text("name", name, limit=200, required=True)
    stakeholder.stance, stakeholder.influence = stance, influence
    stakeholder.area = _text("area", area, limit=200)
    stakeholder.note = _text("note", note, limit=300)
    stakeholder.save()
    return stakeholder


@transaction.atomic
def change_stakeholder_delete(*, org: Organization, stakeholder: ChangeStakeholder) -> None:
    tenant_check(org=org, stakeholder=stakeholder)
    stakeholder.delete()


# --- accountability ------------------------------------------------------------------------------


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The year, quarter or month that contains ``day``: (first day, last day)."""
    if kind == Goal.PeriodKind.YEAR:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if kind == Goal.PeriodKind.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = dt.date(day.year, first_month, 1)
    elif kind == Goal.PeriodKind.MONTH:
        start = day.replace(day=1)
    else:
        raise ValidationError({"period_kind": [_("Choose a year, a quarter or a month.")]})
    months = 3 if kind == Goal.PeriodKind.QUARTER else 1
    next_month = start.month - 1 + months
    after = dt.date(start.year + next_month // 12, next_month % 12 + 1, 1)
    return start, after - dt.timedelta(days=1)


def _goal_fields(
    *, org: Organization, user: User | None, body: Body | None, metric: Metric, period_kind: str,
    period_start: dt.date | None, target: Any, touchpoint: Touchpoint | None, journey: Journey | None,
) -> dict[str, Any]:
    tenant_check(org=org, body=body, metric=metric, touchpoint=touchpoint, journey=journey)
    if (user is None) == (body is None):
        raise ValidationError({"user": [_("Choose either a person or a body.")]})
    _require_member(org=org, field="user", user=user)
    if metric is None:
        raise ValidationError({"metric": [_("This field is required.")]})
    if touchpoint is not None and journey is not None:
        raise ValidationError({"journey": [_("Choose a touchpoint or a journey, not both.")]})
    if period_start is None:
        raise ValidationError({"period_start": [_("This field is required.")]})
    start, end = period_bounds(period_kind, period_start)
    return {
        "user": user, "body": body, "metric": metric, "touchpoint": touchpoint, "journey": journey,
        "period_kind": period_kind, "period_start": start, "period_end": end,
        "target": _decimal("target", target).quantize(Decimal("0.0001")),
    }


@transaction.atomic
def goal_create(
    *, org: Organization, metric: Metric, period_kind: str, period_start: dt.date, target: Any,
    user: User | None = None, body: Body | None = None, touchpoint: Touchpoint | None = None,
    journey: Journey | None = None,
) -> Goal:
    """Set a CX performance goal for a person or a body: a metric's target over the year, quarter
    or month that contains ``period_start`` (the period is snapped to its first and last day),
    over the whole organization or one touchpoint or journey."""
    fields = _goal_fields(
        org=org, user=user, body=body, metric=metric, period_kind=period_kind, period_start=period_start,
        target=target, touchpoint=touchpoint, journey=journey,
    )
    return Goal.objects.create(organization=org, **fields)


@transaction.atomic
def goal_update(
    *, org: Organization, goal: Goal, metric: Metric, period_kind: str, period_start: dt.date, target: Any,
    user: User | None = None, body: Body | None = None, touchpoint: Touchpoint | None = None,
    journey: Journey | None = None,
) -> Goal:
    tenant_check(org=org, goal=goal)
    fields = _goal_fields(
        org=org, user=user, body=body, metric=metric, period_kind=period_kind, period_start=period_start,
        target=target, touchpoint=touchpoint, journey=journey,
    )
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.save()
    return goal


@transaction.atomic
def goal_delete(*, org: Organization, goal: Goal) -> None:
    tenant_check(org=org, goal=goal)
    goal.delete()
