"""Reads of the audit trail, always narrowed to one organization.

django-auditlog's ``LogEntry`` is not a tenant model: each entry carries its organization in
``additional_data["organization_id"]`` (written by ``TenantScoped.get_additional_data`` and, for
memberships, tokens and grants, by ``cxgov.audit.registry``), and every read here filters on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cxgov.tenancy.models import Organization, User

from .registry import audited_models


def audit_entries(
    *,
    org: Organization,
    content_type_id: int | None = None,
    actor: User | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[LogEntry]:
    """The organization's audit entries, newest first, optionally narrowed by model, actor and dates
    (both inclusive, in UTC days)."""
    qs = LogEntry.objects.filter(additional_data__organization_id=org.pk)
    if content_type_id is not None:
        qs = qs.filter(content_type_id=content_type_id)
    if actor is not None:
        qs = qs.filter(actor=actor)
    if date_from is not None:
        qs = qs.filter(timestamp__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(timestamp__date__lte=date_to)
    return qs.select_related("actor", "content_type").order_by("-timestamp", "-pk")


def audit_model_choices() -> list[tuple[int, str]]:
    """(content type id, name) of every audited model, sorted by name. Content types are cached by
    Django after the first call, so this costs no query per request."""
    models = audited_models()
    types = ContentType.objects.get_for_models(*models)
    return sorted(((types[m].pk, str(m._meta.verbose_name_plural).capitalize()) for m in models),
                  key=lambda c: c[1].lower())


def audit_actor_choices(*, org: Organization) -> QuerySet[User]:
    """Users who can be filtered on: the organization's members."""
    return User.objects.filter(memberships__organization=org).order_by("full_name", "email")


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


def _readable(value: Any, choices: dict[str, str]) -> str:
    text = "" if value is None else str(value)
    if text in ("None", ""):
        return "—"
    return str(choices.get(text, text))


def entry_model_name(entry: LogEntry) -> str:
    """The translated name of the kind of object an entry is about (its model may be gone)."""
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else entry.content_type.model


def entry_changes(entry: LogEntry) -> list[Change]:
    """An entry's changes as (field label, old, new) rows, without touching the database.

    Foreign keys are stored as the object's name (``AUDITLOG_USE_FK_STRING_REPRESENTATION``), choice
    values are shown by their label, an empty value as a dash, and many-to-many changes as the
    objects added or removed.
    """
    model = entry.content_type.model_class()
    rows: list[Change] = []
    for name, values in (entry.changes or {}).items():
        label, choices = name, {}
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            if field is not None and field is model._meta.pk:
                continue  # the entry names its object already
            if field is not None:
                label = str(getattr(field, "verbose_name", name))
                choices = {str(k): v for k, v in (getattr(field, "flatchoices", None) or [])}
        if isinstance(values, dict) and values.get("type") == "m2m":
            objects = ", ".join(str(o) for o in values.get("objects", []))
            if values.get("operation") == "add":
                rows.append(Change(label, "—", _("added: %(objects)s") % {"objects": objects}))
            else:
                rows.append(Change(label, _("removed: %(objects)s") % {"objects": objects}, "—"))
            continue
        old, new = (list(values) + [None, None])[:2]
        rows.append(Change(label[:1].upper() + label[1:], _readable(old, choices), _readable(new, choices)))
    return rows
