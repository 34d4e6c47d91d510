"""Writes on the CEM framework: an organization renames, describes and reorders its levers."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cxgov.tenancy.models import Organization, tenant_check

from .models import Lever

_TEXT_LIMITS = {"name_en": 200, "name_es": 200, "description_en": None, "description_es": None}


@transaction.atomic
def lever_update(
    *,
    org: Organization,
    lever: Lever,
    name_en: str | None = None,
    name_es: str | None = None,
    description_en: str | None = None,
    description_es: str | None = None,
    is_active: bool | None = None,
) -> Lever:
    """Rename or describe a lever in either language; arguments left as None keep their value.

    A lever keeps a name in at least one language. Its code does not change: integrations and the
    default catalogue refer to it.
    """
    tenant_check(org=org, lever=lever)
    changes = {"name_en": name_en, "name_es": name_es, "description_en": description_en,
               "description_es": description_es}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if value is None:
            continue
        value = value.strip()
        limit = _TEXT_LIMITS[name]
        if limit is not None and len(value) > limit:
            errors[name] = [_("Keep this under %(n)d characters.") % {"n": limit}]
        setattr(lever, name, value)
    if not (lever.name_en or lever.name_es):
        errors["name_en"] = [_("Give a name in English or Spanish.")]
    if errors:
        raise ValidationError(errors)
    fields = [name for name, value in changes.items() if value is not None]
    if is_active is not None:
        lever.is_active = is_active
        fields.append("is_active")
    if fields:
        lever.save(update_fields=fields)
    return lever


@transaction.atomic
def levers_reorder(*, org: Organization, lever_ids: Sequence[int]) -> list[Lever]:
    """Put the organization's levers in the given order (positions 1..n).

    ``lever_ids`` must name every lever of the organization exactly once, so a stale or partial
    list from a form cannot silently scramble the order.
    """
    levers = {lever.pk: lever for lever in Lever.objects.for_org(org).select_for_update()}
    ids = list(lever_ids)
    if len(set(ids)) != len(ids):
        raise ValidationError({"lever_ids": [_("Each lever may appear only once.")]})
    if set(ids) != set(levers):
        raise ValidationError({"lever_ids": [_("List every lever of this organization, and only those.")]})
    ordered = [levers[pk] for pk in ids]
    for position, lever in enumerate(ordered, start=1):
        lever.position = position
    Lever.objects.for_org(org).bulk_update(ordered, ["position"])
    return ordered
