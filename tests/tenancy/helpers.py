"""Generic helpers for the tenancy suite: discover tenant models and relations from ``_meta``.

Nothing here names a domain model, so a model added tomorrow is covered by every test that uses
these helpers without anyone editing them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction

from cxgov.tenancy.models import Organization, TenantScoped
from tests.factories import FACTORIES

DOMAIN_APPS = ("cem_levers", "voc", "initiatives", "governance", "maturity")


def tenant_models() -> list[type[TenantScoped]]:
    """Every concrete model deriving from ``TenantScoped``, in every installed app."""
    return [
        m for m in apps.get_models()
        if issubclass(m, TenantScoped) and not m._meta.abstract and not m._meta.proxy
    ]


def is_tenant_model(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, TenantScoped)


def tenant_fk_fields() -> list[tuple[type[TenantScoped], models.Field]]:
    """(model, field) for every forward FK / one-to-one from a tenant model to another tenant model."""
    found = []
    for model in tenant_models():
        for field in model._meta.concrete_fields:
            if field.name == "organization" or not field.is_relation:
                continue
            if (field.many_to_one or field.one_to_one) and is_tenant_model(field.related_model):
                found.append((model, field))
    return found


def tenant_m2m_fields() -> list[tuple[type[TenantScoped], models.Field]]:
    """(model, field) for every many-to-many from a tenant model to another tenant model."""
    return [
        (model, field)
        for model in tenant_models()
        for field in model._meta.local_many_to_many
        if is_tenant_model(field.related_model)
    ]


def make(model: type[TenantScoped], org: Organization, **kwargs: Any) -> TenantScoped:
    """One object of ``model`` in ``org`` from its factory.

    Organizations made by ``organization_create`` already hold the default catalogue; a factory
    whose fixed values collide with it (a maturity stage of level 1, say) falls back to a catalogue
    row of that organization, which is just as good an object of the model in that organization.
    """
    factory = FACTORIES[model]
    try:
        with transaction.atomic():
            return factory(organization=org, **kwargs)
    except IntegrityError:
        if kwargs:
            raise
        existing = model.objects.for_org(org).order_by("pk").first()
        if existing is None:
            raise
        return existing


def label(model: type[Any]) -> str:
    return model._meta.label


def field_id(item: tuple[type[Any], models.Field]) -> str:
    return f"{item[0]._meta.label}.{item[1].name}"


def set_reference(obj: TenantScoped, field: models.Field, value: TenantScoped) -> None:
    """Point ``obj.field`` at ``value``, clearing sibling references a model declares exclusive.

    A model whose rows point at exactly one of several targets (a RACI row is about a lever, a
    journey or an initiative) lists those fields in ``exclusive_fk_groups``.
    """
    for group in getattr(type(obj), "exclusive_fk_groups", ()):
        if field.name in group:
            for other in group:
                if other != field.name:
                    setattr(obj, other, None)
    setattr(obj, field.name, value)
