"""From a file's columns to feedback rows: which column holds which field, defaults for the rest,
and what each row becomes (or why it is refused) before anything is stored.

A mapping is ``{field: column index or None}``; defaults are ``{"source": code, "metric": code,
"timezone": name}``. Without an external id column, each row gets a stable id derived from the
file's SHA-256 and the row's line number, so importing the same file again is still idempotent.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxgov.tenancy.models import Organization

from ..models import Response, Touchpoint

FIELDS = ("external_id", "touchpoint", "metric", "score", "submitted_at", "source", "comment", "customer_ref")
FIELD_LABELS = {
    "external_id": gettext_lazy("External id"),
    "touchpoint": gettext_lazy("Touchpoint (id or name)"),
    "metric": gettext_lazy("Metric (code)"),
    "score": gettext_lazy("Score"),
    "submitted_at": gettext_lazy("Submitted at"),
    "source": gettext_lazy("Data source (code)"),
    "comment": gettext_lazy("Comment"),
    "customer_ref": gettext_lazy("Customer reference"),
}
REQUIRED_COLUMNS = ("score", "submitted_at")
PREVIEW_ROWS = 20

# Header spellings, English and Spanish, compared without case, accents, spaces or punctuation.
SYNONYMS: dict[str, set[str]] = {
    "external_id": {"externalid", "id", "responseid", "idrespuesta", "respuestaid", "surveyresponseid",
                    "recordid", "idregistro", "identificador", "ref", "referencia", "uuid"},
    "touchpoint": {"touchpoint", "touchpointid", "touchpointname", "puntodecontacto", "puntocontacto",
                   "idpuntodecontacto", "puntodeinteraccion", "momento"},
    "metric": {"metric", "metriccode", "metrica", "codigometrica", "indicador", "kpi", "measure", "medida"},
    "score": {"score", "value", "rating", "puntuacion", "puntaje", "nota", "valor", "calificacion", "respuesta",
              "answer", "npsscore"},
    "submitted_at": {"submittedat", "submitted", "date", "datetime", "timestamp", "time", "createdat",
                     "respondedat", "responsedate", "fecha", "fechahora", "fecharespuesta", "fechaenvio",
                     "fechayhora", "hora"},
    "source": {"source", "sourcecode", "datasource", "fuente", "origen", "fuentededatos", "canalorigen"},
    "comment": {"comment", "comments", "verbatim", "feedback", "text", "remarks", "comentario", "comentarios",
                "observaciones", "observacion", "texto", "opinion"},
    "customer_ref": {"customer", "customerref", "customerid", "customerreference", "client", "clientid",
                     "cliente", "idcliente", "clienteid", "referenciacliente", "numerocliente", "nif"},
}

# Second pass, for headers like "Fecha de la encuesta" or "NPS score (0-10)": a telling fragment.
FRAGMENTS: dict[str, tuple[str, ...]] = {
    "submitted_at": ("fecha", "date", "timestamp"),
    "score": ("score", "puntua", "valor", "rating"),
    "comment": ("comment", "coment", "verbatim"),
    "touchpoint": ("touchpoint", "puntodecontacto"),
    "customer_ref": ("customer", "cliente"),
}

DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y",
    "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
)


def normalize_header(header: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(header))
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)).lower()


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """The column each field most likely comes from, by its header in English or Spanish."""
    normalized = [normalize_header(h) for h in headers]
    mapping: dict[str, int | None] = {}
    used: set[int] = set()
    for name in FIELDS:
        mapping[name] = next(
            (i for i, h in enumerate(normalized) if i not in used and h in SYNONYMS[name]), None
        )
        if mapping[name] is not None:
            used.add(mapping[name])
    for name, fragments in FRAGMENTS.items():
        if mapping[name] is None:
            mapping[name] = next(
                (i for i, h in enumerate(normalized) if i not in used and any(x in h for x in fragments)), None
            )
            if mapping[name] is not None:
                used.add(mapping[name])
    return mapping


def derived_external_id(file_sha256: str, line: int) -> str:
    """The stable id of a row in a file without an external id column: same file, same ids."""
    return f"file:{file_sha256[:24]}:{line}"


def parse_when(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    """An aware datetime from a cell: ISO 8601, day/month/year, or an Excel date. Naive values are
    taken in ``tz``; a date alone means midnight there. None when it cannot be read."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time.min)
    else:
        text = str(value).strip()
        parsed = None
        try:
            parsed = parse_datetime(text)
            if parsed is None:
                day = parse_date(text)
                parsed = dt.datetime.combine(day, dt.time.min) if day else None
        except ValueError:
            return None
        for fmt in DATE_FORMATS if parsed is None else ():
            try:
                parsed = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
        if parsed is None:
            return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, tz)
    return parsed


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float | Decimal) and value == int(value):
        return str(int(value))
    return str(value).strip()


@dataclass
class BuiltRow:
    """One file row made ready for ``responses_record`` (``row``), or refused early (``errors``)."""

    line: int
    values: list[Any]
    row: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


class RowBuilder:
    """Turns file rows into ``responses_record`` rows under one mapping; touchpoints read once."""

    def __init__(self, *, org: Organization, headers: list[str], mapping: dict[str, Any],
                 defaults: dict[str, Any], file_sha256: str) -> None:
        self.width = len(headers)
        self.mapping = {name: mapping.get(name) for name in FIELDS}
        self.defaults = defaults
        self.file_sha256 = file_sha256
        try:
            self.tz: dt.tzinfo = ZoneInfo(defaults.get("timezone") or org.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.tz = ZoneInfo(org.timezone)
        self.touchpoint_names: dict[int, str] = {}
        self.by_name: dict[str, list[int]] = {}
        for pk, name in Touchpoint.objects.for_org(org).values_list("pk", "name"):
            self.touchpoint_names[pk] = name
            self.by_name.setdefault(name.strip().casefold(), []).append(pk)

    def _value(self, values: list[Any], name: str) -> Any:
        index = self.mapping.get(name)
        if index is None or index >= len(values):
            return None
        return values[index]

    def build(self, line: int, values: list[Any]) -> BuiltRow:
        built = BuiltRow(line=line, values=values)
        errors = built.errors
        extra = [v for v in values[self.width:] if _text(v)]
        if extra:
            errors.setdefault("row", []).append(
                _("This row has %(n)d values but the header has %(m)d columns.") % {
                    "n": self.width + len(extra), "m": self.width}
            )
        row: dict[str, Any] = {}
        if self.mapping["external_id"] is None:
            row["external_id"] = derived_external_id(self.file_sha256, line)
        else:
            row["external_id"] = _text(self._value(values, "external_id"))
        for name in ("source", "metric"):
            row[name] = _text(self._value(values, name)) or self.defaults.get(name, "")
        touchpoint = _text(self._value(values, "touchpoint"))
        if touchpoint.isdigit():
            row["touchpoint"] = int(touchpoint)
        elif touchpoint:
            matches = self.by_name.get(touchpoint.casefold(), [])
            if len(matches) == 1:
                row["touchpoint"] = matches[0]
            elif matches:
                errors.setdefault("touchpoint", []).append(
                    _("Several touchpoints are called “%(name)s”; use the touchpoint's id.") % {"name": touchpoint[:80]}
                )
            else:
                errors.setdefault("touchpoint", []).append(
                    _("Unknown touchpoint “%(name)s”.") % {"name": touchpoint[:80]}
                )
        score = self._value(values, "score")
        if isinstance(score, str):
            score = score.strip()
            if "," in score and "." not in score:
                score = score.replace(",", ".")  # decimal comma, as Spanish spreadsheets write it
        row["score"] = score
        when = self._value(values, "submitted_at")
        if when is None or _text(when) == "":
            errors.setdefault("submitted_at", []).append(_("A date and time is required."))
        else:
            parsed = parse_when(when, self.tz)
            if parsed is None:
                errors.setdefault("submitted_at", []).append(
                    _("Unrecognised date “%(value)s”: use 2025-03-01 10:30 (ISO 8601) or 01/03/2025 10:30.")
                    % {"value": _text(when)[:40]}
                )
            else:
                row["submitted_at"] = parsed
        row["comment"] = _text(self._value(values, "comment"))
        row["customer_ref"] = _text(self._value(values, "customer_ref"))
        built.row = row
        return built


def mapping_errors(mapping: dict[str, Any], defaults: dict[str, Any]) -> dict[str, list[str]]:
    """What keeps a mapping from being imported: required columns unmapped, no metric or source."""
    errors: dict[str, list[str]] = {}
    for name in REQUIRED_COLUMNS:
        if mapping.get(name) is None:
            errors[name] = [_("Choose the column that holds this field.")]
    for name in ("metric", "source"):
        if mapping.get(name) is None and not defaults.get(name):
            errors[name] = [_("Choose a column, or a default for rows that do not say.")]
    return errors


class _DryRun(Exception):
    pass


def validation_errors(*, org: Organization, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The errors ``responses_record`` gives ``rows``, without storing any of them: the rows are
    recorded inside a savepoint that is then rolled back, so the messages are exactly the service's."""
    from ..services import responses_record

    result = None
    try:
        with transaction.atomic():
            result = responses_record(org=org, rows=rows)
            raise _DryRun
    except _DryRun:
        pass
    assert result is not None
    return result.errors


def neutralized(built: BuiltRow) -> dict[str, Any]:
    """A row refused early, with the refused fields made harmless, so the service can still report
    what else is wrong with it (all reasons at once, not one per import attempt)."""
    row = dict(built.row)
    if "touchpoint" in built.errors:
        row.pop("touchpoint", None)
    if "submitted_at" in built.errors:
        row["submitted_at"] = timezone.now()
    return row


def check_rows(*, org: Organization, built: list[BuiltRow]) -> None:
    """Add the service's errors to rows already refused early (validation only, nothing stored)."""
    refused = [b for b in built if b.errors]
    if not refused:
        return
    for entry in validation_errors(org=org, rows=[neutralized(b) for b in refused]):
        for name, messages in entry["errors"].items():
            refused[entry["index"]].errors.setdefault(name, []).extend(messages)


def preview(*, org: Organization, builder: RowBuilder, rows: list[tuple[int, list[Any]]]) -> list[dict[str, Any]]:
    """What the first rows would become: each with ``status`` (new, duplicate or error), all its
    ``errors`` and the resolved fields, computed by the very service that will store them (in a
    savepoint rolled back: nothing is kept)."""
    built = [builder.build(line, values) for line, values in rows]
    check_rows(org=org, built=built)
    candidates = [b for b in built if not b.errors]
    for entry in validation_errors(org=org, rows=[b.row for b in candidates]):
        candidates[entry["index"]].errors.update(entry["errors"])
    keys = {(b.row["source"], b.row["external_id"]) for b in candidates if not b.errors}
    known = set(
        Response.objects.for_org(org)
        .filter(source__code__in={k[0] for k in keys}, external_id__in={k[1] for k in keys})
        .values_list("source__code", "external_id")
    ) if keys else set()
    seen: set[tuple[str, str]] = set()
    out = []
    for b in built:
        key = (b.row.get("source"), b.row.get("external_id"))
        if b.errors:
            status = "error"
        elif key in known or key in seen:
            status = "duplicate"
        else:
            status = "new"
        seen.add(key)
        when = b.row.get("submitted_at")
        out.append({
            "line": b.line,
            "status": status,
            "errors": b.errors,
            "external_id": b.row.get("external_id", ""),
            "touchpoint": builder.touchpoint_names.get(b.row.get("touchpoint"), b.row.get("touchpoint") or ""),
            "metric": b.row.get("metric", ""),
            "score": b.row.get("score", ""),
            # Shown in the zone the file is read in, with its offset, so nobody wonders about UTC.
            "submitted_at": when.astimezone(builder.tz).strftime("%Y-%m-%d %H:%M (UTC%z)")
            if isinstance(when, dt.datetime) else "",
            "source": b.row.get("source", ""),
            "comment": b.row.get("comment", ""),
            "customer_ref": b.row.get("customer_ref", ""),
        })
    return out


def format_errors(errors: dict[str, list[str]]) -> str:
    """``field: message; …`` for the rejected-rows report."""
    return "; ".join(f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in errors.items())
