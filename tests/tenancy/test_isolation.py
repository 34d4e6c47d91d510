"""Cross-organization references and HTML pages, proven generically from ``_meta`` and the URLconf.

For every tenant model and every relation to another tenant model: an object of A pointing at B's
object is refused by ``save()`` (keyed by the field), by the many-to-many guard, by the API's
related field (with the message of a missing id) and by tenant forms (which do not offer it). For
every HTML page with an integer in its URL: B's object answers 404 to A's users.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import modelform_factory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.test import APIRequestFactory

from cxgov.tenancy.api import TenantModelSerializer, TenantRelatedField
from cxgov.tenancy.forms import TenantModelForm
from cxgov.tenancy.models import TenantScoped, tenant_check

from .helpers import field_id, is_tenant_model, make, set_reference, tenant_fk_fields, tenant_m2m_fields

NOT_FOUND = "Not found in this organization."

FKS = tenant_fk_fields()
M2MS = tenant_m2m_fields()

FKS_SAVE = FKS


def test_relations_are_discovered():
    assert len(FKS) >= 10
    assert len(M2MS) >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("model_field", FKS_SAVE, ids=field_id)
def test_save_refuses_a_reference_into_another_organization(model_field, bare_orgs):
    model, field = model_field
    org_a, org_b = bare_orgs
    obj = make(model, org_a)
    foreign = make(field.related_model, org_b)

    setattr(obj, field.name, foreign)
    with pytest.raises(ValidationError) as exc:
        obj.save()
    assert exc.value.message_dict == {field.name: [NOT_FOUND]}
    with pytest.raises(ValidationError) as exc:
        obj.full_clean()
    assert NOT_FOUND in exc.value.message_dict[field.name]

    # By id only, without the cached object: the check reads the referenced row.
    fresh = model.objects.for_org(org_a).get(pk=obj.pk)
    setattr(fresh, field.attname, foreign.pk)
    with pytest.raises(ValidationError) as exc:
        fresh.save()
    assert field.name in exc.value.message_dict

    # Nothing was written.
    stored = model.objects.for_org(org_a).get(pk=obj.pk)
    assert getattr(stored, field.attname) != foreign.pk


@pytest.mark.django_db
@pytest.mark.parametrize("model_field", FKS, ids=field_id)
def test_save_accepts_a_reference_in_the_same_organization(model_field, bare_orgs):
    model, field = model_field
    org_a, _org_b = bare_orgs
    obj = make(model, org_a)
    own = make(field.related_model, org_a)
    if field.one_to_one and own.pk == obj.pk and field.related_model is model:
        own = make(field.related_model, org_a)
    set_reference(obj, field, own)
    obj.save()
    assert getattr(model.objects.for_org(org_a).get(pk=obj.pk), field.attname) == own.pk


@pytest.mark.django_db
@pytest.mark.parametrize("model_field", M2MS, ids=field_id)
def test_many_to_many_refuses_another_organization(model_field, bare_orgs):
    model, field = model_field
    org_a, org_b = bare_orgs
    obj = make(model, org_a)
    foreign = make(field.related_model, org_b)
    own = make(field.related_model, org_a)
    manager = getattr(obj, field.name)
    # Django's add() runs in atomic(savepoint=False): a refusal spoils the enclosing transaction,
    # so each attempt gets its own savepoint, as a caller that wants to carry on must do.
    for attempt in (lambda: manager.add(foreign), lambda: manager.set([own, foreign]),
                    lambda: manager.add(foreign.pk)):
        with pytest.raises(ValidationError), transaction.atomic():
            attempt()
    assert list(manager.all()) == []
    if not field.remote_field.hidden:
        reverse_manager = getattr(foreign, field.remote_field.get_accessor_name())
        with pytest.raises(ValidationError), transaction.atomic():
            reverse_manager.add(obj)
    manager.add(own)
    assert [o.pk for o in manager.all()] == [own.pk]


@pytest.mark.django_db
def test_tenant_check_helper(bare_orgs):
    org_a, org_b = bare_orgs
    model, field = FKS[0]
    own = make(field.related_model, org_a)
    foreign = make(field.related_model, org_b)
    tenant_check(org=org_a, ref=own, many=[own], empty=None)
    with pytest.raises(ValidationError) as exc:
        tenant_check(org=org_a, ref=own, many=[own, foreign])
    assert exc.value.message_dict == {"many": [NOT_FOUND]}


def _serializer_for(model, field):
    meta = type("Meta", (), {"model": model, "fields": [field.name]})
    return type(f"{model.__name__}TestSerializer", (TenantModelSerializer,), {"Meta": meta})


RELATIONS = [*FKS, *M2MS]


@pytest.mark.django_db
@pytest.mark.parametrize("model_field", RELATIONS, ids=field_id)
def test_serializer_refuses_another_organizations_id_like_a_missing_one(model_field, bare_orgs):
    model, field = model_field
    org_a, org_b = bare_orgs
    own = make(field.related_model, org_a)
    foreign = make(field.related_model, org_b)
    missing = field.related_model.objects.unscoped().order_by("-pk").first().pk + 1000  # any org: a free id
    serializer_class = _serializer_for(model, field)
    related = serializer_class().fields[field.name]
    child = getattr(related, "child_relation", related)
    assert isinstance(child, TenantRelatedField)

    def errors(value, context):
        data = {field.name: [value] if field.many_to_many else value}
        serializer = serializer_class(data=data, context=context)
        serializer.is_valid()
        return serializer.errors.get(field.name)

    request = APIRequestFactory().post("/")
    request.org = org_a
    for context in ({"org": org_a}, {"request": request}):
        foreign_errors = errors(foreign.pk, context)
        assert foreign_errors is not None
        assert [str(e) for e in foreign_errors] == [str(e) for e in errors(missing, context)]
        assert NOT_FOUND in str(foreign_errors)
        assert errors(own.pk, context) is None
    # No organization in the context: nothing is offered.
    assert errors(own.pk, {}) is not None


@pytest.mark.django_db
@pytest.mark.parametrize("model_field", [r for r in RELATIONS if r[1].editable], ids=field_id)
def test_tenant_model_form_offers_only_the_organizations_objects(model_field, bare_orgs):
    model, field = model_field
    org_a, org_b = bare_orgs
    own = make(field.related_model, org_a)
    foreign = make(field.related_model, org_b)
    form_class = modelform_factory(model, form=TenantModelForm, fields=[field.name])

    offered = {o.pk for o in form_class(org=org_a).fields[field.name].queryset}
    assert own.pk in offered
    assert foreign.pk not in offered

    # Editing an existing object of A (so model-level checks of other fields have their values).
    obj = make(model, org_a)
    value = [foreign.pk] if field.many_to_many else foreign.pk
    form = form_class(data={field.name: value}, instance=obj, org=org_a)
    assert not form.is_valid()
    assert field.name in form.errors
    form = form_class(data={field.name: [own.pk] if field.many_to_many else own.pk}, instance=obj, org=org_a)
    assert field.name not in form.errors


@pytest.mark.django_db
def test_tenant_model_form_reports_a_duplicate_within_the_organization(bare_orgs):
    """A unique constraint on (organization, …) is a form error, not an IntegrityError."""
    org_a, org_b = bare_orgs
    candidates = [
        (m, c) for m in {m for m, _f in FKS} | {f.related_model for _m, f in FKS}
        for c in m._meta.constraints
        if getattr(c, "fields", None) and "organization" in c.fields and len(c.fields) == 2
        and m._meta.get_field(c.fields[1]).editable and not m._meta.get_field(c.fields[1]).is_relation
    ]
    assert candidates
    model, constraint = sorted(candidates, key=lambda mc: mc[0]._meta.label)[0]
    other = constraint.fields[1]
    existing = make(model, org_a)
    second = make(model, org_a)
    in_b = make(model, org_b)
    form_class = modelform_factory(model, form=TenantModelForm, fields=[other])
    form = form_class(data={other: getattr(existing, other)}, instance=second, org=org_a)
    assert not form.is_valid()
    assert form.errors
    # The same value is free in another organization.
    form_b = form_class(data={other: getattr(existing, other)}, instance=in_b, org=org_b)
    assert form_b.is_valid(), form_b.errors


# --- HTML pages -------------------------------------------------------------------------------

# Pages with an integer in the URL that show no tenant model; each is covered by its own test.
NOT_TENANT_PAGES = {
    "api-token-revoke": "an API token, not a tenant model: tests/tenancy/test_tokens.py",
    "report-executive-month": "a calendar month (yyyy-mm), not an object id: tests/dashboards/test_report.py",
    "report-executive-pdf": "a calendar month (yyyy-mm), not an object id: tests/dashboards/test_report.py",
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from _walk(
                entry.url_patterns, prefix + str(entry.pattern), f"{namespace}{ns}:" if ns else namespace
            )
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", entry


def _int_params(pattern: URLPattern) -> list[str]:
    if isinstance(pattern.pattern, RoutePattern):
        return [k for k, conv in pattern.pattern.converters.items() if isinstance(conv, IntConverter)]
    if isinstance(pattern.pattern, RegexPattern):
        return [k for k in pattern.pattern.regex.groupindex if "\\d" in pattern.pattern.regex.pattern]
    return []


def html_pages_with_ids():
    pages = []
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/", "^admin/", "^api/")):
            continue
        if _int_params(pattern):
            pages.append((route, name, pattern))
    return pages


def _kwargs_for(pattern: URLPattern, view_class, obj) -> dict:
    """Fill the URL from ``obj``: its pk for the view's pk kwarg, its parents' ids for the others."""
    pk_kwarg = getattr(view_class, "pk_url_kwarg", "pk")
    kwargs = {}
    for name in _int_params(pattern):
        if name == pk_kwarg:
            kwargs[name] = obj.pk
            continue
        stem = name.removesuffix("_pk").removesuffix("_id")
        try:
            kwargs[name] = getattr(obj, obj._meta.get_field(stem).attname)
        except Exception:
            kwargs[name] = obj.pk
    return kwargs


def test_every_html_page_with_an_id_names_its_model():
    """A page outside the generic 404 test must say why; otherwise give its view a ``model``."""
    unexplained = []
    for route, name, pattern in html_pages_with_ids():
        view_class = getattr(pattern.callback, "view_class", None)
        model = getattr(view_class, "model", None)
        if name.split(":")[-1] in NOT_TENANT_PAGES:
            continue
        if not is_tenant_model(model):
            unexplained.append(f"{name} ({route})")
    assert unexplained == [], (
        "these pages take an id but their view has no TenantScoped `model`, so the generic isolation "
        f"test cannot cover them: {unexplained}"
    )


def _tenant_pages():
    return [
        (route, name, pattern) for route, name, pattern in html_pages_with_ids()
        if is_tenant_model(getattr(getattr(pattern.callback, "view_class", None), "model", None))
    ]


def test_the_existing_detail_pages_are_covered():
    covered = {p.callback.view_class.model for _r, _n, p in _tenant_pages()}
    assert len(covered) >= 1
    assert all(issubclass(m, TenantScoped) for m in covered)


@pytest.mark.django_db
@pytest.mark.parametrize("html_page", _tenant_pages(), ids=lambda p: p[1])
def test_html_page_answers_404_for_another_organizations_object(html_page, client, org_a, org_b, users_a):
    _route, name, pattern = html_page
    view_class = pattern.callback.view_class
    own = make(view_class.model, org_a)
    foreign = make(view_class.model, org_b)

    # Action pages (move, submit, delete…) answer POST only: ask them the way a browser does.
    ask = client.get if hasattr(view_class, "get") else client.post
    client.force_login(users_a["cx_lead"])
    own_response = ask(reverse(name, kwargs=_kwargs_for(pattern, view_class, own)))
    if own_response.status_code == 403:
        # A page the CX lead may not open at all: ask as A's admin, who may.
        client.force_login(users_a["admin"])
        own_response = ask(reverse(name, kwargs=_kwargs_for(pattern, view_class, own)))
    # Control: A's own object is reachable, so the 404 below is about the organization.
    assert own_response.status_code != 404, f"{name} answers 404 even for A's own object"
    assert own_response.status_code < 500

    foreign_url = reverse(name, kwargs=_kwargs_for(pattern, view_class, foreign))
    assert ask(foreign_url).status_code == 404
    if hasattr(view_class, "post"):
        assert client.post(foreign_url).status_code == 404
