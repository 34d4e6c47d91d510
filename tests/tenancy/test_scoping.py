"""Fail-closed scoping, proven for every concrete ``TenantScoped`` model (discovered, not listed)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import Count

from cxgov.tenancy.models import TenantScoped, TenantScopeError
from tests.factories import FACTORIES

from .helpers import (
    DOMAIN_APPS,
    field_id,
    label,
    make,
    set_reference,
    tenant_fk_fields,
    tenant_m2m_fields,
    tenant_models,
)

MODELS = tenant_models()


def test_tenant_models_are_discovered():
    assert len(MODELS) >= 10


@pytest.mark.parametrize("app_label", DOMAIN_APPS)
def test_every_domain_model_derives_from_tenant_scoped(app_label):
    models = list(apps.get_app_config(app_label).get_models())
    assert models, f"{app_label} has no models"
    escaped = [m._meta.label for m in models if not issubclass(m, TenantScoped) and not _is_scoped_grant(m)]
    assert escaped == [], f"domain models outside tenancy: {escaped}"


def _is_scoped_grant(model) -> bool:
    """django-guardian direct-FK grants are scoped through the tenant object they point at."""
    from guardian.models import UserObjectPermissionBase

    if not issubclass(model, UserObjectPermissionBase):
        return False
    target = model._meta.get_field("content_object").related_model
    return issubclass(target, TenantScoped)


def test_every_tenant_model_has_a_factory():
    missing = [label(m) for m in MODELS if m not in FACTORIES]
    assert missing == [], f"add a factory to tests/factories.py FACTORIES for: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=label)
class TestUnscopedQueriesRaise:
    def test_evaluation(self, model):
        with pytest.raises(TenantScopeError):
            list(model.objects.all())
        with pytest.raises(TenantScopeError):
            list(model.objects.filter(pk=1))
        with pytest.raises(TenantScopeError):
            model.objects.first()
        with pytest.raises(TenantScopeError):
            model.objects.get(pk=1)

    def test_count_and_exists(self, model):
        with pytest.raises(TenantScopeError):
            model.objects.count()
        with pytest.raises(TenantScopeError):
            model.objects.exists()
        with pytest.raises(TenantScopeError):
            model.objects.aggregate(n=Count("pk"))

    def test_update_and_delete(self, model, bare_orgs):
        org_a, _org_b = bare_orgs
        obj = make(model, org_a)
        with pytest.raises(TenantScopeError):
            model.objects.filter(pk=obj.pk).update(organization=org_a)
        with pytest.raises(TenantScopeError):
            model.objects.all().delete()
        assert model.objects.for_org(org_a).filter(pk=obj.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=label)
def test_for_org_returns_only_that_organization(model, bare_orgs):
    org_a, org_b = bare_orgs
    a = make(model, org_a)
    b = make(model, org_b)
    ids_a = set(model.objects.for_org(org_a).values_list("pk", flat=True))
    ids_b = set(model.objects.for_org(org_b.pk).values_list("pk", flat=True))
    assert a.pk in ids_a and b.pk not in ids_a
    assert b.pk in ids_b and a.pk not in ids_b
    assert model.objects.for_org(org_a).count() == len(ids_a)
    assert model.objects.for_org(org_a).filter(pk=b.pk).first() is None


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=label)
def test_unscoped_is_the_escape_hatch(model, bare_orgs):
    org_a, org_b = bare_orgs
    a = make(model, org_a)
    b = make(model, org_b)
    # The escape hatch under test: system code that spans organizations.
    assert model.objects.unscoped().filter(pk__in=[a.pk, b.pk]).count() == 2


def test_for_org_refuses_none():
    with pytest.raises(TenantScopeError):
        MODELS[0].objects.for_org(None)


FKS = [(m, f) for (m, f) in tenant_fk_fields() if not f.remote_field.hidden]


@pytest.mark.django_db
@pytest.mark.parametrize("model_field", FKS, ids=field_id)
def test_related_managers_work_from_an_instance(model_field, bare_orgs):
    model, field = model_field
    org_a, _org_b = bare_orgs
    child = make(model, org_a)
    parent = getattr(child, field.name)
    if parent is None:
        parent = make(field.related_model, org_a)
        set_reference(child, field, parent)
        child.save()
    parent = field.related_model.objects.for_org(org_a).get(pk=parent.pk)
    related = getattr(parent, field.remote_field.get_accessor_name())
    if field.one_to_one:
        assert related.pk == child.pk
    else:
        assert child.pk in {o.pk for o in related.all()}
        assert related.count() >= 1
        assert related.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model_field", tenant_m2m_fields(), ids=field_id)
def test_many_to_many_managers_work_from_an_instance(model_field, bare_orgs):
    model, field = model_field
    org_a, _org_b = bare_orgs
    obj = make(model, org_a)
    target = make(field.related_model, org_a)
    getattr(obj, field.name).add(target)
    assert [o.pk for o in getattr(obj, field.name).all()] == [target.pk]
    if not field.remote_field.hidden:
        assert obj.pk in {o.pk for o in getattr(target, field.remote_field.get_accessor_name()).all()}


@pytest.mark.django_db
def test_date_unique_checks_stay_within_the_organization(bare_orgs):
    """unique_for_date-style checks see this organization's rows only, and never raise unscoped."""
    import datetime as dt

    from tests.factories import MilestoneFactory

    org_a, org_b = bare_orgs
    day = dt.date(2026, 3, 11)
    MilestoneFactory(organization=org_a, title="Go live", due_date=day)
    MilestoneFactory(organization=org_b, title="Launch", due_date=day)
    checks = [(MilestoneFactory._meta.model, "date", "title", "due_date")]
    clash = MilestoneFactory.build(organization=org_a, title="Go live", due_date=day)
    assert "title" in clash._perform_date_checks(checks)
    elsewhere = MilestoneFactory.build(organization=org_a, title="Launch", due_date=day)
    assert elsewhere._perform_date_checks(checks) == {}
