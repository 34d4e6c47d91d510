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
    ORGANIZATION_MANAGE = "organization.manage"
    TOKENS_MANAGE = "tokens.manage"


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
