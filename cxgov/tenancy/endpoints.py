"""Every page and every API operation of the site, with the operation each needs, read from the views.

Nothing here is typed by hand: pages come from the URL configuration, API operations from the same
endpoint list drf-spectacular builds the OpenAPI schema from, and each one's operation from what its
view declares — ``required_op`` / ``write_op`` / ``object_rules`` on pages (``OrgView``), ``read_op`` /
``write_op`` / ``action_ops`` / ``object_rules`` on API views (decided by the same ``operation_for``
the permission class calls), ``@declare_op`` on function views, or an entry of ``OPEN_VIEWS``. A view
with none of these is *undeclared*; the test suite fails on it, and tries every role on every row.
``manage.py roles_table --endpoints`` renders the table for the README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from .roles import OBJECT_RULES, OPEN_VIEWS, ROLE_OPERATIONS, Access, Role, object_rule_grants, role_allows

PAGE_METHODS = ("GET", "POST")
API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALLOWED = "allowed"
REFUSED = "refused"
ANONYMOUS = "anonymous"

# Outside the organizations' roles altogether, so not rows of the table (said under it).
NOT_IN_TABLE = {
    "admin": "the Django admin (`/admin/`, superusers only)",
    "static": "media files served in development (`DEBUG` only)",
}


@dataclass(frozen=True)
class Endpoint:
    """One operation: an HTTP method on a page or an API path, and who may use it."""

    kind: str  # "page" or "api"
    method: str
    path: str  # "/voc/journeys/{pk}/", "/api/v1/journeys/{id}/"
    name: str  # URL name, namespaced ("voc:journey-map")
    view: Any  # the view class (or function)
    action: str | None = None  # a viewset's action
    pattern: URLPattern | None = None
    access: str | None = None  # an ``Access`` level for open views, "op" when operations decide, None
    ops: tuple[str, ...] = ()  # every one is needed
    object_rule: str | None = None
    reason: str = ""

    @property
    def declared(self) -> bool:
        return self.access is not None

    def expected(self, role: str | None) -> str:
        """``ALLOWED``, ``REFUSED`` or, when the object decides, the name of the object rule."""
        if self.access == Access.PUBLIC:
            return ALLOWED
        if role is None or self.access is None:
            return REFUSED
        if self.access in (Access.SIGNED_IN, Access.MEMBER):
            return ALLOWED
        if not all(role_allows(role, op) for op in self.ops):
            return REFUSED
        if self.object_rule and not object_rule_grants(self.object_rule, role):
            return self.object_rule
        return ALLOWED

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def _walk(patterns: list, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern),
                             f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}" if entry.name else "", entry


def _display(route: str) -> str:
    """``voc/journeys/<int:pk>/`` or ``^reports/(?P<year>\\d{4})$`` → ``/voc/journeys/{pk}/``, ``/reports/{year}``."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


def _is_api(callback: Any) -> bool:
    from rest_framework.views import APIView

    cls = getattr(callback, "cls", None)
    return isinstance(cls, type) and issubclass(cls, APIView)


def _not_in_table(route: str, name: str, callback: Any) -> bool:
    if name.startswith("admin:") or route.startswith("admin/"):
        return True
    return getattr(callback, "__module__", "") == "django.views.static"


def _open(name: str) -> tuple[str | None, str]:
    return OPEN_VIEWS.get(name, (None, ""))


def page_endpoints() -> list[Endpoint]:
    """One row per (method, page) of the URL configuration, outside the API."""
    rows = []
    for route, name, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        if _is_api(callback) or _not_in_table(route, name, callback):
            continue
        view_class = getattr(callback, "view_class", None)
        if view_class is not None:
            methods = [m for m in PAGE_METHODS if m.lower() in view_class.http_method_names
                       and hasattr(view_class, m.lower())]
            declared_by = view_class
        else:
            methods, declared_by = list(getattr(callback, "http_methods", PAGE_METHODS)), callback
        open_access, reason = _open(name)
        for method in methods:
            access, ops, rule = open_access, (), None
            if access is None:
                required = getattr(declared_by, "required_op", None)
                write = getattr(declared_by, "write_op", None) if method != "GET" else None
                ops = tuple(op for op in (required, write) if op)
                if ops:
                    access = "op"
                rule = (getattr(declared_by, "object_rules", None) or {}).get(method.lower())
            rows.append(Endpoint(kind="page", method=method, path=_display(route), name=name, view=declared_by,
                                 pattern=pattern, access=access, ops=ops, object_rule=rule, reason=reason))
    return rows


def _operation(view_class: Any, action: str | None, method: str) -> str | None:
    from .drf import operation_for

    view = SimpleNamespace(action=action, action_ops=getattr(view_class, "action_ops", None) or {},
                           read_op=getattr(view_class, "read_op", None),
                           write_op=getattr(view_class, "write_op", None))
    return operation_for(view, SimpleNamespace(method=method))


def api_endpoints() -> list[Endpoint]:
    """One row per operation of the OpenAPI schema, plus the API views the schema leaves out."""
    from drf_spectacular.generators import SchemaGenerator

    names = {id(pattern.callback): name for _route, name, pattern in _walk(get_resolver().url_patterns)}
    generator = SchemaGenerator()
    generator._initialise_endpoints()  # the list get_schema() describes, one (path, method, view) each
    rows = []
    seen = set()
    for path, _regex, method, callback in generator.endpoints:
        seen.add(id(callback))
        view_class = callback.cls
        path = generator.coerce_path(path, method, view_class)  # {pk} → {id}, as the schema shows it
        action = (getattr(callback, "actions", None) or {}).get(method.lower())
        rows.append(_api_row(path, method, names.get(id(callback), ""), view_class, action))
    for route, name, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        if not _is_api(callback) or id(callback) in seen or "format" in pattern.pattern.regex.groupindex:
            continue
        for method in API_METHODS:
            if hasattr(callback.cls, method.lower()):
                rows.append(_api_row(_display(route), method, name, callback.cls, None))
    return rows


def _api_row(path: str, method: str, name: str, view_class: Any, action: str | None) -> Endpoint:
    access, reason = _open(name)
    ops, rule = (), None
    if access is None:
        op = _operation(view_class, action, method)
        if op:
            access, ops = "op", (op,)
        rule = (getattr(view_class, "object_rules", None) or {}).get(action)
    return Endpoint(kind="api", method=method, path=path, name=name, view=view_class, action=action,
                    access=access, ops=ops, object_rule=rule, reason=reason)


def all_endpoints() -> list[Endpoint]:
    return page_endpoints() + api_endpoints()


# --- the Markdown table -----------------------------------------------------------------------------

def _cell(endpoint: Endpoint, role: str | None) -> str:
    outcome = endpoint.expected(role)
    if outcome == ALLOWED:
        return "✓"
    if outcome == REFUSED:
        return "·"
    return OBJECT_RULES[outcome][1]


def _needs(endpoint: Endpoint) -> str:
    if endpoint.access is None:
        return "**undeclared**"
    if endpoint.access != "op":
        return f"*{endpoint.access}*"
    text = " + ".join(f"`{op}`" for op in endpoint.ops)
    if endpoint.object_rule:
        everywhere, label, _who = OBJECT_RULES[endpoint.object_rule]
        text = f"{text}, *{label}* for {_others(everywhere)}" if isinstance(everywhere, frozenset) \
            else f"`{everywhere}` or *{label}*"
    return text


def _others(roles: frozenset) -> str:
    return ", ".join(r.value for r in Role if r not in roles)


_METHOD_ORDER = {m: i for i, m in enumerate(API_METHODS)}


def _rows(endpoints: list[Endpoint]) -> list[str]:
    roles: list[str | None] = [r.value for r in Role] + [None]
    keyed: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for e in sorted(endpoints, key=lambda e: (e.path, _METHOD_ORDER.get(e.method, 9))):
        cells = tuple(_cell(e, r) for r in roles)
        keyed.setdefault((e.path, _needs(e), cells), []).append(e.method)
    lines = []
    for (path, needs, cells), methods in keyed.items():
        lines.append(f"| {', '.join(methods)} | `{path}` | {needs} | " + " | ".join(cells) + " |")
    return lines


def endpoints_table_markdown(endpoints: list[Endpoint] | None = None) -> str:
    """Pages and API operations × roles, as the README shows them (✓ allowed, · refused)."""
    endpoints = all_endpoints() if endpoints is None else endpoints
    head = "| method | path | needs | " + " | ".join(r.value for r in Role) + f" | {ANONYMOUS} |"
    sep = "|---|---|---|" + "---|" * (len(Role) + 1)
    pages = [e for e in endpoints if e.kind == "page"]
    api = [e for e in endpoints if e.kind == "api"]
    out = [
        f"**Pages** ({len(pages)} operations on {len({e.path for e in pages})} paths)", "",
        head, sep, *_rows(pages), "",
        f"**API** ({len(api)} operations on {len({e.path for e in api})} paths)", "",
        head, sep, *_rows(api), "",
        "Object-level exceptions (the cell shows the label for roles the table alone does not let in):",
        "",
    ]
    for rule, (everywhere, label, who) in OBJECT_RULES.items():
        whom = _others(everywhere) if isinstance(everywhere, frozenset) else f"roles without `{everywhere}`"
        out.append(f"- *{label}* (`{rule}`, for {whom}): {who}.")
    out += ["", "Open views (no operation of the table):", ""]
    for name, (access, reason) in OPEN_VIEWS.items():
        out.append(f"- `{name}` — *{access}*: {reason}.")
    out += ["", "Not in the table: " + "; ".join(NOT_IN_TABLE.values()) + "."]
    return "\n".join(out)


def operations_in_use(endpoints: list[Endpoint] | None = None) -> set[str]:
    endpoints = all_endpoints() if endpoints is None else endpoints
    return {op for e in endpoints for op in e.ops if op in ROLE_OPERATIONS}
