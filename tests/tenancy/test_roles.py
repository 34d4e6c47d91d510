"""The role × operation table: declared once, fail-closed, printed for the README."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from cxgov.tenancy.roles import ROLE_OPERATIONS, Op, Role, role_allows, roles_table_markdown


def test_every_operation_is_in_the_table():
    declared = {v for k, v in vars(Op).items() if k.isupper()}
    assert declared == set(ROLE_OPERATIONS)


def test_unknown_operations_and_roles_are_refused():
    assert not role_allows(Role.ADMIN, "nothing.such")
    assert not role_allows(None, Op.PROGRAMME_VIEW)
    assert not role_allows("superhero", Op.PROGRAMME_VIEW)


def test_the_broad_rights_of_the_design():
    assert all(role_allows(role, Op.PROGRAMME_VIEW) for role in Role)
    assert {r for r in Role if role_allows(r, Op.PROGRAMME_MANAGE)} == {Role.ADMIN, Role.CX_LEAD}
    assert {r for r in Role if role_allows(r, Op.TOKENS_MANAGE)} == {Role.ADMIN, Role.INTEGRATOR}
    assert not role_allows(Role.AMBASSADOR, Op.FEEDBACK_VIEW)
    assert role_allows(Role.AMBASSADOR, Op.FEEDBACK_LOG)


def test_markdown_table_has_a_row_per_operation_and_a_column_per_role():
    lines = roles_table_markdown().splitlines()
    assert len(lines) == 2 + len(ROLE_OPERATIONS)
    assert all(role.value in lines[0] for role in Role)
    for line, (op, (allowed, _what)) in zip(lines[2:], ROLE_OPERATIONS.items(), strict=True):
        assert f"`{op}`" in line
        assert line.count("✓") == len(allowed)


def test_roles_table_command_prints_the_table():
    out = StringIO()
    call_command("roles_table", stdout=out)
    assert out.getvalue().strip() == roles_table_markdown()


def test_readme_shows_the_table():
    readme = Path(settings.BASE_DIR) / "README.md"
    assert readme.exists(), "README.md is missing"
    assert roles_table_markdown() in readme.read_text(encoding="utf-8"), (
        "paste the output of `manage.py roles_table` into README.md"
    )
