"""The permission matrix: every page and API operation × every role (and anonymous), against the table.

The rows are discovered (cxgov/tenancy/endpoints.py: the URL configuration and the endpoint list the
OpenAPI schema is generated from) and each row's operation is read from its view's declarations. Each
role then tries each operation — a signed-in session for pages, a bearer token for the API — and the
outcome must be what the table says: allowed (not 401, not 403, not sent to sign in, no 5xx, no 404 on
the organization's own object), or refused (403 for members; 401 for the anonymous API; a redirect to
the sign-in page for anonymous pages). Where an object-level rule decides, a role the table alone does
not let in is refused (403, or 404 where it may not even see the object) on an object it has no grant on.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from cxgov.tenancy.endpoints import (
    ALLOWED,
    REFUSED,
    all_endpoints,
    api_endpoints,
    endpoints_table_markdown,
    operations_in_use,
    page_endpoints,
)
from cxgov.tenancy.roles import OBJECT_RULES, OPEN_VIEWS, ROLE_OPERATIONS, Role

from .operations import UNGRANTED, Caller, object_params, url_for, view_model

ENDPOINTS = all_endpoints()
PRINCIPALS = [r.value for r in Role] + [None]


def _id(principal: str | None) -> str:
    return principal or "anonymous"


# --- the table is complete and declared ----------------------------------------------------------

def test_discovery_finds_pages_and_api_operations():
    pages = [e for e in ENDPOINTS if e.kind == "page"]
    api = [e for e in ENDPOINTS if e.kind == "api"]
    assert len(pages) >= 200 and len(api) >= 150
    assert {"/api/v1/cases/{id}/close/", "/api/v1/feedback/bulk/", "/api/v1/me/"} <= {e.path for e in api}
    assert {("GET", "voc:case-list"), ("POST", "voc:case-close")} <= {(e.method, e.name) for e in pages}


def test_every_page_and_operation_declares_who_may_use_it():
    undeclared = [f"{e.method} {e.path} ({e.name or e.view})" for e in ENDPOINTS if not e.declared]
    assert undeclared == [], (
        "declare the operation these need (required_op on pages, read_op/write_op/action_ops on API views, "
        f"@declare_op on function views), or add them to OPEN_VIEWS with a reason: {undeclared}"
    )


def test_open_views_are_few_real_and_explained():
    names = {e.name for e in ENDPOINTS}
    assert len(OPEN_VIEWS) <= 12
    assert set(OPEN_VIEWS) <= names, f"stale entries: {set(OPEN_VIEWS) - names}"
    assert all(len(reason) > 10 for _access, reason in OPEN_VIEWS.values())


def test_object_rules_name_real_operations_and_are_used():
    assert all(isinstance(grants, frozenset) or grants in ROLE_OPERATIONS
               for grants, _label, _who in OBJECT_RULES.values())
    used = {e.object_rule for e in ENDPOINTS if e.object_rule}
    assert used == set(OBJECT_RULES)


def test_every_object_rule_has_an_ungranted_object_to_try():
    assert set(UNGRANTED) == set(OBJECT_RULES)


def test_every_operation_of_the_table_guards_something():
    used = operations_in_use(ENDPOINTS) | {op for op, _l, _w in OBJECT_RULES.values() if isinstance(op, str)}
    assert set(ROLE_OPERATIONS) <= used, f"operations no view needs: {set(ROLE_OPERATIONS) - used}"


def test_the_api_rows_are_the_schema_operations():
    """Every (method, path) of the OpenAPI schema is a row, and every API row outside it is an open view."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    in_schema = {(method.upper(), path) for path, item in schema["paths"].items() for method in item
                 if method in ("get", "post", "put", "patch", "delete")}
    rows = {(e.method, e.path) for e in api_endpoints()}
    assert in_schema <= rows
    outside = {e.name for e in api_endpoints() if (e.method, e.path) not in in_schema}
    assert outside <= set(OPEN_VIEWS), outside


def test_every_route_of_the_urlconf_is_a_row():
    from django.urls import get_resolver

    from cxgov.tenancy.endpoints import _walk

    rows = {e.name for e in ENDPOINTS}
    named = {name for route, name, _p in _walk(get_resolver().url_patterns)
             if name and not name.startswith("admin:") and not route.startswith("admin/")}
    # Format-suffix variants of API routes share the name of their row.
    assert named <= rows, named - rows


def test_roles_table_command_prints_the_endpoint_table():
    out = StringIO()
    call_command("roles_table", "--endpoints", stdout=out)
    assert out.getvalue().strip() == endpoints_table_markdown(ENDPOINTS)


def test_readme_shows_the_endpoint_table():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert endpoints_table_markdown(ENDPOINTS) in readme, (
        "paste the output of `manage.py roles_table --endpoints` into README.md (section Roles)"
    )


def test_update_readme_rewrites_only_between_the_markers(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- endpoints-table:start -->\nstale\n<!-- endpoints-table:end -->\noutro\n",
                      encoding="utf-8")
    call_command("roles_table", "--endpoints", "--update-readme", stdout=StringIO())
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("intro\n<!-- endpoints-table:start -->\n\n")
    assert text.endswith("\n\n<!-- endpoints-table:end -->\noutro\n")
    assert "stale" not in text
    assert endpoints_table_markdown(ENDPOINTS) in text

    readme.write_text("no markers here", encoding="utf-8")
    with pytest.raises(CommandError, match="endpoints-table:start"):
        call_command("roles_table", "--endpoints", "--update-readme", stdout=StringIO())
    assert readme.read_text(encoding="utf-8") == "no markers here"
    with pytest.raises(CommandError, match="--endpoints"):
        call_command("roles_table", "--update-readme", stdout=StringIO())


def test_the_table_shows_object_rules_and_open_views():
    text = endpoints_table_markdown(ENDPOINTS)
    assert "| team |" in text and "| granted |" in text and "| owner |" in text
    for name in OPEN_VIEWS:
        assert f"`{name}`" in text
    assert len(page_endpoints()) + len(api_endpoints()) == len(ENDPOINTS)


# --- the matrix ------------------------------------------------------------------------------------

_SCHEMAS: dict[tuple, dict] = {}


@pytest.fixture
def schema_once(monkeypatch):
    """The schema generated once for the module rather than once per principal (seconds each).

    It is public (``SERVE_PUBLIC``), the same for everyone, and the view still authenticates and checks
    permissions on every request as usual.
    """
    generate = SchemaGenerator.get_schema

    def get_schema_once(self, request=None, public=False):
        key = (public, getattr(request, "LANGUAGE_CODE", None))
        if key not in _SCHEMAS:
            _SCHEMAS[key] = generate(self, request=request, public=public)
        return _SCHEMAS[key]

    monkeypatch.setattr(SchemaGenerator, "get_schema", get_schema_once)


def _outcome(endpoint, principal: str | None, response, own_object: bool) -> str:
    """ALLOWED, REFUSED or ``object`` (refused by an object-level rule), from the response alone."""
    status = response.status_code
    if status >= 500:
        return f"error {status}"
    if endpoint.kind == "page" and principal is None:
        login = reverse("login") + "?next="
        return REFUSED if status == 302 and response["Location"].startswith(login) else ALLOWED
    if endpoint.kind == "api" and principal is None:
        return REFUSED if status == 401 else ALLOWED
    if status in (401, 403):
        return REFUSED
    if endpoint.kind == "page" and status == 302 and response["Location"].startswith(reverse("login") + "?next="):
        return REFUSED
    if status == 404 and own_object:
        return "object"  # its own organization's object, not found for this principal
    return ALLOWED


def _acceptable(expected: str, outcome: str, endpoint) -> bool:
    if expected in (ALLOWED, REFUSED):
        return outcome == expected
    # An object rule: refused on an object without the grant (403, or 404 where it is hidden). A create
    # that names its parent in the body cannot reach the rule with an empty body: a 400 is the answer.
    return outcome in (REFUSED, "object") or (outcome == ALLOWED and not endpoint.path_params)


def _walk_matrix(world, principal: str | None, kind: str) -> list[str]:
    caller = Caller(user=world.users_a[principal] if principal and kind == "page" else None,
                    token=world.tokens_a[principal] if principal and kind == "api" else None)
    mismatches = []
    for endpoint in world.endpoints:
        if endpoint.kind != kind:
            continue
        model = view_model(endpoint)
        own = object_params(endpoint) != [] and model is not None
        url = url_for(endpoint, world.objects_a.get(model) if model else None)
        response = caller.send(endpoint, url)
        expected = endpoint.expected(principal)
        outcome = _outcome(endpoint, principal, response, own)
        if not _acceptable(expected, outcome, endpoint):
            mismatches.append(f"{endpoint.method} {url} ({endpoint.name}): table says {expected}, "
                              f"got {response.status_code} → {outcome}")
    return mismatches


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS, ids=_id)
def test_every_page_answers_every_role_as_the_table_says(principal, world, unthrottled, schema_once):
    mismatches = _walk_matrix(world, principal, "page")
    assert mismatches == [], "\n".join(mismatches)


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS, ids=_id)
def test_every_api_operation_answers_every_role_as_the_table_says(principal, world, unthrottled, schema_once):
    mismatches = _walk_matrix(world, principal, "api")
    assert mismatches == [], "\n".join(mismatches)
