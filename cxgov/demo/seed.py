"""The demo organisation: Banco Aurora, a Spanish retail bank two years into its CX programme.

``seed(slug=..., responses=...)`` builds it through the domain services, and is idempotent: every
part is looked up by its natural key (email, name, title, code, external id) and created only when
missing, so a second run creates nothing. The one deliberate change on a re-run is the integrator's
API token: the raw value of a token is never stored, so the previous "demo" token is revoked and a
fresh one issued, and the printed token always works.

Feedback is generated from a fixed random seed and written through ``voc.services.responses_record``
in batches, so a re-run regenerates the same external ids and every row is skipped as a duplicate.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from cem_levers.models import Lever, Practice
from cxgov.tenancy.models import ApiToken, Organization, User
from cxgov.tenancy.roles import Role
from cxgov.tenancy.services import api_token_create, api_token_revoke, membership_set, organization_create
from governance.models import Body, BodyMember
from governance.services import body_create, body_member_add
from initiatives.models import Initiative, Milestone, StatusReport
from initiatives.services import (
    initiative_create,
    initiative_team_set,
    initiative_update,
    kpi_create,
    milestone_create,
    milestone_update,
    risk_create,
    status_report_create,
)
from maturity.models import Assessment, LeverTarget
from maturity.services import (
    answer_set,
    assessment_create,
    assessment_submit,
    lever_target_set,
    maturity_scores_compute,
)
from voc.models import Channel, DataSource, Journey, JourneyStage, Metric, Product, Segment, Touchpoint
from voc.services import (
    journey_create,
    journey_stage_create,
    journey_stage_delete,
    journey_to_be_create,
    journey_update,
    product_create,
    responses_record,
    segment_create,
    touchpoint_create,
    touchpoint_delete,
)

# Readable on purpose (it is printed for the demo), long enough and uncommon enough to pass the
# password validators in settings; the seed checks that it does.
DEMO_PASSWORD = "aurora-cx-demo-2025"  # noqa: S105
TOKEN_NAME = "demo"  # noqa: S105  (the token's label, not a secret)
BATCH_SIZE = 5000
DEFAULT_RESPONSES = 20_000

# (email local part, role, full name)
USERS: tuple[tuple[str, Role, str], ...] = (
    ("admin", Role.ADMIN, "Lucía Fernández"),
    ("cx.lead", Role.CX_LEAD, "Marta Ríos"),
    ("executive", Role.EXECUTIVE, "Javier Ortega"),
    ("ambassador", Role.AMBASSADOR, "Carmen Vidal"),
    ("integrator", Role.INTEGRATOR, "Pablo Navarro"),
)

SEGMENTS = (
    ("Mass retail", "Salaried customers with a current account and one or two other products.", False),
    ("Premier", "Customers with high balances or investments and a dedicated relationship manager.", False),
    ("Small business", "Self-employed people and companies under ten employees.", False),
    ("Lucía, the digital starter", "25–30, first salary, opens everything from her phone and expects it "
     "to take minutes; leaves if asked to visit a branch.", True),
)
PRODUCTS = (
    ("Current account", "Everyday account with debit card, payroll and bill payments."),
    ("Mortgage", "Fixed and variable-rate home loans, 15 to 30 years."),
    ("Credit card", "Revolving and deferred-payment credit cards."),
    ("Personal loan", "Unsecured consumer loans up to 60,000 EUR."),
)

# Each journey: name, description, segment, product, stages, touchpoints
# (name, stage, channel, moment of truth, owner key, volume weight, quality −1..1, improves over the year)
JOURNEYS: tuple[dict[str, Any], ...] = (
    {
        "name": "Account opening",
        "description": "From comparing accounts to the first card payment, for new customers who apply online.",
        "segment": "Lucía, the digital starter", "product": "Current account",
        "stages": ["Discover", "Apply", "Verify identity", "Activate"],
        "touchpoints": [
            ("Account comparison page", "Discover", Channel.WEB, False, "cx.lead", 2, 0.3, False),
            ("Online application form", "Apply", Channel.WEB, True, "cx.lead", 4, -0.2, True),
            ("Video identity check", "Verify identity", Channel.APP, True, "admin", 3, -0.4, True),
            ("Welcome call", "Activate", Channel.PHONE, False, "ambassador", 1, 0.6, False),
            ("Card activation in the app", "Activate", Channel.APP, False, "cx.lead", 2, 0.4, False),
        ],
    },
    {
        "name": "Mortgage application",
        "description": "From the first simulation to signing at the notary: the biggest financial decision "
                       "most customers make with us.",
        "segment": "Mass retail", "product": "Mortgage",
        "stages": ["Research", "Advice", "Application", "Approval", "Signing"],
        "touchpoints": [
            ("Mortgage simulator", "Research", Channel.WEB, False, "cx.lead", 2, 0.2, False),
            ("Branch advisory meeting", "Advice", Channel.BRANCH, True, "ambassador", 3, 0.3, False),
            ("Document upload", "Application", Channel.WEB, False, "admin", 2, -0.5, True),
            ("Valuation visit", "Application", Channel.OTHER, False, "ambassador", 1, 0.0, False),
            ("Approval notification", "Approval", Channel.EMAIL, True, "cx.lead", 2, -0.3, True),
            ("Signing at the notary", "Signing", Channel.BRANCH, True, "ambassador", 2, 0.5, False),
        ],
    },
    {
        "name": "Complaint resolution",
        "description": "How a customer with a problem is heard, kept informed and left with a fair outcome.",
        "segment": "Mass retail", "product": None,
        "stages": ["Report", "Acknowledge", "Investigate", "Resolve"],
        "touchpoints": [
            ("Contact centre call", "Report", Channel.PHONE, True, "ambassador", 4, -0.3, True),
            ("Complaint web form", "Report", Channel.WEB, False, "cx.lead", 2, -0.1, False),
            ("Acknowledgement email", "Acknowledge", Channel.EMAIL, False, "admin", 1, 0.1, False),
            ("Case follow-up call", "Investigate", Channel.PHONE, False, "ambassador", 1, 0.0, True),
            ("Resolution letter", "Resolve", Channel.EMAIL, True, "cx.lead", 2, -0.6, True),
        ],
    },
)

# kind, name, mandate, cadence, members: (user key or None, name, title, area, role in body)
BODIES: tuple[tuple[str, str, str, str, tuple[tuple[str | None, str, str, str, str], ...]], ...] = (
    (
        Body.Kind.EXECUTIVE_SPONSOR, "Executive sponsor",
        "Champions customer experience on the management committee, secures budget and removes blockers.",
        "Monthly one-to-one with the Head of CX",
        (("executive", "", "Chief Operating Officer", "Operations", BodyMember.RoleInBody.CHAIR),),
    ),
    (
        Body.Kind.STEERING_COMMITTEE, "CX steering committee",
        "Approves the CX strategy, the initiative portfolio and its budget; reviews maturity and KPIs.",
        "Monthly",
        (
            ("executive", "", "Chief Operating Officer", "Operations", BodyMember.RoleInBody.CHAIR),
            (None, "Elena Martín", "Chief Financial Officer", "Finance", BodyMember.RoleInBody.MEMBER),
            (None, "Sofía Herrera", "Chief Marketing Officer", "Marketing", BodyMember.RoleInBody.MEMBER),
            (None, "Andrés Molina", "Chief Risk Officer", "Risk", BodyMember.RoleInBody.MEMBER),
            ("cx.lead", "", "Head of Customer Experience", "CX", BodyMember.RoleInBody.SECRETARY),
        ),
    ),
    (
        Body.Kind.CORE_TEAM, "Core CX team",
        "Runs the CEM routine: maps journeys, operates the voice of the customer, prioritises and tracks "
        "initiatives.",
        "Weekly",
        (
            ("cx.lead", "", "Head of Customer Experience", "CX", BodyMember.RoleInBody.CHAIR),
            ("admin", "", "CX programme manager", "CX", BodyMember.RoleInBody.MEMBER),
            (None, "Diego Santos", "VoC analyst", "CX", BodyMember.RoleInBody.MEMBER),
            (None, "Irene Castro", "Service designer", "CX", BodyMember.RoleInBody.MEMBER),
        ),
    ),
    (
        Body.Kind.WORKING_GROUP, "Mortgage journey working group",
        "Brings mortgages, operations, risk and branches together to redesign the mortgage journey.",
        "Every two weeks",
        (
            (None, "Raúl Gil", "Head of Mortgages", "Retail lending", BodyMember.RoleInBody.CHAIR),
            (None, "Nuria Prieto", "Lending operations manager", "Operations", BodyMember.RoleInBody.MEMBER),
            ("ambassador", "", "Branch manager, Valencia Centro", "Branch network", BodyMember.RoleInBody.MEMBER),
            ("cx.lead", "", "Head of Customer Experience", "CX", BodyMember.RoleInBody.MEMBER),
        ),
    ),
    (
        Body.Kind.AMBASSADORS, "CX ambassadors network",
        "Front-line employees who report what customers say and help roll out changes in their teams.",
        "Monthly call; quarterly meet-up",
        (
            ("ambassador", "", "Branch manager, Valencia Centro", "Branch network", BodyMember.RoleInBody.CHAIR),
            (None, "Tomás Reyes", "Contact centre supervisor", "Contact centre", BodyMember.RoleInBody.MEMBER),
            (None, "Laura Soler", "Personal banking advisor, Sevilla", "Branch network", BodyMember.RoleInBody.MEMBER),
            (None, "Hugo Marín", "Product owner, mobile app", "Digital", BodyMember.RoleInBody.MEMBER),
        ),
    ),
)


@dataclass
class InitiativeDef:
    title: str
    problem: str
    status: str
    levers: tuple[str, ...]
    touchpoints: tuple[str, ...]
    owner: str
    cem_step: str
    change_kind: str
    priority: int
    start: int  # days from today
    due: int
    health: str = Initiative.Health.GREEN
    short_term_win: bool = False
    fidelity: str = ""
    planned_cost: int = 0
    actual_cost: int = 0
    benefit: int = 0
    journeys: tuple[str, ...] = ()
    milestones: tuple[tuple[str, int, bool], ...] = ()  # title, due (days from today), done
    risks: tuple[tuple[str, int, int, str], ...] = ()  # description, probability, impact, mitigation
    kpis: tuple[tuple[str, str | None, str], ...] = ()  # metric code, baseline, target
    sponsor: str = "CX steering committee"


S, Init = Initiative.Status, Initiative
INITIATIVES: tuple[InitiativeDef, ...] = (
    InitiativeDef(
        "Call back every NPS detractor within 48 hours",
        "Detractors hear nothing after the survey; a third of them close an account within a year.",
        S.IN_PROGRESS, ("voc_measurement", "processes_operations"), ("Contact centre call", "Case follow-up call"),
        "cx.lead", Init.CemStep.ACT, Init.ChangeKind.VALUE_STREAMS_PROCESSES, Init.Priority.CRITICAL, -120, 60,
        short_term_win=True, planned_cost=45000, actual_cost=28000, benefit=310000,
        journeys=("Complaint resolution",),
        milestones=(("Callback script and escalation rules agreed", -90, True),
                    ("Pilot in two contact-centre teams", -40, True),
                    ("All teams calling back within 48 h", 45, False)),
        risks=(("Contact-centre capacity absorbed by the summer peak", 4, 3,
                "Borrow ambassadors from branches for callbacks in July and August"),),
        kpis=(("nps", "18", "30"),),
    ),
    InitiativeDef(
        "Simplify the online account application",
        "Four in ten applicants abandon the form, most at the employment and tax-residence steps.",
        S.DONE, ("experience_design", "channels_interactions"), ("Online application form",),
        "cx.lead", Init.CemStep.ACT, Init.ChangeKind.INFORMATION_TECHNOLOGY, Init.Priority.HIGH, -300, -60,
        fidelity=Init.Fidelity.HIGH, planned_cost=120000, actual_cost=131000, benefit=400000,
        journeys=("Account opening",),
        milestones=(("Usability tests with 12 customers", -250, True),
                    ("New form live for 10% of traffic", -120, True),
                    ("Full rollout", -60, True)),
        kpis=(("abandonment_rate", "41", "20"), ("csat", "71", "82")),
    ),
    InitiativeDef(
        "Fix the video identity check on older phones",
        "The identity check fails on one Android phone in five; customers are told to visit a branch.",
        S.IN_PROGRESS, ("technology_data", "channels_interactions"), ("Video identity check",),
        "admin", Init.CemStep.ACT, Init.ChangeKind.PARTNERS_SUPPLIERS, Init.Priority.HIGH, -60, 90,
        health=Init.Health.AMBER, planned_cost=60000, actual_cost=22000,
        journeys=("Account opening",),
        milestones=(("Supplier root-cause report", -30, True), ("New SDK in the app", 30, False)),
        risks=(("Identity supplier cannot deliver the new SDK before the app release freeze", 3, 4,
                "Contract penalty clause; fallback to a manual video call with an agent"),),
        kpis=(("ces", "3.9", "5.5"),),
    ),
    InitiativeDef(
        "Mortgage status tracker in the app",
        "Applicants call the branch an average of five times to ask where their mortgage stands.",
        S.IN_PROGRESS, ("channels_interactions", "technology_data"), ("Approval notification", "Document upload"),
        "cx.lead", Init.CemStep.ACT, Init.ChangeKind.INFORMATION_TECHNOLOGY, Init.Priority.HIGH, -90, 120,
        fidelity=Init.Fidelity.MEDIUM, planned_cost=180000, actual_cost=70000, benefit=250000,
        journeys=("Mortgage application",), sponsor="Mortgage journey working group",
        milestones=(("Clickable prototype tested with applicants", -45, True),
                    ("Status events from the lending system", 30, False),
                    ("Tracker live for all applicants", 120, False)),
        risks=(("Lending system cannot publish status events in real time", 3, 4,
                "Nightly batch as a first release"),),
        kpis=(("ces", "4.1", "5.5"), ("nps", "12", "25")),
    ),
    InitiativeDef(
        "Mortgage advice training for branch advisors",
        "Advice quality varies widely between branches; customers compare us unfavourably with brokers.",
        S.PLANNED, ("people_culture", "brand_promise"), ("Branch advisory meeting",),
        "ambassador", Init.CemStep.ACT, Init.ChangeKind.ORGANISATION_PEOPLE, Init.Priority.MEDIUM, 30, 180,
        planned_cost=35000, journeys=("Mortgage application",), sponsor="Mortgage journey working group",
        milestones=(("Training content designed with the best-rated advisors", 60, False),
                    ("All 300 advisors trained", 180, False)),
        kpis=(("csat", "78", "88"),),
    ),
    InitiativeDef(
        "Complaint root-cause taxonomy",
        "Complaints are classified by product only, so nobody can see which process causes them.",
        S.DONE, ("processes_operations", "voc_measurement"), ("Complaint web form",),
        "cx.lead", Init.CemStep.ANALYSE, Init.ChangeKind.VALUE_STREAMS_PROCESSES, Init.Priority.MEDIUM, -240, -150,
        short_term_win=True, planned_cost=8000, actual_cost=7500,
        journeys=("Complaint resolution",),
        milestones=(("Taxonomy of 24 root causes agreed", -200, True), ("Agents trained to use it", -150, True)),
        kpis=(("resolution_time", "96", "48"),),
    ),
    InitiativeDef(
        "Resolve on the first call",
        "Agents may not refund fees under 50 EUR, so simple complaints wait days for a back-office approval.",
        S.IN_PROGRESS, ("people_culture", "processes_operations"), ("Contact centre call",),
        "ambassador", Init.CemStep.ACT, Init.ChangeKind.ORGANISATION_PEOPLE, Init.Priority.HIGH, -45, 75,
        planned_cost=15000, actual_cost=6000, benefit=90000, journeys=("Complaint resolution",),
        milestones=(("Refund limits approved by Risk", -20, True), ("Limits live for all agents", 30, False)),
        risks=(("Refund limits abused", 2, 3, "Monthly sample audit of refunds by team"),),
        kpis=(("first_response_time", "42", "15"),),
    ),
    InitiativeDef(
        "Single customer view for advisors",
        "Branch and contact-centre staff see products in separate systems and miss open complaints.",
        S.PLANNED, ("technology_data",), ("Branch advisory meeting", "Contact centre call"),
        "admin", Init.CemStep.MAP, Init.ChangeKind.INFORMATION_TECHNOLOGY, Init.Priority.HIGH, 60, 360,
        planned_cost=650000, benefit=900000,
        milestones=(("Vendor selection", 120, False),),
        risks=(("Data-quality issues in the customer master", 4, 4,
                "Data clean-up sprint before integration"),),
    ),
    InitiativeDef(
        "CX vision and guidelines charter",
        "Each area had its own idea of what good service means; the programme needed one vision.",
        S.DONE, ("cx_strategy", "leadership_governance"), (),
        "cx.lead", Init.CemStep.MAP, Init.ChangeKind.GOVERNANCE_CULTURE, Init.Priority.HIGH, -360, -280,
        short_term_win=True, planned_cost=20000, actual_cost=18000,
        milestones=(("Vision workshop with the management committee", -320, True),
                    ("Charter approved by the steering committee", -280, True)),
    ),
    InitiativeDef(
        "CX objectives in management bonuses",
        "Managers are rewarded on sales alone; customer metrics do not affect anyone's objectives.",
        S.ON_HOLD, ("leadership_governance", "people_culture"), (),
        "executive", Init.CemStep.ACT, Init.ChangeKind.GOVERNANCE_CULTURE, Init.Priority.MEDIUM, -30, 150,
        health=Init.Health.RED, sponsor="Executive sponsor",
        milestones=(("Proposal to the remuneration committee", 20, False),),
        risks=(("Unions object to customer metrics in variable pay", 3, 3,
                "Start with managers only; share the metric definitions openly"),),
        kpis=(("nps", "18", "30"),),
    ),
    InitiativeDef(
        "Research the digital-starter persona",
        "We knew little about why young customers leave after opening an account.",
        S.DONE, ("customer_understanding",), ("Account comparison page", "Card activation in the app"),
        "cx.lead", Init.CemStep.ANALYSE, "", Init.Priority.MEDIUM, -200, -140,
        short_term_win=True, planned_cost=12000, actual_cost=12000, journeys=("Account opening",),
        milestones=(("Twenty interviews and an empathy map", -160, True),
                    ("Insights shared with the digital team", -140, True)),
    ),
    InitiativeDef(
        "Plain-language fee communication",
        "Fee changes are announced in legal language; complaints triple in the month after each change.",
        S.IDEA, ("brand_promise",), ("Resolution letter", "Acknowledgement email"),
        "cx.lead", Init.CemStep.DISTRIBUTE, Init.ChangeKind.VALUE_STREAMS_PROCESSES, Init.Priority.LOW, 90, 200,
    ),
)

# Consensus maturity per practice (stage 1–5), in catalogue order per lever.
ASSESSMENT_TITLE = "Baseline maturity assessment"
CONSENSUS: dict[str, tuple[int, int, int]] = {
    "cx_strategy": (3, 2, 2),
    "leadership_governance": (3, 3, 1),
    "customer_understanding": (2, 2, 2),
    "voc_measurement": (3, 3, 2),
    "experience_design": (3, 2, 1),
    "brand_promise": (2, 2, 1),
    "channels_interactions": (3, 3, 2),
    "processes_operations": (2, 2, 1),
    "people_culture": (2, 1, 1),
    "technology_data": (2, 1, 1),
}

COMMENTS_GOOD = (
    "Quick and easy, the advisor knew exactly what I needed.",
    "Everything done from my phone in ten minutes.",
    "Muy buena atención, me explicaron todo con claridad.",
    "They called me back when they said they would.",
)
COMMENTS_BAD = (
    "I had to send the same documents three times.",
    "Nobody told me what was happening with my application.",
    "The app kept failing at the identity check.",
    "Tardaron semanas en responder a mi reclamación.",
    "I was transferred four times before anyone could help.",
)


@dataclass
class SeedReport:
    org: Organization
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    token: str = ""
    responses_created: int = 0
    responses_duplicate: int = 0


def _users(org: Organization, slug: str) -> dict[str, User]:
    users: dict[str, User] = {}
    for key, role, full_name in USERS:
        email = f"{key}@{slug}.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, full_name=full_name)
            validate_password(DEMO_PASSWORD, user)
            user.set_password(DEMO_PASSWORD)
            user.save()
        elif not user.check_password(DEMO_PASSWORD):
            # Someone changed the demo password; the printed logins must work.
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        membership_set(org=org, user=user, role=role)
        users[key] = user
    return users


def _journeys(org: Organization, users: dict[str, User]) -> dict[str, Touchpoint]:
    segments = {s.name: s for s in Segment.objects.for_org(org)}
    for name, description, persona in SEGMENTS:
        if name not in segments:
            segments[name] = segment_create(org=org, name=name, description=description, is_persona=persona)
    products = {p.name: p for p in Product.objects.for_org(org)}
    for name, description in PRODUCTS:
        if name not in products:
            products[name] = product_create(org=org, name=name, description=description)
    journeys = {j.name: j for j in Journey.objects.for_org(org).filter(version=Journey.Version.AS_IS)}
    touchpoints = {(t.journey_id, t.name): t for t in Touchpoint.objects.for_org(org)}
    stages = {(s.journey_id, s.name): s for s in JourneyStage.objects.for_org(org)}
    result: dict[str, Touchpoint] = {}
    for spec in JOURNEYS:
        journey = journeys.get(spec["name"])
        if journey is None:
            journey = journey_create(
                org=org, name=spec["name"], description=spec["description"],
                segment=segments.get(spec["segment"]), product=products.get(spec["product"]),
            )
        for stage_name in spec["stages"]:
            if (journey.pk, stage_name) not in stages:
                stages[(journey.pk, stage_name)] = journey_stage_create(org=org, journey=journey, name=stage_name)
        for name, stage_name, channel, mot, owner, *_rest in spec["touchpoints"]:
            touchpoint = touchpoints.get((journey.pk, name))
            if touchpoint is None:
                touchpoint = touchpoint_create(
                    org=org, journey=journey, name=name, stage=stages[(journey.pk, stage_name)], channel=channel,
                    owner=users[owner], is_moment_of_truth=mot,
                )
            result[name] = touchpoint
    return result


def _journey_to_be(org: Organization, users: dict[str, User]) -> None:
    """The to-be version of account opening: identity is checked inside the application form, so
    the separate verification stage disappears. Created once; a re-run leaves it as it is."""
    as_is = Journey.objects.for_org(org).filter(name="Account opening", version=Journey.Version.AS_IS).first()
    if as_is is None or as_is.counterpart_id is not None:
        return
    to_be = journey_to_be_create(org=org, journey=as_is)
    journey_update(org=org, journey=to_be, data={
        "description": "Open an account in one sitting: identity is checked inside the application, "
                       "and the card works in the app before it arrives.",
    })
    stages = {s.name: s for s in JourneyStage.objects.for_org(org).filter(journey=to_be)}
    for tp in Touchpoint.objects.for_org(org).filter(journey=to_be, stage=stages["Verify identity"]):
        touchpoint_delete(org=org, touchpoint=tp)
    journey_stage_delete(org=org, stage=stages["Verify identity"])
    touchpoint_create(
        org=org, journey=to_be, name="Identity check inside the application", stage=stages["Apply"],
        channel=Channel.APP, owner=users["admin"], is_moment_of_truth=True,
    )
    touchpoint_create(
        org=org, journey=to_be, name="Virtual card in the app", stage=stages["Activate"],
        channel=Channel.APP, owner=users["cx.lead"], is_moment_of_truth=True,
    )


def _governance(org: Organization, users: dict[str, User]) -> dict[str, Body]:
    bodies = {b.name: b for b in Body.objects.for_org(org)}
    for kind, name, mandate, cadence, members in BODIES:
        body = bodies.get(name)
        if body is not None:
            continue
        body = body_create(org=org, kind=kind, name=name, mandate=mandate, cadence=cadence)
        bodies[name] = body
        for user_key, person, title, area, role in members:
            body_member_add(
                org=org, body=body, user=users[user_key] if user_key else None, name=person, title=title,
                area=area, role_in_body=role,
            )
    return bodies


def _governance_programme(org: Organization, users: dict[str, User], bodies: dict[str, Body]) -> None:
    """RACI rows, two steering meetings with decisions, the charter and budget, roadmap statuses,
    SWOT and change map, and three CX goals. Idempotent: each part is added only when missing."""
    from governance import services as gov
    from governance.models import Charter, Decision, Goal, Meeting, RaciAssignment, SwotItem

    steering, core = bodies["CX steering committee"], bodies["Core CX team"]
    lead, executive, ambassador = users["cx.lead"], users["executive"], users["ambassador"]
    if not RaciAssignment.objects.for_org(org).exists():
        cells: dict[tuple[str, str], str] = {}
        for lever in Lever.objects.for_org(org).filter(is_active=True).order_by("position")[:4]:
            row = f"lever:{lever.pk}"
            cells.update({(row, f"body:{steering.pk}"): "A", (row, f"body:{core.pk}"): "R",
                          (row, f"user:{lead.pk}"): "C", (row, f"user:{ambassador.pk}"): "I"})
        for journey in Journey.objects.for_org(org).order_by("name")[:2]:
            row = f"journey:{journey.pk}"
            cells.update({(row, f"user:{lead.pk}"): "A", (row, f"body:{bodies['CX ambassadors network'].pk}"): "R",
                          (row, f"user:{executive.pk}"): "I"})
        for initiative in Initiative.objects.for_org(org).order_by("id")[:3]:
            row = f"initiative:{initiative.pk}"
            cells.update({(row, f"user:{executive.pk}"): "A", (row, f"body:{core.pk}"): "R",
                          (row, f"body:{steering.pk}"): "I"})
        gov.raci_matrix_save(org=org, cells=cells)
    if not Meeting.objects.for_org(org).filter(body=steering).exists():
        today = timezone.localdate()
        members = list(steering.members.all())
        first = gov.meeting_create(
            org=org, body=steering, date=today - dt.timedelta(days=70), attendees=members,
            agenda="Quarterly NPS review\nMortgage journey: abandonment at the income step\nCX budget",
            minutes="NPS fell 4 points in the mortgage journey. The committee approved the simulator redesign.",
        )
        second = gov.meeting_create(
            org=org, body=steering, date=today - dt.timedelta(days=10), attendees=members[:3],
            agenda="Progress of the short-term wins\nAmbassadors network", minutes="Two wins delivered on time.",
        )
        for meeting, text, owner, due, status in (
            (first, "Redesign the mortgage simulator's income step", lead, -20, Decision.Status.OPEN),
            (first, "Publish the CX charter on the intranet", lead, -50, Decision.Status.DONE),
            (first, "Add CX goals to the branch managers' objectives", executive, 30, Decision.Status.OPEN),
            (second, "Train ten new ambassadors in the contact centre", ambassador, 25, Decision.Status.OPEN),
            (second, "Report the cost of complaints per journey", lead, -3, Decision.Status.OPEN),
        ):
            gov.decision_create(org=org, body=steering, meeting=meeting, text=text, owner=owner,
                                due_date=today + dt.timedelta(days=due), status=status)
    if not Charter.objects.for_org(org).exists():
        gov.charter_update(
            org=org, vision="Banking that is easy, fair and human at every moment that matters to our customers.",
            guidelines=["satisfaction_loyalty", "customer_cost", "lifetime_value"],
            custom_guidelines=["Fix the moments of truth first"],
            roi_indicators=["retention", "cost_to_serve", "complaints"],
            custom_roi_indicators=["Mortgage applications completed online"],
        )
        year = timezone.localdate().year
        gov.budget_year_set(org=org, year=year - 1, planned=Decimal("180000"), note="Pilot year")
        gov.budget_year_set(org=org, year=year, planned=Decimal("250000"))
    steps = gov.roadmap_ensure(org=org)
    if all(step.status == "not_started" for step in steps):
        today = timezone.localdate()
        plan = [("done", "CX SWOT presented to the board", -300, -240),
                ("done", "Steering committee constituted with five executives", -240, -200),
                ("done", "Vision agreed in the charter", -200, -150),
                ("in_progress", "Town halls in every region; intranet page", -150, 30),
                ("in_progress", "Map of promoters and detractors; ambassadors network", -90, 60),
                ("in_progress", "Three short-term wins planned", -60, 30)]
        for step, (status, evidence, start, end) in zip(steps, plan, strict=False):
            gov.roadmap_step_update(org=org, step=step, status=status, evidence=evidence,
                                    start_date=today + dt.timedelta(days=start),
                                    end_date=today + dt.timedelta(days=end))
    if not SwotItem.objects.for_org(org).exists():
        for quadrant, text in (("strength", "Trusted brand in the regions"), ("strength", "Large branch network"),
                               ("weakness", "Slow mortgage approval"), ("weakness", "Siloed complaint handling"),
                               ("opportunity", "Customers want self-service"), ("threat", "Digital banks")):
            gov.swot_item_add(org=org, quadrant=quadrant, text=text)
        for name, area, stance, influence in (("Raúl Gil", "Retail lending", "promoter", "high"),
                                              ("Elena Martín", "Finance", "neutral", "high"),
                                              ("Andrés Molina", "Risk", "detractor", "medium")):
            gov.change_stakeholder_add(org=org, name=name, area=area, stance=stance, influence=influence)
    if not Goal.objects.for_org(org).exists():
        metrics = {m.code: m for m in Metric.objects.for_org(org)}
        year_start = timezone.localdate().replace(month=1, day=1)
        quarter = timezone.localdate()
        goals = [("nps", {"body": steering}, "year", year_start, "20"),
                 ("csat", {"user": lead}, "quarter", quarter, "80"),
                 ("ces", {"user": ambassador}, "quarter", quarter, "5")]
        for code, owner, kind, start, target in goals:
            if code in metrics:
                gov.goal_create(org=org, metric=metrics[code], period_kind=kind, period_start=start, target=target,
                                **owner)


def _initiatives(
    org: Organization, users: dict[str, User], touchpoints: dict[str, Touchpoint], bodies: dict[str, Body]
) -> None:
    today = timezone.localdate()
    levers = {lever.code: lever for lever in Lever.objects.for_org(org)}
    metrics = {m.code: m for m in Metric.objects.for_org(org)}
    journeys = {j.name: j for j in Journey.objects.for_org(org).filter(version=Journey.Version.AS_IS)}
    existing = set(Initiative.objects.for_org(org).values_list("title", flat=True))

    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    for spec in INITIATIVES:
        if spec.title in existing:
            continue
        initiative = initiative_create(
            org=org, by=users["cx.lead"], title=spec.title, problem_statement=spec.problem, status=spec.status,
            cem_step=spec.cem_step, change_kind=spec.change_kind,
            levers=[levers[c] for c in spec.levers if c in levers],
            touchpoints=[touchpoints[n] for n in spec.touchpoints],
            journeys=[journeys[n] for n in spec.journeys],
            owner=users[spec.owner], sponsor_body=bodies.get(spec.sponsor), priority=spec.priority,
            health=spec.health, short_term_win=spec.short_term_win, prototype_fidelity=spec.fidelity,
            start_date=day(spec.start), due_date=day(spec.due), planned_cost=Decimal(spec.planned_cost),
            actual_cost=Decimal(spec.actual_cost), expected_benefit=Decimal(spec.benefit),
        )
        for title, due, done in spec.milestones:
            done_at = timezone.now() - dt.timedelta(days=max(-due, 0)) if done else None
            milestone_create(
                org=org, initiative=initiative, title=title, assignee=users[spec.owner], due_date=day(due),
                done_at=done_at,
            )
        for description, probability, impact, mitigation in spec.risks:
            risk_create(
                org=org, initiative=initiative, description=description, probability=probability, impact=impact,
                owner=users[spec.owner], mitigation=mitigation,
            )
        for code, baseline, target in spec.kpis:
            kpi_create(
                org=org, initiative=initiative, metric=metrics[code], target=Decimal(target),
                baseline=None if baseline is None else Decimal(baseline), target_date=day(spec.due),
            )


# The PMO's working data on the demo initiatives: roadmap step, team, schedule dependencies,
# status-report history (one open initiative left without a recent report, so it shows as stale)
# and a few more risks. title → (transformation step, team, [(days ago, health, summary, next steps)]).
PMO_DETAILS: dict[str, tuple[str, tuple[str, ...], tuple[tuple[int, str, str, str], ...]]] = {
    "Call back every NPS detractor within 48 hours": ("short_term_wins", ("ambassador", "integrator"), (
        (40, "green", "Pilot teams call back 91% of detractors within 48 hours.", "Train the remaining teams."),
        (26, "amber", "Summer rota leaves two teams short; callbacks slipped to 72 hours.", "Borrow branch staff."),
        (12, "green", "Back under 48 hours in every team; 31% of called detractors now passive or better.",
         "Extend to CSAT detractors."),
    )),
    "Fix the video identity check on older phones": ("empowerment", ("admin", "integrator"), (
        (30, "green", "Supplier confirmed the root cause: camera API on Android 9 and older.", "Agree SDK date."),
        (9, "amber", "New SDK date slipped by three weeks.", "Escalate to the supplier's account manager."),
    )),
    "Mortgage status tracker in the app": ("short_term_wins", ("ambassador",), (
        (35, "green", "Prototype tested with 14 applicants; all found their status in under 10 seconds.",
         "Specify the status events with the lending team."),
        (20, "amber", "Lending system publishes events only nightly.", "Decide on the nightly-batch first release."),
    )),
    "Resolve on the first call": ("empowerment", ("cx.lead",), (
        (13, "green", "Refund limits approved; agents trained in two of five sites.", "Finish training."),
    )),
    "Mortgage advice training for branch advisors": ("institutionalisation", ("cx.lead",), ()),
    "Single customer view for advisors": ("consolidation", (), (
        (10, "green", "Business case approved; three vendors invited.", "Vendor demos next month."),
    )),
    "CX objectives in management bonuses": ("institutionalisation", ("cx.lead",), (
        (25, "red", "Remuneration committee postponed the proposal to next year.", "Re-propose with pilot data."),
    )),
    "Simplify the online account application": ("short_term_wins", ("admin",), ()),
    "Complaint root-cause taxonomy": ("short_term_wins", (), ()),
    "CX vision and guidelines charter": ("vision", (), ()),
    "Research the digital-starter persona": ("urgency", (), ()),
    "Plain-language fee communication": ("communication", (), ()),
}
PMO_RISKS: tuple[tuple[str, str, int, int, str, str], ...] = (
    ("Mortgage status tracker in the app", "App release freeze over the Christmas period", 4, 4,
     "Ship the tracker behind a feature flag before the freeze", "Release to staff only, then customers in January"),
    ("Resolve on the first call", "Agents unsure when a refund is allowed", 3, 3,
     "One-page decision guide on every desk", "Team leaders approve refunds by chat for the first month"),
    ("Mortgage advice training for branch advisors", "Advisors cannot be released from branches in the peak", 4, 3,
     "Train in two-hour slots before opening", ""),
)


def _pmo(org: Organization, users: dict[str, User]) -> None:
    """Roadmap steps, teams, milestone start dates and dependencies, status reports and extra risks
    on the demo initiatives; each part only where it is missing, so a re-run changes nothing."""
    today = timezone.localdate()
    initiatives = {i.title: i for i in Initiative.objects.for_org(org).prefetch_related("team", "risks")}
    reported = set(StatusReport.objects.for_org(org).values_list("initiative_id", flat=True))
    for title, (step, team, reports) in PMO_DETAILS.items():
        initiative = initiatives.get(title)
        if initiative is None:
            continue
        if not initiative.transformation_step:
            initiative_update(org=org, initiative=initiative, transformation_step=step)
        if team and not initiative.team.all():
            initiative_team_set(org=org, initiative=initiative, team=[users[key] for key in team])
        if initiative.pk not in reported:
            for days_ago, health, summary, next_steps in sorted(reports, key=lambda r: -r[0]):
                status_report_create(org=org, initiative=initiative, health=health, summary=summary,
                                     next_steps=next_steps, by=initiative.owner or users["cx.lead"],
                                     reported_on=today - dt.timedelta(days=days_ago))
    milestones = (
        Milestone.objects.for_org(org).prefetch_related("depends_on").order_by("initiative_id", "due_date", "id")
    )
    previous: dict[int, Milestone] = {}
    for milestone in milestones:
        before = previous.get(milestone.initiative_id)
        changes: dict[str, Any] = {}
        if milestone.start_date is None and milestone.due_date is not None:
            initiative = next(i for i in initiatives.values() if i.pk == milestone.initiative_id)
            start = before.due_date + dt.timedelta(days=1) if before and before.due_date else initiative.start_date
            if start is not None and start <= milestone.due_date:
                changes["start_date"] = start
        if before is not None and not milestone.depends_on.all():
            changes["depends_on"] = [before]
        if changes:
            milestone_update(org=org, milestone=milestone, **changes)
        previous[milestone.initiative_id] = milestone
    for title, description, probability, impact, mitigation, contingency in PMO_RISKS:
        initiative = initiatives.get(title)
        if initiative is None or any(r.description == description for r in initiative.risks.all()):
            continue
        risk_create(org=org, initiative=initiative, description=description, probability=probability,
                    impact=impact, owner=initiative.owner, mitigation=mitigation, contingency=contingency)


def _assessment(org: Organization, users: dict[str, User]) -> None:
    assessment = Assessment.objects.for_org(org).filter(title=ASSESSMENT_TITLE).first()
    if assessment is None:
        assessment = assessment_create(org=org, title=ASSESSMENT_TITLE, created_by=users["cx.lead"])
        practices = Practice.objects.for_org(org).select_related("lever").order_by("lever__position", "position")
        positions: dict[int, int] = {}
        for practice in practices:
            index = positions.get(practice.lever_id, 0)
            positions[practice.lever_id] = index + 1
            levels = CONSENSUS.get(practice.lever.code, (2, 2, 2))
            level = levels[min(index, len(levels) - 1)]
            # Two assessors score independently (the executive a notch more optimistic), then agree.
            answer_set(org=org, assessment=assessment, practice=practice, stage_level=level,
                       assessor=users["cx.lead"], evidence="Reviewed in the core CX team workshop.")
            answer_set(org=org, assessment=assessment, practice=practice, stage_level=min(level + 1, 5),
                       assessor=users["executive"])
            answer_set(org=org, assessment=assessment, practice=practice, stage_level=level,
                       evidence="Consensus of the steering committee review.")
        assessment = assessment_submit(org=org, assessment=assessment)
    if not LeverTarget.objects.for_org(org).exists():
        # Targets for the year: one stage up on every lever, two on the customer-facing ones.
        by = timezone.localdate() + dt.timedelta(days=365)
        for lever in Lever.objects.for_org(org).filter(is_active=True):
            current = max(CONSENSUS.get(lever.code, (2,)))
            bump = 2 if lever.code in ("voc_measurement", "experience_design", "channels_interactions") else 1
            lever_target_set(org=org, lever=lever, target_level=min(current + bump, 5), target_date=by)
    if assessment.status == Assessment.Status.SUBMITTED:
        # Idempotent: a snapshot is stored only when the scores differ from the latest one.
        maturity_scores_compute(org=org)


def _weighted(rng: random.Random, weights: list[float]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]


def _clamp(value: float, low: float = 0.02) -> float:
    return max(value, low)


def _score(rng: random.Random, code: str, quality: float) -> Decimal:
    """A believable answer for a touchpoint of the given quality (−1 poor … +1 excellent)."""
    if code == "nps":
        promoter, detractor = _clamp(0.42 + 0.22 * quality), _clamp(0.24 - 0.16 * quality)
        passive = _clamp(1 - promoter - detractor)
        band = _weighted(rng, [detractor, passive, promoter])
        if band == 0:
            return Decimal(_weighted(rng, [1, 0.5, 0.6, 1, 1.5, 3, 4]))
        return Decimal(7 + _weighted(rng, [1, 1.3]) if band == 1 else 9 + _weighted(rng, [1.2, 1]))
    if code == "csat":
        return Decimal(1 + _weighted(rng, [
            _clamp(0.05 - 0.03 * quality), _clamp(0.08 - 0.04 * quality), 0.15,
            _clamp(0.40 + 0.05 * quality), _clamp(0.32 + 0.12 * quality),
        ]))
    if code == "ces":
        return Decimal(1 + _weighted(rng, [
            _clamp(0.05 - 0.04 * quality), _clamp(0.07 - 0.04 * quality), _clamp(0.10 - 0.04 * quality), 0.15,
            0.22, _clamp(0.24 + 0.06 * quality), _clamp(0.17 + 0.1 * quality),
        ]))
    if code == "first_response_time":
        return Decimal(str(round(rng.lognormvariate(3.2 - 0.4 * quality, 0.6), 1)))
    if code == "resolution_time":
        return Decimal(str(round(rng.lognormvariate(4.0 - 0.4 * quality, 0.7), 1)))
    if code == "abandonment_rate":
        return Decimal(1 if rng.random() < _clamp(0.30 - 0.2 * quality) else 0)
    raise ValueError(code)


def _touchpoint_plan() -> list[tuple[str, str, float, bool, int]]:
    """(touchpoint, journey, quality, improves, weight) for every touchpoint of the demo journeys."""
    return [
        (name, spec["name"], quality, improves, weight)
        for spec in JOURNEYS
        for name, _stage, _channel, _mot, _owner, weight, quality, improves in spec["touchpoints"]
    ]


def _metric_for(rng: random.Random, journey: str, touchpoint: str) -> tuple[str, str]:
    """(metric code, source code) for one response: NPS mostly, then CSAT and CES; a few
    operational measures where they are actually captured."""
    roll = rng.random()
    if journey == "Complaint resolution" and roll < 0.08:
        code = "first_response_time" if touchpoint == "Contact centre call" else "resolution_time"
        return code, "complaints"
    if touchpoint == "Online application form" and roll < 0.10:
        return "abandonment_rate", "api"
    if roll < 0.62:
        return "nps", "survey" if rng.random() < 0.8 else "api"
    if roll < 0.85:
        return "csat", "survey"
    return "ces", "survey"


def response_rows(*, slug: str, count: int, touchpoints: dict[str, Touchpoint], metrics: dict[str, Metric],
                  sources: dict[str, DataSource], now: dt.datetime) -> list[dict[str, Any]]:
    """``count`` deterministic feedback rows over the 12 months before ``now``.

    Row i always gets the same external id, touchpoint, metric and score (the random generator is
    seeded with the slug), so a re-run offers exactly the rows already stored. Touchpoints that an
    initiative improved get better over the year; moments of truth carry more volume.
    """
    rng = random.Random(f"cxgov-demo-{slug}")
    plan = _touchpoint_plan()
    weights = [weight for *_x, weight in plan]
    span = dt.timedelta(days=365).total_seconds()
    rows: list[dict[str, Any]] = []
    for i in range(count):
        name, journey, quality, improves, _w = plan[_weighted(rng, weights)]
        age = rng.random() ** 0.85  # slightly more recent feedback: the programme grew over the year
        if improves:
            quality = min(quality + 0.6 * (1 - age), 1.0)
        # A seasonal dip in the summer months, when branches and the contact centre are short-staffed.
        submitted_at = now - dt.timedelta(seconds=age * span)
        if submitted_at.month in (7, 8):
            quality -= 0.15
        code, source = _metric_for(rng, journey, name)
        score = _score(rng, code, quality)
        row: dict[str, Any] = {
            "source": sources[source], "external_id": f"{slug}-{i:07d}", "metric": metrics[code],
            "touchpoint": touchpoints[name], "score": score, "submitted_at": submitted_at,
            "customer_ref": f"C{rng.randint(100000, 999999)}",
        }
        if code in ("nps", "csat", "ces") and rng.random() < 0.12:
            negative = (code == "nps" and score <= 6) or (code != "nps" and score <= 3)
            row["comment"] = rng.choice(COMMENTS_BAD if negative else COMMENTS_GOOD)
        rows.append(row)
    return rows


def _responses(org: Organization, slug: str, count: int, touchpoints: dict[str, Touchpoint],
               report: SeedReport) -> None:
    metrics = {m.code: m for m in Metric.objects.for_org(org)}
    sources = {s.code: s for s in DataSource.objects.for_org(org)}
    rows = response_rows(slug=slug, count=count, touchpoints=touchpoints, metrics=metrics, sources=sources,
                         now=timezone.now())
    for start in range(0, len(rows), BATCH_SIZE):
        result = responses_record(org=org, rows=rows[start:start + BATCH_SIZE], atomic=True)
        if result.errors:
            raise RuntimeError(f"demo feedback refused: {result.errors[:3]}")
        report.responses_created += result.created
        report.responses_duplicate += result.duplicates


LOOP_ROOT_CAUSES = (
    ("Long waiting time", "Queues, callbacks or processing took longer than promised."),
    ("Wrong or incomplete information", "The customer was told something inaccurate or not told enough."),
    ("Process too complex", "Too many steps, documents or channels for what the customer wanted."),
    ("Staff attitude", "The customer felt ignored, rushed or treated without empathy."),
    ("System outage", "The app, website or a back-office system failed during the interaction."),
)


def _closing_the_loop(org: Organization, users: dict[str, User]) -> None:
    """Root causes, follow-up cases closed over the last months (so the root-cause matrix shows
    recurring causes) and one distributed insight. Idempotent: it completes, never doubles."""
    from voc.models import FollowUpCase, Insight, RootCause
    from voc.services import (
        case_close,
        case_contact,
        insight_create,
        insight_distribute,
        journey_stakeholders_set,
        root_cause_create,
    )

    causes = {c.name: c for c in RootCause.objects.for_org(org)}
    for name, description in LOOP_ROOT_CAUSES:
        if name not in causes:
            causes[name] = root_cause_create(org=org, name=name, description=description)
    cases = FollowUpCase.objects.for_org(org)
    if not cases.filter(status__in=["resolved", "closed"]).exists():
        rng = random.Random(f"{org.slug}-loop")
        lead = users["cx.lead"]
        weights = [5, 3, 2, 1, 1]
        opened = list(cases.filter(status="open").select_related("touchpoint").order_by("id"))
        to_close, to_contact = opened[: len(opened) * 2 // 3], opened[len(opened) * 2 // 3:][:5]
        now = timezone.now()
        for case in to_close:
            cause = causes[LOOP_ROOT_CAUSES[_weighted(rng, weights)][0]]
            closed = case_close(org=org, by=lead, case=case, root_cause=cause, status="resolved",
                                resolution="Called the customer back and fixed the issue.")
            # Spread over the last five months, so the outer loop has history to count.
            closed_at = now - dt.timedelta(days=rng.randint(0, 150))
            cases.filter(pk=closed.pk).update(closed_at=closed_at, opened_at=closed_at - dt.timedelta(days=2),
                                              due_date=(closed_at + dt.timedelta(days=5)).date())
        for case in to_contact:
            case_contact(org=org, by=lead, case=case, note="Left a message; waiting for the customer.")
    journey = Journey.objects.for_org(org).filter(name="Account opening").order_by("id").first()
    if journey is not None and not Insight.objects.for_org(org).filter(journey=journey).exists():
        journey_stakeholders_set(org=org, journey=journey, users=[users["executive"], users["ambassador"]])
        touchpoints = list(Touchpoint.objects.for_org(org).filter(journey=journey, is_moment_of_truth=True))
        insight = insight_create(
            org=org, by=users["cx.lead"], journey=journey, touchpoints=touchpoints,
            title="Identity checks lose new customers",
            body="Detractors of the account opening journey mostly mention the video identity check: it "
                 "fails on older phones and the retry asks for every document again. Fixing the retry "
                 "is the quickest win on this journey.",
            links=[{"url": "https://www.example.com/research/identity-check", "note": "Usability study"}],
        )
        insight_distribute(org=org, by=users["cx.lead"], insight=insight)


def _token(org: Organization, user: User) -> str:
    for token in ApiToken.objects.active().filter(organization=org, user=user, name=TOKEN_NAME):
        api_token_revoke(org=org, user=user, token_id=token.pk)
    _token_obj, raw = api_token_create(org=org, user=user, name=TOKEN_NAME)
    return raw


def _ambassador_grants(org: Organization, users: dict[str, User], touchpoints: dict[str, Touchpoint]) -> None:
    """The demo ambassador may log feedback on the touchpoints they own (grants only added)."""
    from voc.selectors import touchpoint_grants
    from voc.services import touchpoint_ambassadors_set

    ambassador = users["ambassador"]
    grants = touchpoint_grants(org=org)
    for touchpoint in touchpoints.values():
        granted = grants.get(touchpoint.pk, set())
        if touchpoint.owner_id == ambassador.pk and ambassador.pk not in granted:
            others = list(User.objects.filter(pk__in=granted))
            touchpoint_ambassadors_set(org=org, touchpoint=touchpoint, users=[*others, ambassador])


@transaction.atomic
def seed(*, slug: str = "demo", responses: int = DEFAULT_RESPONSES) -> SeedReport:
    """Create (or complete) the demo organisation ``slug``; see the module docstring."""
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        name = "Banco Aurora" if slug == "demo" else f"Banco Aurora ({slug})"
        org = organization_create(name=name, slug=slug, language="en", timezone_name="Europe/Madrid")
    report = SeedReport(org=org)
    users = _users(org, slug)
    touchpoints = _journeys(org, users)
    _ambassador_grants(org, users, touchpoints)
    _journey_to_be(org, users)
    bodies = _governance(org, users)
    _initiatives(org, users, touchpoints, bodies)
    _pmo(org, users)
    _assessment(org, users)
    _responses(org, slug, responses, touchpoints, report)
    _closing_the_loop(org, users)
    _governance_programme(org, users, bodies)
    report.token = _token(org, users["integrator"])
    report.logins = [(users[key].email, DEMO_PASSWORD, role.value) for key, role, _name in USERS]
    return report
