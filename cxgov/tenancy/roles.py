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
