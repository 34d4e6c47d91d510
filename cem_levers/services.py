"""Writes on the CEM framework: an organization names, describes, orders and extends its groups,
levers and practices. Nothing here deletes: deactivated rows keep their past answers and scores."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cxgov.tenancy.models import Organization, tenant_check

from .models import Lever, LeverGroup, Practice

_TEXT_LIMITS = {"name_en": 200, "name_es": 200, "description_en": None, "description_es": None}
Direction = Literal["up", "down"]


def _apply_texts(obj: LeverGroup | Lever | Practice, texts: dict[str, str | None]) -> list[str]:
    """Set the given bilingual texts (None: keep), stripped and length-checked; the changed fields.

    Raises ``ValidationError`` keyed by field; the object keeps a name in at least one language.
    """
    errors: dict[str, list[str]] = {}
    changed = []
    for name, value in texts.items():
        if value is None:
            continue
        value = value.strip()
        limit = _TEXT_LIMITS[name]
        if limit is not None and len(value) > limit:
            errors[name] = [_("Keep this under %(n)d characters.") % {"n": limit}]
        setattr(obj, name, value)
        changed.append(name)
    if not (obj.name_en or obj.name_es):
        errors["name_en"] = [_("Give a name in English or Spanish.")]
    if errors:
        raise ValidationError(errors)
    return changed


def _free_code(model: type, org: Organization, wanted: str, stem: str, max_length: int) -> str:
    """``wanted`` if given (validated), else a slug of ``stem`` made unique in the organization."""
    taken = set(model.objects.for_org(org).values_list("code", flat=True))
    if wanted:
        wanted = wanted.strip()
        if not re.fullmatch(r"[-a-zA-Z0-9_.]+", wanted) or len(wanted) > max_length:
            raise ValidationError({"code": [
                _("Use letters, digits, hyphens, underscores or dots, up to %(n)d characters.") % {"n": max_length}
            ]})
        if wanted in taken:
            raise ValidationError({"code": [_("Already exists in this organization.")]})
        return wanted
    base = (slugify(stem).replace("-", "_") or "item")[: max_length - 4]
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _renumber_levers(org: Organization) -> None:
    """Positions 1..n over the active levers in (group, position) order, inactive ones after."""
    levers = list(
        Lever.objects.for_org(org).select_related("group")
        .order_by("-is_active", "group__position", "position", "id")
    )
    for position, lever in enumerate(levers, start=1):
        lever.position = position
    Lever.objects.for_org(org).bulk_update(levers, ["position"])


def _swap(items: list, index: int, direction: Direction) -> list:
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def _check_direction(direction: str) -> None:
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Move up or down.")]})


@transaction.atomic
def lever_group_create(
    *, org: Organization, name_en: str = "", name_es: str = "", description_en: str = "",
    description_es: str = "", code: str = "",
) -> LeverGroup:
    """Add a group at the end of the framework (code generated from the name when not given)."""
    group = LeverGroup(organization=org)
    _apply_texts(group, {"name_en": name_en, "name_es": name_es, "description_en": description_en,
                         "description_es": description_es})
    group.code = _free_code(LeverGroup, org, code, group.name_en or group.name_es, 50)
    group.position = (LeverGroup.objects.for_org(org).aggregate(m=Max("position"))["m"] or 0) + 1
    group.save()
    return group


@transaction.atomic
def lever_group_update(
    *, org: Organization, group: LeverGroup, name_en: str | None = None, name_es: str | None = None,
    description_en: str | None = None, description_es: str | None = None,
) -> LeverGroup:
    """Rename or describe a group in either language; None keeps a value."""
    tenant_check(org=org, group=group)
    fields = _apply_texts(group, {"name_en": name_en, "name_es": name_es, "description_en": description_en,
                                  "description_es": description_es})
    if fields:
        group.save(update_fields=fields)
    return group


@transaction.atomic
def lever_group_move(*, org: Organization, group: LeverGroup, direction: Direction) -> list[LeverGroup]:
    """Swap an active group with its neighbour; lever numbers follow the new group order."""
    tenant_check(org=org, group=group)
    _check_direction(direction)
    groups = list(LeverGroup.objects.for_org(org).select_for_update().filter(is_active=True)
                  .order_by("position", "id"))
    index = next((i for i, g in enumerate(groups) if g.pk == group.pk), None)
    if index is None:
        raise ValidationError({"group": [_("Only an active group can be moved.")]})
    groups = _swap(groups, index, direction)
    for position, g in enumerate(groups, start=1):
        g.position = position
    LeverGroup.objects.for_org(org).bulk_update(groups, ["position"])
    _renumber_levers(org)
    return groups


@transaction.atomic
def lever_create(
    *, org: Organization, group: LeverGroup, name_en: str = "", name_es: str = "", description_en: str = "",
    description_es: str = "", code: str = "",
) -> Lever:
    """Add a lever at the end of ``group`` (an active group of the organization)."""
    tenant_check(org=org, group=group)
    if not group.is_active:
        raise ValidationError({"group": [_("This group is not part of the active framework.")]})
    lever = Lever(organization=org, group=group)
    _apply_texts(lever, {"name_en": name_en, "name_es": name_es, "description_en": description_en,
                         "description_es": description_es})
    lever.code = _free_code(Lever, org, code, lever.name_en or lever.name_es, 50)
    lever.position = 10_000
    lever.save()
    _renumber_levers(org)
    lever.refresh_from_db(fields=["position"])
    return lever


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
    fields = _apply_texts(lever, {"name_en": name_en, "name_es": name_es, "description_en": description_en,
                                  "description_es": description_es})
    if is_active is not None and is_active != lever.is_active:
        if is_active and not lever.group.is_active:
            raise ValidationError({"is_active": [_("Its group is not part of the active framework.")]})
        lever.is_active = is_active
        fields.append("is_active")
    if fields:
        lever.save(update_fields=fields)
    if "is_active" in fields:
        _renumber_levers(org)
        lever.refresh_from_db(fields=["position"])
    return lever


@transaction.atomic
def lever_move(
    *, org: Organization, lever: Lever, direction: Direction | None = None, group: LeverGroup | None = None,
) -> Lever:
    """Move a lever one place up or down within its group, or to the end of another active group."""
    tenant_check(org=org, lever=lever, group=group)
    if group is not None and group.pk != lever.group_id:
        if not group.is_active:
            raise ValidationError({"group": [_("This group is not part of the active framework.")]})
        lever.group = group
        lever.position = 10_000
        lever.save(update_fields=["group", "position"])
    elif direction is not None:
        _check_direction(direction)
        siblings = list(Lever.objects.for_org(org).select_for_update()
                        .filter(group_id=lever.group_id, is_active=True).order_by("position", "id"))
        index = next((i for i, s in enumerate(siblings) if s.pk == lever.pk), None)
        if index is None:
            raise ValidationError({"lever": [_("Only an active lever can be moved.")]})
        siblings = _swap(siblings, index, direction)
        base = min(s.position for s in siblings)
        for offset, s in enumerate(siblings):
            s.position = base + offset
        Lever.objects.for_org(org).bulk_update(siblings, ["position"])
    else:
        raise ValidationError({"direction": [_("Move up or down, or choose another group.")]})
    _renumber_levers(org)
    lever.refresh_from_db(fields=["position", "group"])
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


@transaction.atomic
def practice_create(
    *, org: Organization, lever: Lever, name_en: str = "", name_es: str = "", description_en: str = "",
    description_es: str = "", code: str = "",
) -> Practice:
    """Add a practice at the end of ``lever``; its code defaults to ``<lever code>.<name slug>``."""
    tenant_check(org=org, lever=lever)
    practice = Practice(organization=org, lever=lever)
    _apply_texts(practice, {"name_en": name_en, "name_es": name_es, "description_en": description_en,
                            "description_es": description_es})
    stem = f"{lever.code}.{slugify(practice.name_en or practice.name_es).replace('-', '_')}"
    practice.code = _free_code(Practice, org, code, stem, 60) if code.strip() else _practice_code(org, stem)
    practice.position = (Practice.objects.for_org(org).filter(lever=lever).aggregate(m=Max("position"))["m"]
                         or 0) + 1
    practice.save()
    return practice


def _practice_code(org: Organization, stem: str) -> str:
    taken = set(Practice.objects.for_org(org).values_list("code", flat=True))
    stem = stem[:56]
    code, n = stem, 2
    while code in taken:
        code, n = f"{stem}_{n}", n + 1
    return code


@transaction.atomic
def practice_update(
    *, org: Organization, practice: Practice, name_en: str | None = None, name_es: str | None = None,
    description_en: str | None = None, description_es: str | None = None, is_active: bool | None = None,
) -> Practice:
    """Rename, describe, deactivate or reactivate a practice (past answers stay readable)."""
    tenant_check(org=org, practice=practice)
    fields = _apply_texts(practice, {"name_en": name_en, "name_es": name_es, "description_en": description_en,
                                     "description_es": description_es})
    if is_active is not None and is_active != practice.is_active:
        practice.is_active = is_active
        fields.append("is_active")
    if fields:
        practice.save(update_fields=fields)
    return practice


@transaction.atomic
def practice_move(*, org: Organization, practice: Practice, direction: Direction) -> Practice:
    """Move a practice one place up or down among its lever's practices."""
    tenant_check(org=org, practice=practice)
    _check_direction(direction)
    siblings = list(Practice.objects.for_org(org).select_for_update().filter(lever_id=practice.lever_id)
                    .order_by("-is_active", "position", "id"))
    active = [s for s in siblings if s.is_active]
    index = next((i for i, s in enumerate(active) if s.pk == practice.pk), None)
    if index is None:
        raise ValidationError({"practice": [_("Only an active practice can be moved.")]})
    # Active practices swap among themselves; inactive ones stay after them.
    siblings = _swap(active, index, direction) + [s for s in siblings if not s.is_active]
    for position, s in enumerate(siblings, start=1):
        s.position = position
    Practice.objects.for_org(org).bulk_update(siblings, ["position"])
    practice.refresh_from_db(fields=["position"])
    return practice
