"""Voice-of-Customer writes: the map of the customer (segments, products, journeys, stages,
touchpoints), data sources, and ``responses_record``, the single ingest path for feedback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cxgov.tenancy.models import Membership, Organization, User, tenant_check

from .models import Channel, DataSource, Journey, JourneyStage, Metric, Product, Response, Segment, Touchpoint
from .rollups import local_day
from .tasks import refresh_rollups, touched_payload

RESPONSE_FIELDS = frozenset(
    {"source", "external_id", "metric", "touchpoint", "score", "submitted_at", "comment", "customer_ref"}
)
EXTERNAL_ID_MAX = 200
CUSTOMER_REF_MAX = 200
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
SCORE_PLACES = Decimal("0.0001")
SCORE_LIMIT = Decimal("1e8")  # Response.score is max_digits=12, decimal_places=4
DEFAULT_CHUNK = 1000


@dataclass
class RecordResult:
    """What ``responses_record`` did: rows created, rows skipped as already known, rows refused.

    ``errors`` holds ``{"index": i, "errors": {field: [message]}}`` for each refused row (``i`` is
    the row's position in the input). ``first_submitted_at`` / ``last_submitted_at`` bound the
    rows created, so a caller can refresh the rollups of exactly the periods it touched.
    """

    created: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    first_submitted_at: dt.datetime | None = None
    last_submitted_at: dt.datetime | None = None
    touched: dict[int, set[dt.date]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _RowErrors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _is_nps(metric: Metric) -> bool:
    return metric.kind == Metric.Kind.NPS or metric.method == Metric.Method.NPS


def _resolve(value: Any, *, model: type, by_code: dict[str, Any], org: Organization, name: str,
             errors: _RowErrors) -> Any:
    """A DataSource/Metric given as an instance or as its code; None (with an error) when invalid."""
    if isinstance(value, model):
        try:
            tenant_check(org=org, **{name: value})
        except ValidationError:
            errors.add(name, _("Not found in this organization."))
            return None
        obj = value
    elif isinstance(value, str) and value.strip():
        obj = by_code.get(value.strip())
        if obj is None:
            errors.add(name, _("Unknown code “%(code)s”.") % {"code": value.strip()[:60]})
            return None
    elif value is None or value == "":
        errors.add(name, _("This field is required."))
        return None
    else:
        errors.add(name, _("Give a code or an object of this organization."))
        return None
    if not obj.is_active:
        errors.add(name, _("This is inactive; reactivate it before recording feedback."))
        return None
    return obj


def _parse_score(value: Any, metric: Metric | None, errors: _RowErrors) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        errors.add("score", _("A score is required."))
        return None
    try:
        score = Decimal(value if isinstance(value, (Decimal, int)) else str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        errors.add("score", _("Enter a number."))
        return None
    if not score.is_finite() or abs(score) >= SCORE_LIMIT:
        errors.add("score", _("Enter a finite number below 100,000,000."))
        return None
    if metric is None:
        return score
    if _is_nps(metric) and score != score.to_integral_value():
        errors.add("score", _("An NPS answer is a whole number from 0 to 10."))
        return None
    low, high = metric.scale_min, metric.scale_max
    if (low is not None and score < low) or (high is not None and score > high):
        errors.add("score", _("Must lie within the metric's scale (%(low)s to %(high)s).") % {
            "low": "–∞" if low is None else low.normalize(), "high": "∞" if high is None else high.normalize(),
        })
        return None
    return score.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def _parse_submitted_at(value: Any, now: dt.datetime, errors: _RowErrors) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            errors.add("submitted_at", _("Enter a date and time in ISO 8601, e.g. 2025-03-01T10:30:00Z."))
            return None
        value = parsed
    if not isinstance(value, dt.datetime):
        errors.add("submitted_at", _("A date and time is required."))
        return None
    if timezone.is_naive(value):
        errors.add("submitted_at", _("Include a time zone (e.g. a trailing Z for UTC)."))
        return None
    if value > now + FUTURE_TOLERANCE:
        errors.add("submitted_at", _("Cannot lie in the future."))
        return None
    return value


def _text(value: Any, name: str, max_length: int | None, errors: _RowErrors) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, _("Enter text."))
        return ""
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        errors.add(name, _("Keep this under %(n)d characters.") % {"n": max_length})
    return value


@transaction.atomic
def responses_record(
    *,
    org: Organization,
    rows: Iterable[Mapping[str, Any]],
    recorded_by: User | None = None,
    atomic: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> RecordResult:
    """Validate, dedupe and store feedback responses: the one way feedback enters the database.

    Each row is a mapping with ``source`` (DataSource or code), ``external_id`` (the source's own id,
    required), ``metric`` (Metric or code), optional ``touchpoint`` (Touchpoint or id), ``score``
    (within the metric's scale; NPS answers are whole numbers), ``submitted_at`` (aware datetime or
    ISO 8601 string, not in the future), optional ``comment`` and ``customer_ref``.

    A row whose (source, external_id) is already stored, or appeared earlier in the same call, is
    counted as a duplicate and skipped: every ingest path can be retried safely. Refused rows are
    reported by index; the valid ones are stored, unless ``atomic`` is true, in which case any
    refused row means nothing is stored.

    The cost does not depend on the number of rows beyond one read and one bulk insert per chunk:
    sources, metrics and touchpoints are read once per call, never per row. Everything happens in
    one transaction. Two concurrent calls racing on the same external id make the later one fail on
    the unique constraint (nothing of it is kept); retrying it then reports the row as a duplicate.
    """
    if recorded_by is not None and not Membership.objects.filter(user=recorded_by, organization=org).exists():
        raise ValidationError({"recorded_by": [_("Not a member of this organization.")]})
    rows = list(rows)
    result = RecordResult()
    now = timezone.now()
    tz = ZoneInfo(org.timezone)

    sources = {s.code: s for s in DataSource.objects.for_org(org)}
    metrics = {m.code: m for m in Metric.objects.for_org(org)}
    touchpoint_ids = {
        row.get("touchpoint") for row in rows
        if isinstance(row, Mapping) and isinstance(row.get("touchpoint"), int)
        and not isinstance(row.get("touchpoint"), bool)
    }
    touchpoints_by_id = Touchpoint.objects.for_org(org).in_bulk(touchpoint_ids) if touchpoint_ids else {}

    valid: list[Response] = []
    seen: set[tuple[int, str]] = set()
    for index, row in enumerate(rows):
        errors = _RowErrors()
        if not isinstance(row, Mapping):
            result.errors.append({"index": index, "errors": {"non_field_errors": [_("Each row must be an object.")]}})
            continue
        for name in sorted(set(row) - RESPONSE_FIELDS):
            errors.add(str(name), _("Unknown field."))
        source = _resolve(row.get("source"), model=DataSource, by_code=sources, org=org, name="source", errors=errors)
        metric = _resolve(row.get("metric"), model=Metric, by_code=metrics, org=org, name="metric", errors=errors)
        external_id = row.get("external_id")
        ok_type = isinstance(external_id, (str, int)) and not isinstance(external_id, bool)
        external_id = str(external_id).strip() if ok_type else ""
        if not external_id:
            errors.add("external_id", _("This field is required."))
        elif len(external_id) > EXTERNAL_ID_MAX:
            errors.add("external_id", _("Keep this under %(n)d characters.") % {"n": EXTERNAL_ID_MAX})
        touchpoint = row.get("touchpoint")
        if isinstance(touchpoint, Touchpoint):
            if touchpoint.organization_id != org.pk:
                errors.add("touchpoint", _("Not found in this organization."))
        elif isinstance(touchpoint, int) and not isinstance(touchpoint, bool):
            touchpoint = touchpoints_by_id.get(touchpoint)
            if touchpoint is None:
                errors.add("touchpoint", _("Not found in this organization."))
        elif touchpoint not in (None, ""):
            errors.add("touchpoint", _("Give a touchpoint of this organization or its id."))
        else:
            touchpoint = None
        score = _parse_score(row.get("score"), metric, errors)
        submitted_at = _parse_submitted_at(row.get("submitted_at"), now, errors)
        comment = _text(row.get("comment"), "comment", None, errors)
        customer_ref = _text(row.get("customer_ref"), "customer_ref", CUSTOMER_REF_MAX, errors)
        if errors:
            result.errors.append({"index": index, "errors": dict(errors)})
            continue
        key = (source.pk, external_id)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        valid.append(Response(
            organization=org, source=source, external_id=external_id, metric=metric, touchpoint=touchpoint,
            score=score, submitted_at=submitted_at, comment=comment, customer_ref=customer_ref,
            recorded_by=recorded_by,
        ))

    if atomic and result.errors:
        # Nothing is written, so nothing was skipped as a duplicate either.
        result.duplicates = 0
        return result

    for start in range(0, len(valid), chunk_size):
        chunk = valid[start:start + chunk_size]
        known = set(
            Response.objects.for_org(org)
            .filter(source_id__in={r.source_id for r in chunk}, external_id__in={r.external_id for r in chunk})
            .values_list("source_id", "external_id")
        )
        fresh = [r for r in chunk if (r.source_id, r.external_id) not in known]
        result.duplicates += len(chunk) - len(fresh)
        if not fresh:
            continue
        # bulk_create bypasses TenantScoped.save(); every reference above was checked against org.
        Response.objects.bulk_create(fresh, batch_size=chunk_size)
        result.created += len(fresh)
        for response in fresh:
            result.touched.setdefault(response.metric_id, set()).add(local_day(response.submitted_at, tz))
        first = min(r.submitted_at for r in fresh)
        last = max(r.submitted_at for r in fresh)
        if result.first_submitted_at is None or first < result.first_submitted_at:
            result.first_submitted_at = first
        if result.last_submitted_at is None or last > result.last_submitted_at:
            result.last_submitted_at = last
    if result.touched:
        # After commit, never inside the transaction: the task must see the rows it summarises.
        payload = touched_payload(result.touched)
        transaction.on_commit(lambda: refresh_rollups.delay(org_id=org.pk, touched=payload))
    return result


def _require_name(name: str, max_length: int = 200) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("This field is required.")]})
    if len(name) > max_length:
        raise ValidationError({"name": [_("Keep this under %(n)d characters.") % {"n": max_length}]})
    return name


def _require_member(*, org: Organization, user: User | None, field_name: str) -> None:
    if user is not None and not Membership.objects.filter(user=user, organization=org).exists():
        raise ValidationError({field_name: [_("Not a member of this organization.")]})


@transaction.atomic
def segment_create(*, org: Organization, name: str, description: str = "", is_persona: bool = False) -> Segment:
    """Create a customer segment or buyer persona; names are unique within the organization."""
    name = _require_name(name)
    if Segment.objects.for_org(org).filter(name=name).exists():
        raise ValidationError({"name": [_("A segment with this name already exists.")]})
    return Segment.objects.create(organization=org, name=name, description=description, is_persona=is_persona)


@transaction.atomic
def product_create(*, org: Organization, name: str, description: str = "") -> Product:
    """Create a product or service; names are unique within the organization."""
    name = _require_name(name)
    if Product.objects.for_org(org).filter(name=name).exists():
        raise ValidationError({"name": [_("A product with this name already exists.")]})
    return Product.objects.create(organization=org, name=name, description=description)


@transaction.atomic
def data_source_create(*, org: Organization, code: str, name: str, kind: str) -> DataSource:
    """Create a data source; its code is what ingest rows and API clients refer to."""
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": [_("This field is required.")]})
    if kind not in DataSource.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind.")]})
    if DataSource.objects.for_org(org).filter(code=code).exists():
        raise ValidationError({"code": [_("A data source with this code already exists.")]})
    source = DataSource(organization=org, code=code, name=_require_name(name), kind=kind)
    source.full_clean(exclude=["organization"])
    source.save()
    return source


@transaction.atomic
def journey_create(
    *,
    org: Organization,
    name: str,
    description: str = "",
    segment: Segment | None = None,
    product: Product | None = None,
    version: str = Journey.Version.AS_IS,
    counterpart: Journey | None = None,
) -> Journey:
    """Create a journey (as-is or to-be) for a segment and product of the organization.

    With ``counterpart`` the two versions are linked both ways (as-is ↔ to-be).
    """
    tenant_check(org=org, segment=segment, product=product, counterpart=counterpart)
    name = _require_name(name)
    if version not in Journey.Version.values:
        raise ValidationError({"version": [_("Unknown version.")]})
    if Journey.objects.for_org(org).filter(name=name, version=version).exists():
        raise ValidationError({"name": [_("A journey with this name and version already exists.")]})
    if counterpart is not None and counterpart.version == version:
        raise ValidationError({"counterpart": [_("The counterpart must be the other version (as-is / to-be).")]})
    journey = Journey.objects.create(
        organization=org, name=name, description=description, segment=segment, product=product,
        version=version, counterpart=counterpart,
    )
    if counterpart is not None:
        counterpart.counterpart = journey
        counterpart.save(update_fields=["counterpart"])
    return journey


@transaction.atomic
def journey_stage_create(
    *, org: Organization, journey: Journey, name: str, position: int | None = None
) -> JourneyStage:
    """Add a stage (a column of the journey map); without ``position`` it goes last."""
    tenant_check(org=org, journey=journey)
    name = _require_name(name)
    stages = JourneyStage.objects.for_org(org).filter(journey=journey)
    if stages.filter(name=name).exists():
        raise ValidationError({"name": [_("This journey already has a stage with this name.")]})
    if position is None:
        position = (max(stages.values_list("position", flat=True), default=0) or 0) + 1
    return JourneyStage.objects.create(organization=org, journey=journey, name=name, position=position)


@transaction.atomic
def touchpoint_create(
    *,
    org: Organization,
    journey: Journey,
    name: str,
    stage: JourneyStage | None = None,
    description: str = "",
    channel: str = Channel.OTHER,
    owner: User | None = None,
    is_moment_of_truth: bool = False,
    position: int | None = None,
) -> Touchpoint:
    """Add a touchpoint to a journey (optionally in one of its stages), with its owner and channel."""
    tenant_check(org=org, journey=journey, stage=stage)
    if stage is not None and stage.journey_id != journey.pk:
        raise ValidationError({"stage": [_("The stage belongs to another journey.")]})
    _require_member(org=org, user=owner, field_name="owner")
    name = _require_name(name)
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel.")]})
    existing = Touchpoint.objects.for_org(org).filter(journey=journey)
    if existing.filter(name=name).exists():
        raise ValidationError({"name": [_("This journey already has a touchpoint with this name.")]})
    if position is None:
        position = (max(existing.values_list("position", flat=True), default=0) or 0) + 1
    return Touchpoint.objects.create(
        organization=org, journey=journey, stage=stage, name=name, description=description, channel=channel,
        owner=owner, is_moment_of_truth=is_moment_of_truth, position=position,
    )

