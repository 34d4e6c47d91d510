"""Voice-of-Customer writes: the map of the customer (segments, products, journeys, stages,
touchpoints), data sources, and ``responses_record``, the single ingest path for feedback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, router, transaction
from django.db.models import Q
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cem_levers.models import Lever
from cxgov.tenancy.models import Membership, Organization, User, tenant_check
from cxgov.tenancy.roles import Op, Role, role_allows
from cxgov.webhooks.services import event_publish

from .models import (
    CaseEvent,
    Channel,
    DataSource,
    FollowUpCase,
    Insight,
    InsightEvidence,
    InsightRecipient,
    Journey,
    JourneyStage,
    Metric,
    Product,
    Response,
    Rollup,
    RootCause,
    Segment,
    Touchpoint,
    TouchpointUserObjectPermission,
)
from .rollups import local_day
from .selectors import METHOD_VALUE_RANGES
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
    cases_opened: int = 0

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
    if "\x00" in value:
        # PostgreSQL cannot store a NUL character: refuse it here rather than fail the whole insert.
        errors.add(name, _("Remove the NUL character (\\x00); text cannot contain it."))
    return value


def _responses_insert_fresh(*, org: Organization, chunk: list[Response], chunk_size: int) -> list[Response]:
    """Insert the rows of ``chunk`` whose (source, external id) is not stored yet; return them.

    A concurrent call (a client's retry racing its own first attempt) may store some of the same ids
    between the read and the insert: PostgreSQL waits for it to commit, then refuses the insert on the
    unique constraint. The insert runs in a savepoint, so the chunk is read again and retried; the
    rows the other call stored count as duplicates. Nothing is half-stored and the client gets no 500.
    """
    for attempt in range(5):
        known = set(
            Response.objects.for_org(org)
            .filter(source_id__in={r.source_id for r in chunk}, external_id__in={r.external_id for r in chunk})
            .values_list("source_id", "external_id")
        )
        fresh = [r for r in chunk if (r.source_id, r.external_id) not in known]
        if not fresh:
            return fresh
        try:
            with transaction.atomic():
                # bulk_create bypasses TenantScoped.save(); every reference was checked against org.
                Response.objects.bulk_create(fresh, batch_size=chunk_size)
            return fresh
        except IntegrityError:
            if attempt == 4:
                raise
    return []


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
    one transaction. Two concurrent calls racing on the same external id store it once: the later one
    waits for the earlier to commit and then counts the row as a duplicate.

    The inner loop starts here: each created row that is a detractor or crosses its metric's
    follow-up threshold opens a follow-up case in the same transaction (``cases_opened``), in bulk.
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
        and not isinstance(row.get("touchpoint"), bool) and 0 < row.get("touchpoint") < 2**63
    }  # an id beyond the column's range is simply not found (SQLite would overflow on it)
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
        elif "\x00" in external_id:
            errors.add("external_id", _("Remove the NUL character (\\x00); text cannot contain it."))
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

    created_rows: list[Response] = []
    for start in range(0, len(valid), chunk_size):
        chunk = valid[start:start + chunk_size]
        fresh = _responses_insert_fresh(org=org, chunk=chunk, chunk_size=chunk_size)
        result.duplicates += len(chunk) - len(fresh)
        if not fresh:
            continue
        created_rows.extend(fresh)
        result.created += len(fresh)
        for response in fresh:
            result.touched.setdefault(response.metric_id, set()).add(local_day(response.submitted_at, tz))
        first = min(r.submitted_at for r in fresh)
        last = max(r.submitted_at for r in fresh)
        if result.first_submitted_at is None or first < result.first_submitted_at:
            result.first_submitted_at = first
        if result.last_submitted_at is None or last > result.last_submitted_at:
            result.last_submitted_at = last
    # The inner loop: follow-up cases for the rows just created (never for duplicates), in bulk.
    result.cases_opened = _cases_open_for_responses(org=org, responses=created_rows, now=now)
    if created_rows:
        # One event per ingest call (split per 5,000 ids), never one per response.
        event_publish(org=org, event="response.recorded", payload=[r.pk for r in created_rows])
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
    if counterpart is not None and counterpart.counterpart_id is not None:
        raise ValidationError({"counterpart": [_("This journey is already linked to its other version.")]})
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


# --- The customer map and the measurement model (segments, products, journeys, stages,
# touchpoints, metrics, data sources): updates, deletes, the to-be copy and the OMB A-11 pack. ---

# Which calculation methods each metric kind may use (the first is the default).
METRIC_KIND_METHODS: dict[str, tuple[str, ...]] = {
    Metric.Kind.NPS: (Metric.Method.NPS,),
    Metric.Kind.CSAT: (Metric.Method.TOP2BOX,),
    Metric.Kind.CES: (Metric.Method.MEAN, Metric.Method.AGREE_MINUS_DISAGREE),
    Metric.Kind.MEAN: (Metric.Method.MEAN,),
    Metric.Kind.MEDIAN: (Metric.Method.MEDIAN, Metric.Method.MEAN),
    Metric.Kind.DURATION: (Metric.Method.MEDIAN, Metric.Method.MEAN),
    Metric.Kind.RATE: (Metric.Method.SHARE,),
    Metric.Kind.COUNT: (Metric.Method.SUM,),
}
# Methods whose value is a percentage (or percentage points), whatever the answer scale.
PERCENT_RANGES = METHOD_VALUE_RANGES
# Fields of a metric that decide how its responses are read; fixed once responses exist.
METRIC_CALCULATION_FIELDS = ("code", "kind", "method", "scale_min", "scale_max")
METRIC_FIELDS = (
    "code", "name_en", "name_es", "description_en", "description_es", "kind", "method", "scale_min", "scale_max",
    "unit", "higher_is_better", "target", "min_n", "follow_up_threshold", "lever", "pack", "is_active",
)
OMB_A11_PACK = "omb_a11"


@dataclass(frozen=True)
class PackStatement:
    code: str
    name_en: str
    name_es: str
    statement_en: str
    statement_es: str


# The seven statements of the US federal post-transaction survey (OMB Circular A-11, section 280),
# each answered on a 5-point agreement scale (1 strongly disagree … 5 strongly agree).
OMB_A11_STATEMENTS: tuple[PackStatement, ...] = (
    PackStatement("a11_satisfaction", "Satisfaction (A-11)", "Satisfacción (A-11)",
                  "I am satisfied with the service I received.",
                  "Estoy satisfecho/a con el servicio que recibí."),
    PackStatement("a11_trust", "Trust (A-11)", "Confianza (A-11)",
                  "This interaction increased my confidence in this organization.",
                  "Esta interacción aumentó mi confianza en esta organización."),
    PackStatement("a11_effectiveness", "Effectiveness (A-11)", "Eficacia (A-11)",
                  "My need was addressed.",
                  "Se atendió mi necesidad."),
    PackStatement("a11_ease", "Ease (A-11)", "Facilidad (A-11)",
                  "It was easy to complete what I needed to do.",
                  "Fue fácil completar lo que necesitaba hacer."),
    PackStatement("a11_efficiency", "Efficiency (A-11)", "Eficiencia (A-11)",
                  "It took a reasonable amount of time to do what I needed to do.",
                  "Hacer lo que necesitaba me llevó un tiempo razonable."),
    PackStatement("a11_equity", "Equity (A-11)", "Equidad (A-11)",
                  "I was treated fairly.",
                  "Me trataron de forma justa."),
    PackStatement("a11_employee_helpfulness", "Employee helpfulness (A-11)", "Amabilidad del personal (A-11)",
                  "Employees I interacted with were helpful.",
                  "El personal con el que traté fue servicial."),
)


def _delete_refusal(obj: Any, *, own: tuple[type, ...] = ()) -> str | None:
    """Why deleting ``obj`` would lose something, or None when it is safe.

    Django's deletion collector lists what a delete would take with it. Rows of ``own`` (the
    object's own parts, such as a journey's stages) and link rows of many-to-many relations may go;
    anything else that would be deleted or that protects the object makes the delete unsafe, so the
    user is told instead of losing, say, a governance goal that points at the metric.
    """
    collector = Collector(using=router.db_for_write(type(obj)), origin=obj)
    try:
        collector.collect([obj])
    except (ProtectedError, RestrictedError) as exc:
        blocking = {type(o)._meta.verbose_name_plural for o in exc.protected_objects if hasattr(o, "_meta")}
        return _("It is still used by %(what)s; remove those links first.") % {
            "what": ", ".join(sorted(str(b) for b in blocking)) or _("other records"),
        }
    allowed = {type(obj), *own}
    taken: set[str] = set()
    for model, instances in collector.data.items():
        if model in allowed or model._meta.auto_created or not instances:
            continue
        taken.add(str(model._meta.verbose_name_plural))
    for queryset in collector.fast_deletes:
        model = queryset.model
        if model in allowed or model._meta.auto_created:
            continue
        if queryset.exists():
            taken.add(str(model._meta.verbose_name_plural))
    if taken:
        return _("Deleting it would also delete %(what)s; remove those links first.") % {
            "what": ", ".join(sorted(taken)),
        }
    return None


def _delete_safely(obj: Any, *, own: tuple[type, ...] = ()) -> None:
    reason = _delete_refusal(obj, own=own)
    if reason:
        raise ValidationError({"non_field_errors": [reason]})
    obj.delete()


def _check_unique(queryset: Any, *, exclude_pk: int | None, field_name: str, message: str) -> None:
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    if queryset.exists():
        raise ValidationError({field_name: [message]})


def _apply(obj: Any, data: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the ``allowed`` keys of ``data`` on ``obj``; refuse unknown keys. Returns the fields set."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})
    changed = []
    for name, value in data.items():
        setattr(obj, name, value)
        changed.append(name)
    return changed


@transaction.atomic
def segment_update(*, org: Organization, segment: Segment, data: Mapping[str, Any]) -> Segment:
    """Change a segment's ``name``, ``description`` or ``is_persona`` (names stay unique)."""
    tenant_check(org=org, segment=segment)
    data = dict(data)
    if "name" in data:
        data["name"] = _require_name(data["name"])
        _check_unique(Segment.objects.for_org(org).filter(name=data["name"]), exclude_pk=segment.pk,
                      field_name="name", message=_("A segment with this name already exists."))
    _apply(segment, data, ("name", "description", "is_persona"))
    segment.save()
    return segment


@transaction.atomic
def segment_delete(*, org: Organization, segment: Segment) -> None:
    """Delete a segment no journey is mapped for (a journey's segment is never silently cleared)."""
    tenant_check(org=org, segment=segment)
    count = Journey.objects.for_org(org).filter(segment=segment).count()
    if count:
        raise ValidationError({"non_field_errors": [ngettext(
            "%(n)d journey is mapped for this segment; move or delete it first.",
            "%(n)d journeys are mapped for this segment; move or delete them first.", count,
        ) % {"n": count}]})
    _delete_safely(segment)


@transaction.atomic
def product_update(*, org: Organization, product: Product, data: Mapping[str, Any]) -> Product:
    """Change a product's ``name`` or ``description`` (names stay unique)."""
    tenant_check(org=org, product=product)
    data = dict(data)
    if "name" in data:
        data["name"] = _require_name(data["name"])
        _check_unique(Product.objects.for_org(org).filter(name=data["name"]), exclude_pk=product.pk,
                      field_name="name", message=_("A product with this name already exists."))
    _apply(product, data, ("name", "description"))
    product.save()
    return product


@transaction.atomic
def product_delete(*, org: Organization, product: Product) -> None:
    """Delete a product or service no journey is mapped for."""
    tenant_check(org=org, product=product)
    count = Journey.objects.for_org(org).filter(product=product).count()
    if count:
        raise ValidationError({"non_field_errors": [ngettext(
            "%(n)d journey is mapped for this product; move or delete it first.",
            "%(n)d journeys are mapped for this product; move or delete them first.", count,
        ) % {"n": count}]})
    _delete_safely(product)


@transaction.atomic
def journey_update(*, org: Organization, journey: Journey, data: Mapping[str, Any]) -> Journey:
    """Change a journey's ``name``, ``description``, ``segment`` or ``product``.

    The version (as-is / to-be) is fixed at creation; the pair is linked by ``journey_to_be_create``.
    """
    data = dict(data)
    tenant_check(org=org, journey=journey, segment=data.get("segment"), product=data.get("product"))
    if "name" in data:
        data["name"] = _require_name(data["name"])
        _check_unique(Journey.objects.for_org(org).filter(name=data["name"], version=journey.version),
                      exclude_pk=journey.pk, field_name="name",
                      message=_("A journey with this name and version already exists."))
    _apply(journey, data, ("name", "description", "segment", "product"))
    journey.save()
    return journey


def _responses_at(org: Organization, touchpoints: Any) -> int:
    return Response.objects.for_org(org).filter(touchpoint__in=touchpoints).count()


@transaction.atomic
def journey_delete(*, org: Organization, journey: Journey) -> None:
    """Delete a journey with its stages and touchpoints, unless feedback was recorded at them."""
    tenant_check(org=org, journey=journey)
    count = _responses_at(org, Touchpoint.objects.for_org(org).filter(journey=journey))
    if count:
        raise ValidationError({"non_field_errors": [ngettext(
            "%(n)d feedback response was recorded at this journey's touchpoints; it cannot be deleted.",
            "%(n)d feedback responses were recorded at this journey's touchpoints; it cannot be deleted.", count,
        ) % {"n": count}]})
    counterpart = journey.counterpart
    if counterpart is not None:
        journey.counterpart = None
        journey.save(update_fields=["counterpart"])
        counterpart.counterpart = None
        counterpart.save(update_fields=["counterpart"])
    _delete_safely(journey, own=(JourneyStage, Touchpoint, TouchpointUserObjectPermission))


@transaction.atomic
def journey_to_be_create(*, org: Organization, journey: Journey, name: str | None = None) -> Journey:
    """Create the to-be version of an as-is journey: same segment and product, a copy of its stages
    and touchpoints (channel, owner, moment-of-truth flag, position), linked both ways as counterparts.

    Feedback, grants and rollups are not copied: they belong to the touchpoints customers meet today.
    """
    tenant_check(org=org, journey=journey)
    if journey.version != Journey.Version.AS_IS:
        raise ValidationError({"non_field_errors": [_("Only an as-is journey has a to-be version to create.")]})
    if journey.counterpart_id is not None:
        raise ValidationError({"non_field_errors": [_("This journey already has its to-be version.")]})
    to_be = journey_create(
        org=org, name=name if name is not None else journey.name, description=journey.description,
        segment=journey.segment, product=journey.product, version=Journey.Version.TO_BE, counterpart=journey,
    )
    stages = list(JourneyStage.objects.for_org(org).filter(journey=journey).order_by("position", "id"))
    new_stages = {
        stage.pk: JourneyStage(organization=org, journey=to_be, name=stage.name, position=stage.position)
        for stage in stages
    }
    # bulk_create skips TenantScoped.save(); every reference here is a row of ``org`` read above.
    JourneyStage.objects.bulk_create(new_stages.values())
    touchpoints = Touchpoint.objects.for_org(org).filter(journey=journey).order_by("position", "id")
    Touchpoint.objects.bulk_create([
        Touchpoint(
            organization=org, journey=to_be, stage=new_stages.get(tp.stage_id), name=tp.name,
            description=tp.description, channel=tp.channel, owner_id=tp.owner_id,
            is_moment_of_truth=tp.is_moment_of_truth, position=tp.position,
        )
        for tp in touchpoints
    ])
    return to_be


@transaction.atomic
def journey_stage_update(*, org: Organization, stage: JourneyStage, data: Mapping[str, Any]) -> JourneyStage:
    """Rename a stage (names stay unique within the journey)."""
    tenant_check(org=org, stage=stage)
    data = dict(data)
    if "name" in data:
        data["name"] = _require_name(data["name"])
        _check_unique(JourneyStage.objects.for_org(org).filter(journey_id=stage.journey_id, name=data["name"]),
                      exclude_pk=stage.pk, field_name="name",
                      message=_("This journey already has a stage with this name."))
    _apply(stage, data, ("name",))
    stage.save()
    return stage


@transaction.atomic
def journey_stage_delete(*, org: Organization, stage: JourneyStage) -> None:
    """Delete a stage; its touchpoints stay in the journey, not placed in a stage."""
    tenant_check(org=org, stage=stage)
    Touchpoint.objects.for_org(org).filter(stage=stage).update(stage=None)
    _delete_safely(stage)
    journey_stages_reorder(org=org, journey=stage.journey, stage_ids=list(
        JourneyStage.objects.for_org(org).filter(journey_id=stage.journey_id)
        .order_by("position", "id").values_list("pk", flat=True)
    ))


@transaction.atomic
def journey_stages_reorder(*, org: Organization, journey: Journey, stage_ids: list[int]) -> list[JourneyStage]:
    """Put the journey's stages in the order of ``stage_ids`` (every stage of the journey, once)."""
    tenant_check(org=org, journey=journey)
    stages = {s.pk: s for s in JourneyStage.objects.for_org(org).filter(journey=journey)}
    if not isinstance(stage_ids, (list, tuple)) or len(stage_ids) != len(set(stage_ids)) \
            or set(stage_ids) != set(stages):
        raise ValidationError({"stages": [_("List every stage of this journey exactly once.")]})
    ordered = []
    for position, pk in enumerate(stage_ids, start=1):
        stage = stages[pk]
        stage.position = position
        ordered.append(stage)
    JourneyStage.objects.for_org(org).bulk_update(ordered, ["position"])
    return ordered


@transaction.atomic
def journey_stage_move(*, org: Organization, stage: JourneyStage, offset: int) -> list[JourneyStage]:
    """Move a stage ``offset`` places left (negative) or right (positive), within the journey."""
    tenant_check(org=org, stage=stage)
    ids = list(JourneyStage.objects.for_org(org).filter(journey_id=stage.journey_id)
               .order_by("position", "id").values_list("pk", flat=True))
    index = ids.index(stage.pk)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return journey_stages_reorder(org=org, journey=stage.journey, stage_ids=ids)


TOUCHPOINT_FIELDS = ("name", "description", "stage", "channel", "owner", "is_moment_of_truth", "position")


@transaction.atomic
def touchpoint_update(*, org: Organization, touchpoint: Touchpoint, data: Mapping[str, Any]) -> Touchpoint:
    """Change a touchpoint: name, description, stage (of its journey), channel, owner (a member of
    the organization), moment-of-truth flag or position."""
    data = dict(data)
    tenant_check(org=org, touchpoint=touchpoint, stage=data.get("stage"))
    if data.get("stage") is not None and data["stage"].journey_id != touchpoint.journey_id:
        raise ValidationError({"stage": [_("The stage belongs to another journey.")]})
    if "owner" in data:
        _require_member(org=org, user=data["owner"], field_name="owner")
    if "channel" in data and data["channel"] not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel.")]})
    if "position" in data and (not isinstance(data["position"], int) or data["position"] < 0):
        raise ValidationError({"position": [_("Enter a whole number, 0 or more.")]})
    if "name" in data:
        data["name"] = _require_name(data["name"])
        _check_unique(Touchpoint.objects.for_org(org).filter(journey_id=touchpoint.journey_id, name=data["name"]),
                      exclude_pk=touchpoint.pk, field_name="name",
                      message=_("This journey already has a touchpoint with this name."))
    _apply(touchpoint, data, TOUCHPOINT_FIELDS)
    touchpoint.save()
    return touchpoint


@transaction.atomic
def touchpoint_delete(*, org: Organization, touchpoint: Touchpoint) -> None:
    """Delete a touchpoint at which no feedback was recorded."""
    tenant_check(org=org, touchpoint=touchpoint)
    count = _responses_at(org, [touchpoint])
    if count:
        raise ValidationError({"non_field_errors": [ngettext(
            "%(n)d feedback response was recorded at this touchpoint; it cannot be deleted.",
            "%(n)d feedback responses were recorded at this touchpoint; it cannot be deleted.", count,
        ) % {"n": count}]})
    _delete_safely(touchpoint, own=(TouchpointUserObjectPermission,))


def _as_decimal(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({name: [_("Enter a number.")]}) from None
    if not number.is_finite() or abs(number) >= SCORE_LIMIT:
        raise ValidationError({name: [_("Enter a finite number below 100,000,000.")]})
    return number


def metric_validate(metric: Metric) -> None:
    """The rules of a metric definition, raised together as one ``ValidationError`` keyed by field.

    Kind and method must match (``METRIC_KIND_METHODS``); NPS is on 0–10, a rate on 0–1, a
    top-two-box or agree-minus-disagree method needs a scale of at least four points; a target of a
    percentage method lies in its range, others within the scale; the follow-up threshold within
    the scale; the minimum n is at least 1.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not (metric.name_en or "").strip() and not (metric.name_es or "").strip():
        add("name_en", _("Give a name in English or Spanish."))
    if metric.kind not in METRIC_KIND_METHODS:
        add("kind", _("Unknown kind."))
    elif metric.method not in METRIC_KIND_METHODS[metric.kind]:
        allowed = ", ".join(str(Metric.Method(m).label) for m in METRIC_KIND_METHODS[metric.kind])
        add("method", _("A %(kind)s metric is calculated as: %(allowed)s.") % {
            "kind": Metric.Kind(metric.kind).label, "allowed": allowed})
    low, high = metric.scale_min, metric.scale_max
    if low is not None and high is not None and low >= high:
        add("scale_max", _("The scale maximum must be above the minimum."))
    method = metric.method
    if method == Metric.Method.NPS and (low, high) != (Decimal(0), Decimal(10)):
        add("scale_min", _("NPS is asked on a 0–10 scale: set the scale to 0 and 10."))
    if method == Metric.Method.SHARE and (low, high) != (Decimal(0), Decimal(1)):
        add("scale_min", _("A rate records 0 or 1 per response: set the scale to 0 and 1."))
    if method in (Metric.Method.TOP2BOX, Metric.Method.AGREE_MINUS_DISAGREE):
        if low is None or high is None:
            add("scale_min", _("This calculation needs the scale's minimum and maximum."))
        elif high - low < 3:
            add("scale_max", _("This calculation needs a scale of at least four points (e.g. 1–5)."))
    if metric.unit and metric.unit not in Metric.Unit.values:
        add("unit", _("Unknown unit."))
    if metric.min_n is None or metric.min_n < 1:
        add("min_n", _("At least 1."))
    if metric.target is not None:
        if method in PERCENT_RANGES:
            lo, hi = PERCENT_RANGES[method]
            if not lo <= metric.target <= hi:
                add("target", _("This metric's value lies between %(low)s and %(high)s.") % {"low": lo, "high": hi})
        elif (low is not None and metric.target < low) or (high is not None and metric.target > high):
            add("target", _("The target must lie within the scale."))
    threshold = metric.follow_up_threshold
    if threshold is not None and ((low is not None and threshold < low) or (high is not None and threshold > high)):
        add("follow_up_threshold", _("The threshold is a response score: it must lie within the scale."))
    if metric.pack and not _slug_ok(metric.pack):
        add("pack", _("Use letters, digits, hyphens and underscores only."))
    if not _slug_ok(metric.code or ""):
        add("code", _("Use letters, digits, hyphens and underscores only."))
    if errors:
        raise ValidationError(errors)


def _slug_ok(value: str) -> bool:
    return bool(value) and len(value) <= 50 and all(c.isalnum() and c.isascii() or c in "-_" for c in value)


def _metric_clean_data(data: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for name in ("scale_min", "scale_max", "target", "follow_up_threshold"):
        if name in data:
            data[name] = _as_decimal(data[name], name)
    for name in ("code", "name_en", "name_es", "pack"):
        if name in data:
            data[name] = (data[name] or "").strip()
    if data.get("unit") is None and "unit" in data:
        data["unit"] = ""
    return data


@transaction.atomic
def metric_create(*, org: Organization, data: Mapping[str, Any]) -> Metric:
    """Define a metric: code, names, kind and calculation method, scale, unit, direction, target,
    minimum n, follow-up threshold and lever. Without ``method`` the kind's default method is used."""
    data = _metric_clean_data(data)
    tenant_check(org=org, lever=data.get("lever"))
    if not data.get("method") and data.get("kind") in METRIC_KIND_METHODS:
        data["method"] = METRIC_KIND_METHODS[data["kind"]][0]
    metric = Metric(organization=org)
    _apply(metric, data, METRIC_FIELDS)
    metric_validate(metric)
    _check_unique(Metric.objects.for_org(org).filter(code=metric.code), exclude_pk=None, field_name="code",
                  message=_("A metric with this code already exists."))
    metric.save()
    return metric


@transaction.atomic
def metric_update(*, org: Organization, metric: Metric, data: Mapping[str, Any]) -> Metric:
    """Change a metric. Once responses exist, its code, kind, method and scale are fixed: they
    decide how every stored response is read (define a new metric to measure differently)."""
    data = _metric_clean_data(data)
    tenant_check(org=org, metric=metric, lever=data.get("lever"))
    changed = [name for name in METRIC_CALCULATION_FIELDS if name in data and data[name] != getattr(metric, name)]
    if changed and Response.objects.for_org(org).filter(metric=metric).exists():
        message = _("Feedback was recorded with this metric, so this cannot change; define a new metric instead.")
        raise ValidationError({name: [message] for name in changed})
    _apply(metric, data, METRIC_FIELDS)
    metric_validate(metric)
    _check_unique(Metric.objects.for_org(org).filter(code=metric.code), exclude_pk=metric.pk, field_name="code",
                  message=_("A metric with this code already exists."))
    metric.save()
    return metric


@transaction.atomic
def metric_delete(*, org: Organization, metric: Metric) -> None:
    """Delete a metric no response was recorded with (its rollups go with it); otherwise deactivate it."""
    tenant_check(org=org, metric=metric)
    count = Response.objects.for_org(org).filter(metric=metric).count()
    if count:
        raise ValidationError({"non_field_errors": [ngettext(
            "%(n)d feedback response was recorded with this metric; deactivate it instead of deleting it.",
            "%(n)d feedback responses were recorded with this metric; deactivate it instead of deleting it.",
            count,
        ) % {"n": count}]})
    _delete_safely(metric, own=(Rollup,))


@dataclass
class PackResult:
    """What installing a metric pack did: the metrics created and the codes already present."""

    created: list[Metric] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)


@transaction.atomic
def metric_pack_omb_a11_install(*, org: Organization) -> PackResult:
    """Install the seven OMB A-11 statements as metrics (pack ``omb_a11``): each on a 1–5 agreement
    scale, reported as the % agreeing (top two boxes), with its English and Spanish name and the
    statement as description. Idempotent: a code already present is left as the organization has it."""
    existing = set(Metric.objects.for_org(org).filter(code__in=[s.code for s in OMB_A11_STATEMENTS])
                   .values_list("code", flat=True))
    lever = Lever.objects.for_org(org).filter(code="voc_measurement").first()
    result = PackResult(existing=sorted(existing))
    for statement in OMB_A11_STATEMENTS:
        if statement.code in existing:
            continue
        result.created.append(metric_create(org=org, data={
            "code": statement.code, "name_en": statement.name_en, "name_es": statement.name_es,
            "description_en": statement.statement_en, "description_es": statement.statement_es,
            "kind": Metric.Kind.CSAT, "method": Metric.Method.TOP2BOX,
            "scale_min": Decimal(1), "scale_max": Decimal(5), "unit": Metric.Unit.PERCENT,
            "higher_is_better": True, "pack": OMB_A11_PACK, "lever": lever,
        }))
    return result


@transaction.atomic
def data_source_update(*, org: Organization, source: DataSource, data: Mapping[str, Any]) -> DataSource:
    """Change a data source's name, kind or active flag; its code is fixed once responses exist
    (external ids are unique per source, and integrations refer to it by code)."""
    tenant_check(org=org, source=source)
    data = dict(data)
    if "name" in data:
        data["name"] = _require_name(data["name"])
    if "kind" in data and data["kind"] not in DataSource.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind.")]})
    if "code" in data:
        data["code"] = (data["code"] or "").strip()
        if not _slug_ok(data["code"]):
            raise ValidationError({"code": [_("Use letters, digits, hyphens and underscores only.")]})
        if data["code"] != source.code:
            if Response.objects.for_org(org).filter(source=source).exists():
                raise ValidationError({"code": [_(
                    "Feedback was recorded from this source, so its code cannot change.")]})
            _check_unique(DataSource.objects.for_org(org).filter(code=data["code"]), exclude_pk=source.pk,
                          field_name="code", message=_("A data source with this code already exists."))
    _apply(source, data, ("code", "name", "kind", "is_active"))
    source.save()
    return source


@transaction.atomic
def data_source_delete(*, org: Organization, source: DataSource) -> None:
    """Delete a data source no response came from; otherwise deactivate it."""
    tenant_check(org=org, source=source)
    count = Response.objects.for_org(org).filter(source=source).count()
    if count:
        raise ValidationError({"non_field_errors": [ngettext(
            "%(n)d feedback response came from this source; deactivate it instead of deleting it.",
            "%(n)d feedback responses came from this source; deactivate it instead of deleting it.", count,
        ) % {"n": count}]})
    _delete_safely(source)



# --- Closing the loop: follow-up cases (inner loop), root causes, insights (Distribute) -------------

NPS_DETRACTOR_MAX = Decimal(6)
FOLLOW_UP_BUSINESS_DAYS = 5
# A response older than this when it arrives (a historical import) opens no case: nobody can
# still follow up a customer months later, and a backfill must not flood owners with cases.
FOLLOW_UP_MAX_AGE = dt.timedelta(days=30)
CASE_FINAL = frozenset({FollowUpCase.Status.RESOLVED, FollowUpCase.Status.CLOSED})


def case_due_date(*, opened_on: dt.date, business_days: int = FOLLOW_UP_BUSINESS_DAYS) -> dt.date:
    """The due date of a case opened on ``opened_on``: that many business days later (Mon–Fri).

    The one place the due-date rule lives; organizations share the default of 5 business days.
    """
    day, added = opened_on, 0
    while added < business_days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return day


def response_needs_follow_up(*, metric: Metric, score: Decimal) -> bool:
    """True for an NPS detractor (0–6) or a score on the wrong side of the metric's threshold:
    at or below it when higher is better, at or above it when lower is better."""
    if _is_nps(metric) and score <= NPS_DETRACTOR_MAX:
        return True
    threshold = metric.follow_up_threshold
    if threshold is None:
        return False
    return score <= threshold if metric.higher_is_better else score >= threshold


def _cases_open_for_responses(*, org: Organization, responses: list[Response], now: dt.datetime) -> int:
    """Open a follow-up case for each fresh response that needs one; returns how many.

    Bulk: one query for the owners (touchpoint owners still in the organization, and its CX leads
    for the fallback) and two bulk inserts (cases and their "opened" events), whatever the rows.
    Called by ``responses_record`` inside its transaction, for rows it has just created only, so a
    duplicate never opens a second case.
    """
    cutoff = now - FOLLOW_UP_MAX_AGE
    needing = [
        r for r in responses
        if r.submitted_at >= cutoff and response_needs_follow_up(metric=r.metric, score=r.score)
    ]
    if not needing:
        return 0
    if any(r.pk is None for r in needing):  # backends that do not return ids from bulk inserts
        ids = dict(
            Response.objects.for_org(org)
            .filter(source_id__in={r.source_id for r in needing}, external_id__in={r.external_id for r in needing})
            .values_list("external_id", "pk")
        )
        for r in needing:
            r.pk = r.id = ids.get(r.external_id)
    wanted = {r.touchpoint.owner_id for r in needing if r.touchpoint is not None and r.touchpoint.owner_id}
    members: set[int] = set()
    leads: list[tuple[str, int]] = []
    rows = (
        Membership.objects.filter(organization=org)
        .filter(Q(user_id__in=wanted) | Q(role=Role.CX_LEAD))
        .values_list("user_id", "role", "user__email")
    )
    for user_id, role, email in rows:
        members.add(user_id)
        if role == Role.CX_LEAD:
            leads.append((email, user_id))
    fallback = min(leads)[1] if leads else None
    due = case_due_date(opened_on=timezone.localtime(now, ZoneInfo(org.timezone)).date())
    cases = []
    for r in needing:
        owner_id = r.touchpoint.owner_id if r.touchpoint is not None else None
        cases.append(FollowUpCase(
            organization=org, response_id=r.pk, touchpoint=r.touchpoint, metric=r.metric,
            owner_id=owner_id if owner_id in members else fallback, status=FollowUpCase.Status.OPEN,
            due_date=due, opened_at=now,
        ))
    # bulk_create bypasses TenantScoped.save(); response, touchpoint and metric were checked by the caller.
    FollowUpCase.objects.bulk_create(cases, batch_size=DEFAULT_CHUNK)
    CaseEvent.objects.bulk_create(
        [CaseEvent(organization=org, case=c, kind=CaseEvent.Kind.OPENED, at=now) for c in cases],
        batch_size=DEFAULT_CHUNK,
    )
    # One case.opened event per ingest call, listing the cases it opened.
    event_publish(org=org, event="case.opened", payload={"cases": [
        {"case": c.pk, "response": c.response_id, "touchpoint": c.touchpoint_id, "metric": c.metric_id,
         "owner": c.owner_id, "due_date": c.due_date}
        for c in cases
    ]})
    return len(cases)


def case_can_work(*, org: Organization, user: User, case: FollowUpCase, role: str | None = None) -> bool:
    """The one rule for who may work a case: ``cases.work`` in the role table, or being its owner.

    ``role`` saves the membership lookup when the caller already has it (a request's membership).
    """
    if case.organization_id != org.pk or not getattr(user, "is_authenticated", False):
        return False
    if role is None:
        role = Membership.objects.filter(organization=org, user=user).values_list("role", flat=True).first()
    if role is None:
        return False
    return role_allows(role, Op.CASES_WORK) or (case.owner_id is not None and case.owner_id == user.pk)


def _case_for_work(*, org: Organization, by: User, case: FollowUpCase) -> FollowUpCase:
    """The case re-read under a row lock, after checking ``by`` may work it and it is not final."""
    tenant_check(org=org, case=case)
    locked = FollowUpCase.objects.for_org(org).select_for_update().get(pk=case.pk)
    if not case_can_work(org=org, user=by, case=locked):
        raise PermissionDenied(_("Only the case's owner or someone who works cases may do this."))
    if locked.status in CASE_FINAL:
        raise ValidationError({"status": [_("This case is already closed; a closed case is final.")]})
    return locked


def _case_event(*, org: Organization, case: FollowUpCase, kind: str, by: User, at: dt.datetime,
                note: str = "") -> CaseEvent:
    return CaseEvent.objects.create(organization=org, case=case, kind=kind, by=by, at=at, note=note)


@transaction.atomic
def case_contact(*, org: Organization, by: User, case: FollowUpCase, note: str = "") -> FollowUpCase:
    """Record that the customer was contacted: open → contacted."""
    case = _case_for_work(org=org, by=by, case=case)
    if case.status != FollowUpCase.Status.OPEN:
        raise ValidationError({"status": [_("Only an open case can be marked as contacted.")]})
    now = timezone.now()
    case.status, case.contacted_at = FollowUpCase.Status.CONTACTED, now
    case.save(update_fields=["status", "contacted_at"])
    _case_event(org=org, case=case, kind=CaseEvent.Kind.CONTACTED, by=by, at=now, note=(note or "").strip())
    return case


@transaction.atomic
def case_close(
    *, org: Organization, by: User, case: FollowUpCase, root_cause: RootCause | None, resolution: str,
    status: str = FollowUpCase.Status.RESOLVED,
) -> FollowUpCase:
    """Resolve or close a case (from open or contacted). Both need a root cause from the
    organization's active list and a resolution or reason; a closed case is final."""
    case = _case_for_work(org=org, by=by, case=case)
    errors = _RowErrors()
    if status not in CASE_FINAL:
        errors.add("status", _("Choose “resolved” or “closed without resolution”."))
    if root_cause is None:
        errors.add("root_cause", _("Choose the root cause from your organization's list before closing."))
    elif root_cause.organization_id != org.pk:
        errors.add("root_cause", _("Not found in this organization."))
    elif not root_cause.is_active:
        errors.add("root_cause", _("This root cause is no longer in use; choose an active one."))
    resolution = (resolution or "").strip()
    if not resolution:
        errors.add("resolution", _("Say how the case was resolved, or why it is closed."))
    if errors:
        raise ValidationError(dict(errors))
    now = timezone.now()
    case.status, case.root_cause, case.resolution, case.closed_at = status, root_cause, resolution, now
    case.save(update_fields=["status", "root_cause", "resolution", "closed_at"])
    kind = CaseEvent.Kind.RESOLVED if status == FollowUpCase.Status.RESOLVED else CaseEvent.Kind.CLOSED
    _case_event(org=org, case=case, kind=kind, by=by, at=now, note=f"{root_cause.name}: {resolution}")
    event_publish(org=org, event="case.closed", payload={
        "case": case.pk, "status": case.status, "root_cause": root_cause.pk, "closed_at": now,
    })
    return case


@transaction.atomic
def case_assign(*, org: Organization, by: User, case: FollowUpCase, owner: User) -> FollowUpCase:
    """Hand the case to another member of the organization."""
    case = _case_for_work(org=org, by=by, case=case)
    if owner is None or not Membership.objects.filter(organization=org, user=owner).exists():
        raise ValidationError({"owner": [_("Not a member of this organization.")]})
    if owner.pk == case.owner_id:
        return case
    case.owner = owner
    case.save(update_fields=["owner"])
    _case_event(org=org, case=case, kind=CaseEvent.Kind.ASSIGNED, by=by, at=timezone.now(), note=str(owner))
    return case


@transaction.atomic
def case_due_date_set(*, org: Organization, by: User, case: FollowUpCase, due_date: dt.date) -> FollowUpCase:
    """Move a case's due date (not before the day it was opened)."""
    case = _case_for_work(org=org, by=by, case=case)
    if not isinstance(due_date, dt.date):
        raise ValidationError({"due_date": [_("Enter a date.")]})
    opened_on = timezone.localtime(case.opened_at, ZoneInfo(org.timezone)).date()
    if due_date < opened_on:
        raise ValidationError({"due_date": [_("The due date cannot be before the day the case was opened.")]})
    if due_date != case.due_date:
        previous = case.due_date
        case.due_date = due_date
        case.save(update_fields=["due_date"])
        _case_event(org=org, case=case, kind=CaseEvent.Kind.DUE_CHANGED, by=by, at=timezone.now(),
                    note=f"{previous.isoformat()} → {due_date.isoformat()}")
    return case


def _root_cause_name(*, org: Organization, name: str, exclude_pk: int | None = None) -> str:
    name = _require_name(name)
    clash = RootCause.objects.for_org(org).filter(name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": [_("A root cause with this name already exists.")]})
    return name


@transaction.atomic
def root_cause_create(*, org: Organization, name: str, description: str = "") -> RootCause:
    """Add a root cause to the organization's list (names unique, ignoring case)."""
    name = _root_cause_name(org=org, name=name)
    return RootCause.objects.create(organization=org, name=name, description=(description or "").strip())


@transaction.atomic
def root_cause_update(
    *, org: Organization, root_cause: RootCause, name: str | None = None, description: str | None = None,
    is_active: bool | None = None,
) -> RootCause:
    """Rename, redescribe, deactivate or reactivate a root cause. Closed cases keep pointing at it;
    a deactivated one is no longer offered when closing a case."""
    tenant_check(org=org, root_cause=root_cause)
    fields = []
    if name is not None:
        root_cause.name = _root_cause_name(org=org, name=name, exclude_pk=root_cause.pk)
        fields.append("name")
    if description is not None:
        root_cause.description = description.strip()
        fields.append("description")
    if is_active is not None:
        root_cause.is_active = bool(is_active)
        fields.append("is_active")
    if fields:
        root_cause.save(update_fields=fields)
    return root_cause


@transaction.atomic
def root_cause_delete(*, org: Organization, root_cause: RootCause) -> None:
    """Delete a root cause that no case uses; one that a case uses can only be deactivated."""
    tenant_check(org=org, root_cause=root_cause)
    if FollowUpCase.objects.for_org(org).filter(root_cause=root_cause).exists():
        raise ValidationError({"root_cause": [_("Cases use this root cause: deactivate it instead of deleting it.")]})
    root_cause.delete()


@transaction.atomic
def journey_stakeholders_set(*, org: Organization, journey: Journey, users: Iterable[User]) -> list[User]:
    """Set who receives the insights distributed for ``journey``; every stakeholder must be a member."""
    tenant_check(org=org, journey=journey)
    users = list({u.pk: u for u in users}.values())
    member_ids = set(
        Membership.objects.filter(organization=org, user_id__in=[u.pk for u in users]).values_list("user_id", flat=True)
    )
    outsiders = [u for u in users if u.pk not in member_ids]
    if outsiders:
        raise ValidationError({"stakeholders": [
            _("Not a member of this organization: %(who)s.") % {"who": ", ".join(str(u) for u in outsiders)}
        ]})
    journey.stakeholders.set(users)
    return users


_ROLLUP_SUBJECTS = {
    Rollup.Grain.TOUCHPOINT: Touchpoint, Rollup.Grain.JOURNEY: Journey, Rollup.Grain.SEGMENT: Segment,
}


def _insight_rollup_evidence(*, org: Organization, refs: Iterable[Mapping[str, Any]]) -> list[InsightEvidence]:
    metrics = {m.code: m for m in Metric.objects.for_org(org)}
    evidence, errors = [], []
    for index, ref in enumerate(refs):
        metric = ref.get("metric")
        metric = metrics.get(metric) if isinstance(metric, str) else metric
        grain, period = ref.get("grain"), ref.get("period")
        subject_id, start = ref.get("subject_id") or 0, ref.get("period_start")
        if isinstance(start, str):
            try:
                start = dt.date.fromisoformat(start)
            except ValueError:
                start = None
        problem = None
        if not isinstance(metric, Metric) or metric.organization_id != org.pk:
            problem = _("Unknown metric.")
        elif grain not in Rollup.Grain.values or period not in Rollup.Period.values or not isinstance(start, dt.date):
            problem = _("Give a grain, a period and a period start.")
        elif grain != Rollup.Grain.ORGANIZATION and not (
            _ROLLUP_SUBJECTS[grain].objects.for_org(org).filter(pk=subject_id).exists()
        ):
            problem = _("Not found in this organization.")
        elif not Rollup.objects.for_org(org).filter(
            metric=metric, grain=grain, subject_id=0 if grain == Rollup.Grain.ORGANIZATION else subject_id,
            period=period, period_start=start,
        ).exists():
            problem = _("There is no such figure: no feedback was summarised for that period.")
        if problem:
            errors.append(f"{index + 1}: {problem}")
            continue
        evidence.append(InsightEvidence(
            organization=org, metric=metric, grain=grain,
            subject_id=0 if grain == Rollup.Grain.ORGANIZATION else subject_id, period=period, period_start=start,
            note=str(ref.get("note") or "").strip(),
        ))
    if errors:
        raise ValidationError({"rollups": errors})
    return evidence


@transaction.atomic
def insight_create(
    *,
    org: Organization,
    by: User,
    title: str,
    body: str,
    journey: Journey | None = None,
    touchpoints: Iterable[Touchpoint] = (),
    response_ids: Iterable[int] = (),
    rollups: Iterable[Mapping[str, Any]] = (),
    links: Iterable[Mapping[str, str]] = (),
) -> Insight:
    """Write an insight with its evidence: feedback comments (responses of the chosen touchpoints,
    by id), rollup figures (by key: metric, grain, subject, period, start) and links with notes.

    Touchpoints must belong to the journey when one is given. Nothing is stored if any piece of
    evidence is refused.
    """
    touchpoints = list(touchpoints)
    tenant_check(org=org, journey=journey, touchpoints=touchpoints)
    _require_member(org=org, user=by, field_name="by")
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_("Keep this under %(n)d characters.") % {"n": 200}]
    body = (body or "").strip()
    if not body:
        errors["body"] = [_("This field is required.")]
    if journey is not None and any(tp.journey_id != journey.pk for tp in touchpoints):
        errors["touchpoints"] = [_("Choose touchpoints of the insight's journey.")]
    ids = sorted({int(i) for i in response_ids})
    responses = Response.objects.for_org(org).in_bulk(ids) if ids else {}
    missing = [i for i in ids if i not in responses]
    if missing:
        errors["responses"] = [_("Not found in this organization: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]
    elif touchpoints and any(r.touchpoint_id not in {tp.pk for tp in touchpoints} for r in responses.values()):
        errors["responses"] = [_("Pick comments from the insight's touchpoints.")]
    link_evidence = []
    validate_url = URLValidator(schemes=["http", "https"])
    for link in links:
        url = str(link.get("url") or "").strip()
        try:
            validate_url(url)
        except ValidationError:
            errors.setdefault("links", []).append(_("Enter a valid http(s) address: %(url)s") % {"url": url[:80]})
            continue
        link_evidence.append(InsightEvidence(organization=org, url=url, note=str(link.get("note") or "").strip()))
    try:
        rollup_evidence = _insight_rollup_evidence(org=org, refs=rollups)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        rollup_evidence = []
    if errors:
        raise ValidationError(errors)
    insight = Insight.objects.create(organization=org, title=title, body=body, journey=journey, created_by=by)
    if touchpoints:
        insight.touchpoints.set(touchpoints)
    evidence = [InsightEvidence(organization=org, response_id=i) for i in ids] + rollup_evidence + link_evidence
    for item in evidence:
        item.insight = insight
    InsightEvidence.objects.bulk_create(evidence)
    return insight


@transaction.atomic
def insight_distribute(*, org: Organization, by: User, insight: Insight) -> list[InsightRecipient]:
    """Share the insight with its journey's stakeholders: a recipient row, an inbox notification
    and (after commit, through the inbox's Celery task) an email each. Distributing again reaches
    only stakeholders added since; returns the new recipients."""
    from cxgov.inbox.services import notification_send

    tenant_check(org=org, insight=insight)
    if insight.journey_id is None:
        raise ValidationError({"journey": [_("Link the insight to a journey: its stakeholders receive it.")]})
    journey = Journey.objects.for_org(org).get(pk=insight.journey_id)
    stakeholders = list(
        journey.stakeholders.filter(memberships__organization=org).order_by("email").distinct()
    )
    if not stakeholders:
        raise ValidationError({"journey": [_("This journey has no stakeholders yet: add some first.")]})
    already = set(InsightRecipient.objects.for_org(org).filter(insight=insight).values_list("user_id", flat=True))
    now = timezone.now()
    fresh = [
        InsightRecipient(organization=org, insight=insight, user=user, notified_at=now)
        for user in stakeholders if user.pk not in already
    ]
    InsightRecipient.objects.bulk_create(fresh)
    url = reverse("voc:insight-detail", kwargs={"pk": insight.pk})
    for recipient in fresh:
        with translation.override(recipient.user.language or org.language):
            notification_send(
                org=org, user=recipient.user, kind="insight", url=url, dedupe_key=f"insight:{insight.pk}",
                title=_("New insight: %(title)s") % {"title": insight.title},
                body=_("%(who)s shared an insight on the journey %(journey)s.\n\n%(body)s") % {
                    "who": by, "journey": journey.name, "body": insight.body[:1000],
                },
            )
    if insight.distributed_at is None:
        insight.distributed_at = now
        insight.save(update_fields=["distributed_at"])
    return fresh


@transaction.atomic
def insight_mark_read(*, org: Organization, user: User, insight: Insight) -> bool:
    """Mark the insight read by ``user`` if they are one of its recipients; True when it was unread."""
    tenant_check(org=org, insight=insight)
    return bool(
        InsightRecipient.objects.for_org(org)
        .filter(insight=insight, user=user, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


# --- Feedback from people and systems: ambassador grants, the one-tap form, the bulk API ----------
# (The file import lives in voc/ingest/services.py; every path below lands through responses_record.)

LOG_FEEDBACK_PERM = "voc.log_feedback"
MANUAL_SOURCE_CODE = "manual"
API_SOURCE_CODE = "api"


@transaction.atomic
def touchpoint_ambassadors_set(*, org: Organization, touchpoint: Touchpoint, users: Iterable[User]) -> set[int]:
    """Grant exactly ``users`` the right to log feedback on ``touchpoint``; returns their ids.

    Grants are django-guardian object permissions (``voc.log_feedback``) stored in the direct-FK
    model ``TouchpointUserObjectPermission``; users no longer listed lose theirs. Every user must
    be a member of ``org``; the touchpoint must be ``org``'s (same message as a missing one).
    """
    from guardian.shortcuts import assign_perm, remove_perm

    tenant_check(org=org, touchpoint=touchpoint)
    wanted = {user.pk: user for user in users}
    members = set(
        Membership.objects.filter(organization=org, user_id__in=wanted).values_list("user_id", flat=True)
    )
    if set(wanted) - members:
        raise ValidationError({"users": [_("Not a member of this organization.")]})
    current = set(
        TouchpointUserObjectPermission.objects.filter(
            content_object=touchpoint, permission__codename="log_feedback"
        ).values_list("user_id", flat=True)
    )
    for user_id, user in wanted.items():
        if user_id not in current:
            assign_perm(LOG_FEEDBACK_PERM, user, touchpoint)
    for user in User.objects.filter(pk__in=current - set(wanted)):
        remove_perm(LOG_FEEDBACK_PERM, user, touchpoint)
    return set(wanted)


@transaction.atomic
def feedback_log(
    *,
    org: Organization,
    user: User,
    touchpoint: Touchpoint | int,
    metric: str,
    score: Any,
    external_id: str,
    comment: str = "",
    customer_ref: str = "",
) -> RecordResult:
    """One response from the ambassador form, now, from the "manual" source.

    ``external_id`` is generated when the form is shown and travels in it, so submitting the same
    form twice records one response (the second call reports a duplicate). Only on a touchpoint
    ``user`` may log on (``touchpoints_loggable_by``); any other, including another organization's
    or a tampered id, raises ``PermissionDenied``.
    """
    from .selectors import touchpoints_loggable_by

    touchpoint_id = touchpoint.pk if isinstance(touchpoint, Touchpoint) else touchpoint
    if not isinstance(touchpoint_id, int) or not touchpoints_loggable_by(org=org, user=user).filter(
        pk=touchpoint_id
    ).exists():
        raise PermissionDenied(_("You may not log feedback on this touchpoint."))
    return responses_record(
        org=org,
        rows=[{
            "source": MANUAL_SOURCE_CODE, "external_id": external_id, "metric": metric,
            "touchpoint": touchpoint_id, "score": score, "submitted_at": timezone.now(),
            "comment": comment, "customer_ref": customer_ref,
        }],
        recorded_by=user,
    )


class _DryRunRollback(Exception):
    """Raised inside a savepoint to discard what a validation-only call wrote."""


@transaction.atomic
def feedback_bulk_record(*, org: Organization, user: User, items: list[Any], atomic: bool = False) -> RecordResult:
    """The REST bulk ingest: ``items`` as an API client sent them (JSON objects).

    Each item's ``source`` defaults to the API source. An ambassador (whose ``feedback.log`` is
    limited to granted touchpoints) gets a row error for any item outside their grants; other roles
    allowed to log may use every touchpoint. Errors are reported by the item's index. With
    ``atomic``, any error means nothing is stored (and no duplicates are counted).
    """
    from .selectors import touchpoints_loggable_by

    membership = Membership.objects.filter(organization=org, user=user).first()
    limited = membership is not None and membership.role == Role.AMBASSADOR
    allowed = set(touchpoints_loggable_by(org=org, user=user).values_list("pk", flat=True)) if limited else set()
    early: dict[int, dict[str, list[str]]] = {}
    rows: list[dict[str, Any]] = []
    positions: list[int] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            early[index] = {"non_field_errors": [_("Each item must be an object.")]}
            continue
        row = dict(item)
        if row.get("source") in (None, ""):
            row["source"] = API_SOURCE_CODE
        if not isinstance(row.get("submitted_at"), str) and "submitted_at" in row:
            early[index] = {"submitted_at": [_("Give an ISO 8601 date and time with an offset, as a string.")]}
            continue
        if limited:
            tp = row.get("touchpoint")
            if not isinstance(tp, int) or isinstance(tp, bool):
                early[index] = {"touchpoint": [_("Name one of the touchpoints granted to you (its id).")]}
                continue
            if tp not in allowed:
                early[index] = {"touchpoint": [_("You may not log feedback on this touchpoint.")]}
                continue
        rows.append(row)
        positions.append(index)

    if atomic and early:
        # Report the other rows' errors too, but store nothing: validate inside a discarded savepoint.
        checked = RecordResult()
        try:
            with transaction.atomic():
                checked = responses_record(org=org, rows=rows, recorded_by=user, atomic=True)
                raise _DryRunRollback
        except _DryRunRollback:
            pass
        errors = [{"index": positions[e["index"]], "errors": e["errors"]} for e in checked.errors]
        errors += [{"index": i, "errors": e} for i, e in early.items()]
        return RecordResult(errors=sorted(errors, key=lambda e: e["index"]))

    result = responses_record(org=org, rows=rows, recorded_by=user, atomic=atomic)
    errors = [{"index": positions[e["index"]], "errors": e["errors"]} for e in result.errors]
    errors += [{"index": i, "errors": e} for i, e in early.items()]
    result.errors = sorted(errors, key=lambda e: e["index"])
    return result
