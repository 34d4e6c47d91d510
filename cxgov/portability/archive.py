"""The export format: which models an organization's archive holds, in which order, and how.

Discovered from the app registry, so a tenant model added by any app is exported, deleted and
restored without an edit here. The archive is a zip:

- ``manifest.json``: format and version, the organization, row counts per model, files, notes;
- ``organization.json``, ``memberships.json``, ``users.json`` (members and every user a row refers
  to: email, name, language; password hashes of members, so a restore keeps their sign-in; API
  tokens are not exported and must be issued again);
- ``data.json``: every tenant model's rows (Django's serializer format), models ordered so that a
  model comes after the models it points at; references to users are by email (natural keys);
- ``grants.json``: django-guardian object grants (direct foreign keys) on the organization's objects;
- ``csv/<app>.<model>.csv``: the same rows, one CSV per model, for spreadsheets;
- ``files/<name>``: every uploaded file the rows refer to.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cxgov.tenancy.models import Organization, TenantScoped

FORMAT = "cxgov-organization-export"
VERSION = 1
# An export does not contain the organization's earlier exports (they are files about files).
EXCLUDED_MODELS = frozenset({"portability.DataExport"})


def _concrete(model: type[models.Model]) -> bool:
    return not model._meta.abstract and not model._meta.proxy


def tenant_models() -> list[type[TenantScoped]]:
    """Every concrete tenant model, whatever the export does with it."""
    return [m for m in apps.get_models() if issubclass(m, TenantScoped) and _concrete(m)]


def dependency_order(candidates: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    """Models ordered so that each comes after the models its foreign keys point at (stable, by label;
    a cycle, if one ever appears, is broken in label order — loading defers constraint checks)."""
    pending = {m._meta.label: m for m in candidates}
    needs = {
        label: {
            f.related_model._meta.label for f in m._meta.concrete_fields
            if f.is_relation and (f.many_to_one or f.one_to_one)
            and f.related_model._meta.label in pending and f.related_model is not m
        }
        for label, m in pending.items()
    }
    ordered: list[type[models.Model]] = []
    done: set[str] = set()
    while pending:
        ready = sorted(label for label in pending if needs[label] <= done)
        if not ready:
            ready = [sorted(pending)[0]]
        for label in ready:
            ordered.append(pending.pop(label))
            done.add(label)
    return ordered


def exported_models() -> list[type[TenantScoped]]:
    """The tenant models an archive holds, in dependency order."""
    return dependency_order(m for m in tenant_models() if m._meta.label not in EXCLUDED_MODELS)


def grant_models() -> list[type[models.Model]]:
    """django-guardian direct-foreign-key user grant models whose object is a tenant model."""
    found = []
    for model in apps.get_models():
        if not (issubclass(model, UserObjectPermissionBase) and _concrete(model)):
            continue
        target = model._meta.get_field("content_object").related_model
        if isinstance(target, type) and issubclass(target, TenantScoped):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def group_grant_models() -> list[type[models.Model]]:
    """Group grant models on tenant objects: groups are not organization data, so these are not
    exported; the manifest lists them when they hold rows (none of cxgov's apps uses group grants)."""
    found = []
    for model in apps.get_models():
        if issubclass(model, GroupObjectPermissionBase) and _concrete(model):
            target = model._meta.get_field("content_object").related_model
            if isinstance(target, type) and issubclass(target, TenantScoped):
                found.append(model)
    return found


def user_fields(model: type[models.Model]) -> list[models.Field]:
    """Foreign keys from ``model`` to the user model."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    return [
        f for f in model._meta.concrete_fields
        if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model is user_model
    ]


def outside_references(model: type[models.Model]) -> list[models.Field]:
    """Foreign keys from an exported model to rows the archive does not carry.

    Users travel by email and models with natural keys (content types, permissions) by those; the
    organization is in the archive. Anything else (an API request log's token, say: tokens are never
    exported) is outside: nullable ones are exported empty, and a required one is a programming error
    reported by ``tests/portability``.
    """
    carried = {m._meta.label for m in exported_models()} | {Organization._meta.label}
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    outside = []
    for f in model._meta.concrete_fields:
        if not (f.is_relation and (f.many_to_one or f.one_to_one)):
            continue
        target = f.related_model
        if target is user_model or target._meta.label in carried or hasattr(target, "natural_key"):
            continue
        outside.append(f)
    return outside


def file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
