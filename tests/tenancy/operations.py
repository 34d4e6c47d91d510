"""Requests for every discovered operation: fill its URL from real objects, send it, read the outcome.

Used by the permission matrix (tests/tenancy/test_matrix.py) and by the isolation walk
(tests/tenancy/test_isolation_operations.py). Nothing here names a view: a page or API operation added
tomorrow is tried by both as soon as its view declares its operation.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cxgov.tenancy.endpoints import Endpoint, all_endpoints
from cxgov.tenancy.models import ApiToken, Organization, TenantScoped, User
from cxgov.tenancy.roles import ObjectRule

from .helpers import is_tenant_model, make

# Non-object URL parameters get a real value by name (a new one fails loudly, with its name).
PARAM_EXAMPLES = {"year": "2026", "month": "01", "code": "default"}
FREE_ID = 987_654_321  # an id no row has, for parameters that are not tenant objects (an API token)


def _answer_of_another_assessor() -> dict[str, Any]:
    from tests.factories import UserFactory

    return {"is_consensus": False, "assessor": UserFactory()}


# For each object-level rule, how to make an object that grants nothing to the members being tried
# (factories already make initiatives without a team, cases and decisions owned by nobody tried here).
UNGRANTED: dict[str, Callable[[], dict[str, Any]]] = {
    ObjectRule.INITIATIVE_TEAM: dict,
    ObjectRule.CASE_OWNER: dict,
    ObjectRule.CASE_READER: dict,
    ObjectRule.DECISION_OWNER: dict,
    ObjectRule.ANSWER_READER: _answer_of_another_assessor,
    ObjectRule.TOUCHPOINT_GRANT: dict,  # nobody is granted a touchpoint here
}


def view_model(endpoint: Endpoint) -> type[TenantScoped] | None:
    """The tenant model whose id the operation's URL carries, from the view's declarations."""
    view = endpoint.view
    model = getattr(view, "model", None)
    if model is None and getattr(view, "queryset", None) is not None:
        model = view.queryset.model
    return model if is_tenant_model(model) else None


def object_params(endpoint: Endpoint) -> list[str]:
    return [p for p in endpoint.path_params if p not in PARAM_EXAMPLES]


def models_in_use(endpoints: list[Endpoint]) -> list[type[TenantScoped]]:
    found = {view_model(e) for e in endpoints if object_params(e)}
    return sorted((m for m in found if m is not None), key=lambda m: m._meta.label)


def url_for(endpoint: Endpoint, obj: TenantScoped | None, missing: int | None = None) -> str:
    """The operation's URL for ``obj`` (its pk, its parents' ids), or for ``missing`` ids throughout."""
    values: dict[str, Any] = {}
    pk_kwarg = getattr(endpoint.view, "pk_url_kwarg", None) or getattr(endpoint.view, "lookup_url_kwarg", None)
    for name in endpoint.path_params:
        if name in PARAM_EXAMPLES:
            values[name] = PARAM_EXAMPLES[name]
        elif obj is None:
            values[name] = missing if missing is not None else FREE_ID
        elif name in ("pk", "id", pk_kwarg):
            values[name] = obj.pk if missing is None else missing
        else:
            stem = name.removesuffix("_pk").removesuffix("_id")
            try:
                value = getattr(obj, obj._meta.get_field(stem).attname)
            except Exception:
                value = obj.pk
            values[name] = value if missing is None else missing
    if endpoint.kind == "page":
        return reverse(endpoint.name, kwargs=values)
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), endpoint.path)


@dataclass
class World:
    """Two organizations with a member of every role and one object of each model the URLs carry."""

    org_a: Organization
    org_b: Organization
    users_a: dict[str, User]
    users_b: dict[str, User]
    endpoints: list[Endpoint]
    objects_a: dict[type, TenantScoped] = field(default_factory=dict)
    objects_b: dict[type, TenantScoped] = field(default_factory=dict)
    tokens_a: dict[str, str] = field(default_factory=dict)

    def missing_id(self, model: type[TenantScoped]) -> int:
        last = model.objects.unscoped().order_by("-pk").values_list("pk", flat=True).first() or 0
        return last + 100_000


def build_world() -> World:
    from tests.conftest import _org_with_users

    org_a, users_a = _org_with_users("a")
    org_b, users_b = _org_with_users("b")
    world = World(org_a=org_a, org_b=org_b, users_a=users_a, users_b=users_b, endpoints=all_endpoints())
    ungranted = {view_model(e): UNGRANTED[e.object_rule] for e in world.endpoints if e.object_rule}
    for model in models_in_use(world.endpoints):
        world.objects_a[model] = make(model, org_a, **ungranted.get(model, dict)())
        world.objects_b[model] = make(model, org_b, **ungranted.get(model, dict)())
    for role, user in users_a.items():
        raw, prefix, key_hash = ApiToken.generate()
        ApiToken.objects.create(organization=org_a, user=user, name="matrix", prefix=prefix, key_hash=key_hash)
        world.tokens_a[role] = raw
    return world


class Caller:
    """Sends one operation as one principal, inside a savepoint rolled back afterwards.

    Every request (a delete, a logout, a language switch) leaves the database and the client's
    cookies as they were, so one populated pair of organizations serves every operation and role.
    """

    def __init__(self, *, user: User | None = None, token: str | None = None) -> None:
        self.page_client = Client(raise_request_exception=False)
        self.api_client = APIClient(raise_request_exception=False)
        if user is not None:
            self.page_client.force_login(user)
        if token is not None:
            self.api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        self._cookies = copy.deepcopy(self.page_client.cookies)

    def send(self, endpoint: Endpoint, url: str, *, rollback: bool = True, **query: Any):
        """The response; with ``rollback=False`` whatever the request wrote stays, for the caller to see."""
        self.page_client.cookies = copy.deepcopy(self._cookies)
        with transaction.atomic():
            if endpoint.kind == "page":
                response = self.page_client.generic(
                    endpoint.method, url + _query(query), data="",
                    content_type="application/x-www-form-urlencoded",
                )
            else:
                body = "" if endpoint.method in ("GET", "DELETE") else "{}"
                response = self.api_client.generic(endpoint.method, url + _query(query), data=body,
                                                   content_type="application/json")
            if rollback:
                transaction.set_rollback(True)
        return response


def _query(query: dict[str, Any]) -> str:
    if not query:
        return ""
    from urllib.parse import urlencode

    return "?" + urlencode(query)
