"""Roles and the role × operation table, declared once.

Everything that decides what a role may do reads ``ROLE_OPERATIONS``: the HTML base views, the API
permission class, the navigation, the tests (which walk this very table) and the README (rendered by
``manage.py roles_table``). Object-level exceptions (an initiative's team members, an ambassador's
assigned touchpoints) are django-guardian grants layered on top, never rows here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CX_LEAD = "cx_lead", _("CX lead")
    EXECUTIVE = "executive", _("Executive")
    AMBASSADOR = "ambassador", _("CX ambassador")
    INTEGRATOR = "integrator", _("Integrator")


class Op:
    """Names of the operations; the table below is the only place they are granted."""

    PROGRAMME_VIEW = "programme.view"
    PROGRAMME_MANAGE = "programme.manage"
    FEEDBACK_VIEW = "feedback.view"
    FEEDBACK_LOG = "feedback.log"
    DASHBOARD_EXECUTIVE = "dashboard.executive"
    FEEDBACK_IMPORT = "feedback.import"
    CASES_WORK = "cases.work"
    MATURITY_ASSESS = "maturity.assess"
    ORGANIZATION_MANAGE = "organization.manage"
    TOKENS_MANAGE = "tokens.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"
    AUDIT_VIEW = "audit.view"


_ALL = frozenset(Role)
ROLE_OPERATIONS: dict[str, tuple[frozenset[Role], str]] = {
    Op.PROGRAMME_VIEW: (
        _ALL,
        "Read levers, governance, maturity, initiatives, journeys, touchpoints and metrics",
    ),
    Op.PROGRAMME_MANAGE: (
        frozenset({Role.ADMIN, Role.CX_LEAD}),
        "Create and change the framework, governance, maturity, initiatives and VoC configuration",
    ),
    Op.FEEDBACK_VIEW: (
        frozenset({Role.ADMIN, Role.CX_LEAD, Role.EXECUTIVE, Role.INTEGRATOR}),
        "Read all feedback responses and rollups of the organization",
    ),
    Op.FEEDBACK_LOG: (
        frozenset({Role.ADMIN, Role.CX_LEAD, Role.AMBASSADOR, Role.INTEGRATOR}),
        "Record feedback responses (ambassadors only on touchpoints granted to them)",
    ),
    Op.FEEDBACK_IMPORT: (
        frozenset({Role.ADMIN, Role.CX_LEAD}),
        "Import feedback from CSV or Excel files",
    ),
    Op.CASES_WORK: (
        frozenset({Role.ADMIN, Role.CX_LEAD}),
        "Work any follow-up case (a case's owner may always work their own)",
    ),
    Op.MATURITY_ASSESS: (
        frozenset({Role.ADMIN, Role.CX_LEAD, Role.EXECUTIVE}),
        "Answer a maturity assessment as an assessor (the consensus and submission need programme.manage)",
    ),
    Op.DASHBOARD_EXECUTIVE: (
        frozenset({Role.ADMIN, Role.CX_LEAD, Role.EXECUTIVE}),
        "See the executive dashboard",
    ),
    Op.ORGANIZATION_MANAGE: (
        frozenset({Role.ADMIN}),
        "Manage the organization's members and settings",
    ),
    Op.TOKENS_MANAGE: (
        frozenset({Role.ADMIN, Role.INTEGRATOR}),
        "Create and revoke the user's own API tokens",
    ),
    Op.WEBHOOKS_MANAGE: (
        frozenset({Role.ADMIN, Role.INTEGRATOR}),
        "Subscribe URLs to events and read the delivery log",
    ),
    Op.AUDIT_VIEW: (
        frozenset({Role.ADMIN}),
        "Read the audit trail of the organization",
    ),
}


class ObjectRule:
    """Names of the object-level exceptions a view declares in ``object_rules``.

    A view that needs only ``programme.view`` from the role table may still decide per object: an
    executive may edit an initiative whose team they are on, an ambassador may work the cases they own.
    The view (or viewset) names the rule per HTTP method (pages) or per action (API) in
    ``object_rules``; the rule names the operation that grants it for every object, and the endpoint
    table in the README shows the other roles' cells as the rule's label.
    """

    INITIATIVE_TEAM = "initiative.team"
    CASE_OWNER = "case.owner"
    CASE_READER = "case.reader"
    DECISION_OWNER = "decision.owner"
    ANSWER_READER = "answer.reader"
    TOUCHPOINT_GRANT = "touchpoint.grant"


# rule → (what grants it on every object: an operation, or the roles themselves; label in the table;
# who else gets it, on which objects)
OBJECT_RULES: dict[str, tuple[str | frozenset[Role], str, str]] = {
    ObjectRule.INITIATIVE_TEAM: (
        Op.PROGRAMME_MANAGE, "team", "members of the initiative's team (django-guardian grant) may change it",
    ),
    ObjectRule.CASE_OWNER: (Op.CASES_WORK, "owner", "the case's owner may work it"),
    ObjectRule.CASE_READER: (Op.FEEDBACK_VIEW, "own", "others see only the cases they own"),
    ObjectRule.DECISION_OWNER: (Op.PROGRAMME_MANAGE, "owner", "the action's owner may change its status"),
    ObjectRule.ANSWER_READER: (
        Op.PROGRAMME_MANAGE, "own", "assessors see their own answers, the consensus, and others' once visible",
    ),
    # voc.selectors.touchpoints_loggable_by: every role that may log, except ambassadors, logs anywhere.
    ObjectRule.TOUCHPOINT_GRANT: (
        frozenset(Role) - {Role.AMBASSADOR}, "granted",
        "ambassadors log feedback only on the touchpoints granted to them (django-guardian grant)",
    ),
}


def object_rule_grants(rule: str, role: str | None) -> bool:
    """True when ``role`` passes the object-level ``rule`` on every object, without a grant of its own."""
    everywhere = OBJECT_RULES[rule][0]
    if isinstance(everywhere, frozenset):
        return role in everywhere
    return role_allows(role, everywhere)


class Access:
    """Who may use a view that needs no operation of the table (the allow-list below)."""

    PUBLIC = "public"  # anyone, signed in or not
    SIGNED_IN = "signed in"  # any signed-in user, member of an organization or not
    MEMBER = "member"  # any member of the organization, whatever the role


# Views that need no operation of the table, by URL name (or route, for unnamed ones), with the reason.
# Everything else must declare its operation: ``required_op`` (pages), ``read_op``/``write_op``/
# ``action_ops`` (API), or ``@declare_op`` (function views); a test fails on any view without one.
OPEN_VIEWS: dict[str, tuple[str, str]] = {
    "login": (Access.PUBLIC, "the sign-in page"),
    "logout": (Access.PUBLIC, "signing out; without a session it only goes back to the sign-in page"),
    "language-switch": (Access.PUBLIC, "the interface language, chosen before or after signing in"),
    "healthz": (Access.PUBLIC, "liveness probe for the load balancer; says nothing about any organization"),
    "api-schema": (Access.PUBLIC, "the OpenAPI description of the API: no data"),
    "api-docs": (Access.PUBLIC, "Swagger UI for the schema: no data"),
    "organization-switch": (Access.SIGNED_IN, "choose among the user's own organizations (others answer 404)"),
    "password-change": (Access.SIGNED_IN, "a user's own password"),
    "api-root": (Access.MEMBER, "the list of the API's collections: no data"),
    "api-me": (Access.MEMBER, "who the token or session acts as"),
}


def declare_op(op: str, *, methods: tuple[str, ...] = ("GET", "POST")):
    """Mark a function view with the operation it checks (and the methods it answers), for the table."""

    def mark(view):
        view.required_op = op
        view.http_methods = methods
        return view

    return mark


def role_allows(role: str | None, op: str) -> bool:
    """True when ``role`` may perform ``op``. Unknown operations are refused (fail closed)."""
    if role is None or op not in ROLE_OPERATIONS:
        return False
    return role in ROLE_OPERATIONS[op][0]


def roles_table_markdown() -> str:
    """The role × operation table as Markdown, as the README shows it."""
    roles = list(Role)
    head = "| operation | " + " | ".join(str(r.value) for r in roles) + " |"
    sep = "|---|" + "---|" * len(roles)
    rows = [head, sep]
    for op, (allowed, what) in ROLE_OPERATIONS.items():
        cells = " | ".join("✓" if r in allowed else "·" for r in roles)
        rows.append(f"| `{op}` — {what} | {cells} |")
    return "\n".join(rows)
