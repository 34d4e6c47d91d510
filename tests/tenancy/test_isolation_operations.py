"""Isolation for every operation: B's ids, in the path, the query or the body, are A's "not found".

The operations are the rows of the endpoint table (cxgov/tenancy/endpoints.py), discovered from the URL
configuration and the OpenAPI schema: every page and every API operation with an object id in its
path — actions and the endpoints mounted beside the router (``cases/``, ``feedback/``) included — is
sent by A's admin (a session for pages, a token for the API; the admin's role allows every operation,
so nothing is hidden behind a 403) with B's object's id and with a free id. Both must answer 404 with
the same body, and nothing of B's may change. Every integer query parameter that names a tenant model
(``?touchpoint=``) answers B's id exactly as a free one, and every reference field of every request
body offers none of B's objects or users.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from cxgov.tenancy.endpoints import all_endpoints
from cxgov.tenancy.models import Organization, TenantScoped, User

from .helpers import make, tenant_models
from .operations import Caller, object_params, url_for, view_model
from .test_isolation import NOT_TENANT_PAGES

ENDPOINTS = all_endpoints()
ID_OPERATIONS = [e for e in ENDPOINTS if object_params(e)]


def _id(endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


def test_every_operation_with_an_id_names_its_model():
    unexplained = [_id(e) for e in ID_OPERATIONS if view_model(e) is None and e.name not in NOT_TENANT_PAGES]
    assert unexplained == [], (
        "these operations take an id but their view names no TenantScoped model, so this walk cannot try "
        f"another organization's id on them: {unexplained}"
    )


def test_the_walk_covers_actions_and_the_endpoints_beside_the_router():
    api_paths = {e.path for e in ID_OPERATIONS if e.kind == "api"}
    assert {"/api/v1/cases/{id}/", "/api/v1/cases/{id}/close/", "/api/v1/feedback/{id}/",
            "/api/v1/assessments/{id}/submit/", "/api/v1/initiatives/{id}/transition/"} <= api_paths
    methods = {e.method for e in ID_OPERATIONS if e.kind == "api"}
    assert methods == {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert len([e for e in ID_OPERATIONS if e.kind == "page"]) >= 100


def _snapshot(org: Organization) -> dict[str, list]:
    """Every row of every tenant model of ``org``, as values: what "nothing changed" compares."""
    return {
        model._meta.label: sorted(map(repr, model.objects.for_org(org).order_by("pk").values_list()))
        for model in tenant_models()
    }


_VOLATILE = [
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(r'nonce="[^"]*"'),
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),  # a fresh form's idempotency key
]


def _body(response, url: str) -> str:
    text = response.content.decode("utf-8", "replace").replace(url, "<url>")
    for pattern in _VOLATILE:
        text = pattern.sub("", text)
    return text


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["page", "api"])
def test_another_organizations_id_is_not_found_like_a_free_one_for_every_operation(kind, world, unthrottled):
    admin = world.users_a["admin"]
    caller = Caller(user=admin) if kind == "page" else Caller(token=world.tokens_a["admin"])
    before_b = _snapshot(world.org_b)
    problems = []
    tried = 0
    for endpoint in ID_OPERATIONS:
        model = view_model(endpoint)
        if endpoint.kind != kind or model is None:
            continue
        foreign = world.objects_b[model]
        row = model.objects.for_org(world.org_b).filter(pk=foreign.pk).values().first()
        foreign_url = url_for(endpoint, foreign)
        free_url = url_for(endpoint, None, missing=world.missing_id(model))
        foreign_response = caller.send(endpoint, foreign_url, rollback=False)
        free_response = caller.send(endpoint, free_url, rollback=False)
        tried += 1
        if foreign_response.status_code != 404:
            problems.append(f"{endpoint.method} {foreign_url}: {foreign_response.status_code}, not 404")
        elif free_response.status_code != 404:
            problems.append(f"{endpoint.method} {free_url} (free id): {free_response.status_code}, not 404")
        elif _body(foreign_response, foreign_url) != _body(free_response, free_url):
            problems.append(f"{endpoint.method} {foreign_url}: the body differs from a free id's")
        if model.objects.for_org(world.org_b).filter(pk=foreign.pk).values().first() != row:
            problems.append(f"{endpoint.method} {foreign_url}: B's object changed")
    assert tried >= (100 if kind == "page" else 60)
    assert problems == [], "\n".join(problems)
    assert _snapshot(world.org_b) == before_b, "a request of A's changed B's rows"


# --- query parameters ------------------------------------------------------------------------------

def _models_by_name() -> dict[str, type[TenantScoped]]:
    return {m._meta.model_name: m for m in tenant_models()}


def _filter_model(view_class, name: str) -> type[TenantScoped] | None:
    filterset = getattr(view_class, "filterset_class", None)
    flt = filterset.base_filters.get(name) if filterset is not None else None
    queryset = getattr(flt, "queryset", None)
    if queryset is not None and not callable(queryset):
        model = queryset.model
        return model if issubclass(model, TenantScoped) else None
    return _models_by_name().get(name.removesuffix("_id").replace("_", ""))


def _is_integer(schema: dict) -> bool:
    return schema.get("type") == "integer" or schema.get("items", {}).get("type") == "integer"


def id_query_parameters() -> list[tuple]:
    """(endpoint, parameter, model) for every integer query parameter of a GET naming a tenant model."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    rows = {(e.method, e.path): e for e in ENDPOINTS if e.kind == "api"}
    found = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        endpoint = rows.get(("GET", path))
        if operation is None or endpoint is None:
            continue
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query" or not _is_integer(parameter.get("schema", {})):
                continue
            model = _filter_model(endpoint.view, parameter["name"])
            if model is not None:
                found.append((endpoint, parameter["name"], model))
    return found


QUERY_PARAMETERS = id_query_parameters()


def test_query_parameters_with_ids_are_discovered():
    names = {(e.path, name) for e, name, _m in QUERY_PARAMETERS}
    assert {("/api/v1/cases/", "touchpoint"), ("/api/v1/feedback/", "touchpoint"),
            ("/api/v1/touchpoints/", "journey")} <= names
    assert len(QUERY_PARAMETERS) >= 15


@pytest.mark.django_db
def test_a_query_parameter_with_another_organizations_id_answers_like_a_free_id(world, unthrottled):
    caller = Caller(token=world.tokens_a["admin"])
    made: dict[type, tuple[TenantScoped, TenantScoped]] = {}
    problems = []
    for endpoint, name, model in QUERY_PARAMETERS:
        if model not in made:
            made[model] = (world.objects_a.get(model) or make(model, world.org_a),
                           world.objects_b.get(model) or make(model, world.org_b))
        own, foreign = made[model]
        foreign_response = caller.send(endpoint, endpoint.path, **{name: foreign.pk})
        free_response = caller.send(endpoint, endpoint.path, **{name: world.missing_id(model)})
        if foreign_response.status_code >= 500 or (
            (foreign_response.status_code, foreign_response.content)
            != (free_response.status_code, free_response.content)
        ):
            problems.append(f"GET {endpoint.path}?{name}=<B's id>: {foreign_response.status_code} "
                            f"{foreign_response.content[:200]!r} vs free id {free_response.status_code}")
    assert problems == [], "\n".join(problems)


# --- references in request bodies ------------------------------------------------------------------

def _request_serializers(endpoint) -> list[type[serializers.BaseSerializer]]:
    view = endpoint.view
    found = []
    declared = getattr(view, "serializer_class", None)
    if declared is not None:
        found.append(declared)
    # The body an action documents (``@extend_schema(request=…)``), when it differs from the view's.
    handler = getattr(view, endpoint.action or endpoint.method.lower(), None)
    request = (getattr(handler, "_spectacular_annotation", {}) or {}).get("request")
    if isinstance(request, type) and issubclass(request, serializers.BaseSerializer):
        found.append(request)
    elif isinstance(request, serializers.BaseSerializer):
        found.append(type(request))
    return found


def _reference_fields(serializer: serializers.BaseSerializer, prefix: str = ""):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ManyRelatedField):
            field = field.child_relation
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.BaseSerializer):
            yield from _reference_fields(field, f"{prefix}{name}.")
        elif isinstance(field, serializers.RelatedField):
            yield f"{prefix}{name}", field


WRITE_OPERATIONS = [e for e in ENDPOINTS if e.kind == "api" and e.method in ("POST", "PUT", "PATCH")]


@pytest.mark.django_db
def test_no_reference_field_of_any_request_body_offers_another_organizations_rows(world):
    request = APIRequestFactory().post("/")
    request.org = world.org_a
    request.user = world.users_a["admin"]
    context = {"org": world.org_a, "request": request}
    checked, problems = set(), []
    for endpoint in WRITE_OPERATIONS:
        for serializer_class in _request_serializers(endpoint):
            try:
                serializer = serializer_class(context=context)
            except TypeError:
                continue
            for name, field in _reference_fields(serializer):
                key = (serializer_class.__qualname__, name)
                if key in checked:
                    continue
                checked.add(key)
                offered = field.get_queryset()
                model = offered.model
                if issubclass(model, TenantScoped):
                    foreign = world.objects_b.get(model) or make(model, world.org_b)
                    leaked = offered.filter(pk=foreign.pk).exists()
                elif model is User:
                    leaked = offered.filter(pk=world.users_b["admin"].pk).exists()
                else:
                    continue
                if leaked:
                    problems.append(f"{serializer_class.__qualname__}.{name} ({_id(endpoint)}) offers B's {model}")
    assert len(checked) >= 20
    assert problems == [], "\n".join(problems)


# --- query parameters of pages -----------------------------------------------------------------------

def _page_filter_candidates(world, caller) -> list[tuple]:
    """(endpoint, parameter, model) for every list page whose own HTML has a field named like a tenant model.

    Pages have no schema: a page's filter form shows its fields, so the page itself says which
    parameters it reads (``<select name="touchpoint">``).
    """
    by_name = _models_by_name()
    found = []
    for endpoint in ENDPOINTS:
        if endpoint.kind != "page" or endpoint.method != "GET" or endpoint.path_params or endpoint.access != "op":
            continue
        response = caller.send(endpoint, url_for(endpoint, None))
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode("utf-8", "replace")
        for name in sorted(set(re.findall(r'<select[^>]*\sname="(\w+)"', html))):
            model = by_name.get(name.replace("_", ""))
            if model is not None:
                found.append((endpoint, name, model))
    return found


def _page_body(response, name: str) -> str:
    text = response.content.decode("utf-8", "replace")
    text = re.sub(rf"{name}=\d+", f"{name}=<id>", text)
    for pattern in _VOLATILE:
        text = pattern.sub("", text)
    return text


@pytest.mark.django_db
def test_a_page_filter_with_another_organizations_id_answers_like_a_free_id(world):
    caller = Caller(user=world.users_a["admin"])
    candidates = _page_filter_candidates(world, caller)
    assert len(candidates) >= 5, candidates
    problems = []
    for endpoint, name, model in candidates:
        foreign = world.objects_b.get(model) or make(model, world.org_b)
        url = url_for(endpoint, None)
        foreign_response = caller.send(endpoint, url, **{name: foreign.pk})
        free_response = caller.send(endpoint, url, **{name: world.missing_id(model)})
        if foreign_response.status_code >= 500 or foreign_response.status_code != free_response.status_code:
            problems.append(f"GET {url}?{name}=<B's id>: {foreign_response.status_code}, "
                            f"free id {free_response.status_code}")
        elif _page_body(foreign_response, name) != _page_body(free_response, name):
            problems.append(f"GET {url}?{name}=<B's id>: the page differs from a free id's")
    assert problems == [], "\n".join(problems)
