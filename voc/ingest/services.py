"""Import-job services: upload (checked whole before anything is stored), mapping, start, and the
run itself, which the Celery task calls. Rows land through ``voc.services.responses_record``."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cxgov.tenancy.models import Organization, User

from ..models import DataSource, ImportJob, Metric
from .mapping import FIELDS, RowBuilder, check_rows, format_errors, guess_mapping, mapping_errors
from .parsing import MAX_BYTES, ImportFileError, Table, check_size, file_format_for, read_table

CHUNK_ROWS = 1000
DEFAULT_SOURCE_KINDS = (DataSource.Kind.SURVEY,)


def _read_job_file(job: ImportJob, *, limit: int | None = None) -> Table:
    with job.file.open("rb") as handle:
        data = handle.read()
    return read_table(data, job.file_format, limit=limit)


def import_defaults_initial(*, org: Organization) -> dict[str, str]:
    """Defaults offered for a new import: the first active survey source, NPS, the org's time zone."""
    sources = list(DataSource.objects.for_org(org).filter(is_active=True).order_by("name"))
    source = next((s for s in sources if s.kind in DEFAULT_SOURCE_KINDS), sources[0] if sources else None)
    metric_codes = set(Metric.objects.for_org(org).filter(is_active=True).values_list("code", flat=True))
    return {
        "source": source.code if source else "",
        "metric": "nps" if "nps" in metric_codes else "",
        "timezone": org.timezone,
    }


@transaction.atomic
def import_job_create(*, org: Organization, by: User | None, uploaded: UploadedFile) -> ImportJob:
    """Store an uploaded CSV / Excel file as an import job, after reading it whole.

    Refused with a ``ValidationError`` on ``file`` (and nothing stored) when the type, size,
    encoding or structure is wrong, it has no data rows, or more rows than the limit. The column
    mapping starts from a guess made from the headers.
    """
    name = (uploaded.name or "").rsplit("/", 1)[-1]
    try:
        file_format = file_format_for(name)
        check_size(uploaded.size or 0)
        data = uploaded.read(MAX_BYTES + 1)
        table = read_table(data, file_format)
    except ImportFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    job = ImportJob(
        organization=org, created_by=by, original_name=name[:255], file_format=file_format,
        file_sha256=hashlib.sha256(data).hexdigest(), encoding=table.encoding, delimiter=table.delimiter,
        total_rows=len(table.rows), mapping={"headers": table.headers, "fields": guess_mapping(table.headers)},
        defaults=import_defaults_initial(org=org),
    )
    # A random name: the original one may say more than it should, and it is kept in original_name.
    job.file.save(f"{uuid.uuid4().hex}.{file_format}", ContentFile(data), save=False)
    job.save()
    return job


def import_job_headers(job: ImportJob) -> list[str]:
    return list((job.mapping or {}).get("headers") or [])


def import_job_fields(job: ImportJob) -> dict[str, int | None]:
    fields = (job.mapping or {}).get("fields") or {}
    return {name: fields.get(name) for name in FIELDS}


@transaction.atomic
def import_job_map(*, org: Organization, job: ImportJob, fields: dict[str, Any],
                   defaults: dict[str, Any]) -> ImportJob:
    """Set the column of each field (an index into the headers, or None) and the defaults
    (``source`` and ``metric`` codes of this organization, ``timezone`` for naive dates)."""
    if job.organization_id != org.pk:
        raise ImportJob.DoesNotExist
    if job.status != ImportJob.Status.UPLOADED:
        raise ValidationError({"status": [_("This import has already started; upload the file again to redo it.")]})
    width = len(import_job_headers(job))
    errors: dict[str, list[str]] = {}
    clean_fields: dict[str, int | None] = {}
    for name in FIELDS:
        value = fields.get(name)
        if value in (None, ""):
            clean_fields[name] = None
            continue
        try:
            index = int(value)
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < width:
            errors[name] = [_("Choose one of the file's columns.")]
        clean_fields[name] = index
    clean_defaults = {}
    source = (defaults.get("source") or "").strip()
    if source and not DataSource.objects.for_org(org).filter(code=source, is_active=True).exists():
        errors["default_source"] = [_("Choose an active data source of this organization.")]
    metric = (defaults.get("metric") or "").strip()
    if metric and not Metric.objects.for_org(org).filter(code=metric, is_active=True).exists():
        errors["default_metric"] = [_("Choose an active metric of this organization.")]
    tz = (defaults.get("timezone") or org.timezone).strip()
    if tz not in zoneinfo.available_timezones():
        errors["default_timezone"] = [_("Choose a time zone from the list.")]
    clean_defaults = {"source": source, "metric": metric, "timezone": tz}
    if errors:
        raise ValidationError(errors)
    job.mapping = {"headers": import_job_headers(job), "fields": clean_fields}
    job.defaults = clean_defaults
    job.save(update_fields=["mapping", "defaults"])
    return job


def import_job_row_builder(*, org: Organization, job: ImportJob) -> RowBuilder:
    return RowBuilder(org=org, headers=import_job_headers(job), mapping=import_job_fields(job),
                      defaults=job.defaults or {}, file_sha256=job.file_sha256)


def import_job_preview(*, org: Organization, job: ImportJob, rows: int = 20) -> tuple[list[str], list[dict[str, Any]]]:
    """The file's headers and its first ``rows`` rows as they would be imported now (see
    ``mapping.preview``). Raises ``ImportFileError`` / ``OSError`` if the file cannot be read."""
    from .mapping import preview

    table = _read_job_file(job, limit=rows)
    builder = RowBuilder(org=org, headers=table.headers, mapping=import_job_fields(job),
                         defaults=job.defaults or {}, file_sha256=job.file_sha256)
    return table.headers, preview(org=org, builder=builder, rows=table.rows)


@transaction.atomic
def import_job_start(*, org: Organization, job: ImportJob) -> ImportJob:
    """Queue the import (after commit). Refused while a required column or default is missing."""
    from ..tasks import import_feedback

    if job.organization_id != org.pk:
        raise ImportJob.DoesNotExist
    if job.status != ImportJob.Status.UPLOADED:
        raise ValidationError({"status": [_("This import has already started.")]})
    errors = mapping_errors(import_job_fields(job), job.defaults or {})
    if errors:
        raise ValidationError(errors)
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["status"])
    job_id = job.pk
    transaction.on_commit(lambda: import_feedback.delay(org_id=org.pk, job_id=job_id))
    return job


def _part_name(job: ImportJob, start: int) -> str:
    return f"imports/reports/parts/{job.pk}/{start:09d}.csv"


def _write_part(name: str, rejected: list[tuple[int, list[Any], dict[str, list[str]]]]) -> None:
    """One chunk's rejected rows; rewritten identically when a chunk is retried."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line, values, errors in rejected:
        writer.writerow([line, _cell_text(format_errors(errors)), *[_cell_text(v) for v in values]])
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(buffer.getvalue().encode("utf-8")))


def _cell_text(value: Any) -> str:
    """A cell of the rejected-rows report, which people open in a spreadsheet: text that would run as a
    formula there (starting with = + - @, a tab or a carriage return) gets a leading apostrophe."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return "'" + text if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def import_job_run(*, org: Organization, job_id: int) -> ImportJob | None:
    """Import a queued job's rows, one chunk per transaction, resuming where a lost worker stopped.

    Each chunk goes through ``responses_record`` (which dedupes on source + external id) and bumps
    the job's counters in the same transaction, so a chunk is either wholly counted or not at all;
    a rerun skips the chunks already counted and re-records nothing. Rows refused before or by the
    service go to the rejected-rows report (line, reasons, original values). A finished job is
    left alone. A file that can no longer be read fails the job with a message.
    """
    job = ImportJob.objects.for_org(org).filter(pk=job_id).first()
    if job is None or job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return job
    ImportJob.objects.for_org(org).filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=job.started_at or timezone.now()
    )
    job.refresh_from_db()
    try:
        table = _read_job_file(job)
    except (ImportFileError, OSError, ValueError) as exc:
        ImportJob.objects.for_org(org).filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now(),
            message=_("The file could not be read again: %(error)s") % {"error": exc},
        )
        job.refresh_from_db()
        return job
    builder = import_job_row_builder(org=org, job=job)
    from ..services import responses_record

    total = len(table.rows)
    # processed_rows only ever advances by whole chunks, so it is where a rerun resumes.
    for start in range(job.processed_rows, total, CHUNK_ROWS):
        chunk = table.rows[start:start + CHUNK_ROWS]
        built = [builder.build(line, values) for line, values in chunk]
        check_rows(org=org, built=built)
        rejected = [(b.line, b.values, b.errors) for b in built if b.errors]
        ready = [b for b in built if not b.errors]
        with transaction.atomic():
            # The job row's lock makes a redelivered task that races a still-running one count each
            # chunk once: whoever gets the lock second sees the chunk counted and skips it.
            counted = (ImportJob.objects.for_org(org).select_for_update().filter(pk=job.pk)
                       .values_list("processed_rows", flat=True).first())
            if counted is None or counted > start:
                continue
            # Imported rows were not "recorded by hand": recorded_by stays empty; the job says who.
            result = responses_record(org=org, rows=[b.row for b in ready])
            for entry in result.errors:
                b = ready[entry["index"]]
                rejected.append((b.line, b.values, entry["errors"]))
            rejected.sort(key=lambda r: r[0])
            _write_part(_part_name(job, start), rejected)
            ImportJob.objects.for_org(org).filter(pk=job.pk).update(
                processed_rows=start + len(chunk), total_rows=total,
                created_count=F("created_count") + result.created,
                duplicate_count=F("duplicate_count") + result.duplicates,
                error_count=F("error_count") + len(rejected),
            )
    with transaction.atomic():
        # Locked, and once: a second run finishing the same job would rebuild the report from parts
        # the first run has already deleted.
        job = ImportJob.objects.for_org(org).select_for_update().get(pk=job.pk)
        if job.status == ImportJob.Status.RUNNING:
            _finish(org=org, job=job, total=total)
    job.refresh_from_db()
    return job


def import_job_report_header(job: ImportJob) -> list[str]:
    """The header row of a job's rejected-rows report, the file's own headers defused like its cells."""
    return [_("line"), _("reasons"), *[_cell_text(h) for h in import_job_headers(job)]]


def _finish(*, org: Organization, job: ImportJob, total: int) -> None:
    """Join the chunks' rejected rows into one report and mark the job done."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(import_job_report_header(job))
    parts = []
    for start in range(0, total, CHUNK_ROWS):
        name = _part_name(job, start)
        if default_storage.exists(name):
            parts.append(name)
            with default_storage.open(name, "rb") as handle:
                buffer.write(handle.read().decode("utf-8"))
    # Excel opens a UTF-8 CSV correctly only with the byte-order mark.
    report = ContentFile(("\ufeff" + buffer.getvalue()).encode("utf-8"))
    if job.report:
        job.report.delete(save=False)
    job.report.save(f"{uuid.uuid4().hex}.csv", report, save=False)
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.message = ""
    job.save(update_fields=["report", "status", "finished_at", "message"])

    def delete_parts() -> None:
        for name in parts:
            default_storage.delete(name)

    # Only once the job is marked done: a worker killed before that rebuilds the report from them.
    transaction.on_commit(delete_parts)
