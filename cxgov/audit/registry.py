"""Which models the audit trail records, discovered from the app registry at start-up.

Every concrete model of the programme apps (framework, governance, maturity, initiatives) is
audited, so a model added to one of them later is covered without an edit here. Of the Voice of
Customer app only the configuration is audited (metric definitions, sources, journeys, touchpoints,
segments, products, root causes): feedback responses are immutable (no code path updates them, which
``tests/audit/test_responses_immutable.py`` proves), and rollups and import jobs are derived data.
Memberships and API tokens are audited too; a token's hash never enters the trail.
"""

from __future__ import annotations

from typing import Any

from auditlog.registry import auditlog
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from cxgov.tenancy.models import TenantScoped

AUDITED_APPS = ("cem_levers", "governance", "maturity", "initiatives")
AUDITED_MODELS = (
    "voc.Metric", "voc.DataSource", "voc.Journey", "voc.JourneyStage", "voc.Touchpoint", "voc.Segment",
    "voc.Product", "voc.RootCause", "tenancy.Membership", "tenancy.ApiToken",
)
# Fields never written to the trail: the organization is in every entry's additional data already,
# and a token's hash is a secret even though it is not the token.
EXCLUDED_FIELDS: dict[str, tuple[str, ...]] = {"tenancy.ApiToken": ("key_hash",)}
ALWAYS_EXCLUDED = ("organization",)


def audited_models() -> list[type[models.Model]]:
    """The models the audit trail records, in a stable order (app label, model name)."""
    found: dict[str, type[models.Model]] = {}
    for label in AUDITED_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if not model._meta.abstract and not model._meta.proxy:
                found[model._meta.label] = model
    for label in AUDITED_MODELS:
        model = apps.get_model(label)
        found[model._meta.label] = model
    return [found[k] for k in sorted(found)]


def organization_id_of(instance: models.Model) -> int | None:
    """The organization an audited object belongs to: its own ``organization_id``, else that of the
    first tenant object it points at (a django-guardian grant points at its object)."""
    org_id = getattr(instance, "organization_id", None)
    if org_id is not None:
        return org_id
    for field in instance._meta.concrete_fields:
        if (field.many_to_one or field.one_to_one) and isinstance(field.related_model, type) \
                and issubclass(field.related_model, TenantScoped):
            related = getattr(instance, field.name, None)
            if related is not None:
                return related.organization_id
    return None


def _additional_data(self: models.Model) -> dict[str, Any]:
    return {"organization_id": organization_id_of(self)}


def register_all() -> None:
    """Register every audited model with django-auditlog (idempotent)."""
    for model in audited_models():
        if auditlog.contains(model):
            continue
        if not callable(getattr(model, "get_additional_data", None)):
            # TenantScoped models carry the method; memberships, tokens and object grants get the
            # same one here, so every entry of the trail names its organization.
            model.get_additional_data = _additional_data
        excluded = [*ALWAYS_EXCLUDED, *EXCLUDED_FIELDS.get(model._meta.label, ())]
        auditlog.register(
            model,
            exclude_fields=[f for f in excluded if _has_field(model, f)],
            m2m_fields={f.name for f in model._meta.local_many_to_many},
        )


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
