"""Data ownership: export an organization's data, restore an export, delete an organization.

Everything is discovered from the app registry (``archive``), so the tenant models other apps add
are exported, restored and deleted without an edit here.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxgov.tenancy.middleware import SESSION_ORG_KEY
from cxgov.tenancy.models import Membership, Organization, User

from . import archive
from .models import DataExport

logger = logging.getLogger(__name__)

EXPORT_DAYS = 7
CHUNK = 2000
EXPORTS_DIR = "exports"


class ExportEncoder(DjangoJSONEncoder):
    """Django's encoder keeps milliseconds only; an export must keep every microsecond."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class RestoreError(Exception):
    """The archive cannot be restored here; the message says why and what to do."""


def exports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORTS_DIR


def _chunks(iterable: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(iterable, size)):
        yield chunk


def _serialize(objs: list[models.Model]) -> list[dict[str, Any]]:
    return serializers.serialize("python", objs, use_natural_foreign_keys=True)


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


# ---- Export ---------------------------------------------------------------------------------


@transaction.atomic
def data_export_request(*, org: Organization, by: User) -> DataExport:
    """Queue a new export of ``org``; the archive is built by a Celery task after commit."""
    from .tasks import data_export_run

    now = timezone.now()
    export = DataExport.objects.create(
        organization=org, requested_by=by, created_at=now, expires_at=now + dt.timedelta(days=EXPORT_DAYS),
    )
    transaction.on_commit(lambda: data_export_run.delay(org_id=org.pk, export_id=export.pk))
    return export


def data_export_build(*, org: Organization, export_id: int) -> DataExport:
    """Build the archive of one requested export (idempotent: a finished export is left alone).

    The zip is written to a temporary name and renamed when complete, so a worker killed half-way
    leaves no half archive behind; a retried task simply builds it again.
    """
    export = DataExport.objects.for_org(org).filter(pk=export_id).first()
    if export is None or export.status == DataExport.Status.DONE:
        return export
    DataExport.objects.for_org(org).filter(pk=export.pk).update(status=DataExport.Status.RUNNING)
    folder = exports_root() / str(org.pk)
    folder.mkdir(parents=True, exist_ok=True)
    # 128 random bits in the name: even a web server that wrongly served MEDIA_ROOT could not be
    # made to hand an export out by guessing.
    name = f"{org.slug}-{timezone.now():%Y%m%d-%H%M%S}-{export.pk}-{secrets.token_hex(16)}.zip"
    partial = folder / (name + ".part")
    try:
        rows = organization_archive_write(org=org, target=partial)
        partial.replace(folder / name)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        DataExport.objects.for_org(org).filter(pk=export.pk).update(
            status=DataExport.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now(),
        )
        logger.exception("export %s of organization %s failed", export.pk, org.slug)
        raise
    DataExport.objects.for_org(org).filter(pk=export.pk).update(
        status=DataExport.Status.DONE, file_name=f"{EXPORTS_DIR}/{org.pk}/{name}",
        size_bytes=(folder / name).stat().st_size, row_count=rows, finished_at=timezone.now(), error="",
    )
    export.refresh_from_db()
    return export


def _rows(model: type[models.Model], org: Organization) -> Iterator[models.Model]:
    qs = model.objects.for_org(org).order_by("pk")
    if model._meta.local_many_to_many:
        # One query per row for its links: only the small configuration models have any.
        return iter(qs)
    return qs.iterator(chunk_size=CHUNK)


def _members_and_referenced_users(org: Organization) -> tuple[list[User], set[int]]:
    member_ids = set(Membership.objects.filter(organization=org).values_list("user_id", flat=True))
    referenced: set[int] = set()
    for model in archive.exported_models():
        for f in archive.user_fields(model):
            referenced |= set(
                model.objects.for_org(org).exclude(**{f"{f.attname}__isnull": True})
                .values_list(f.attname, flat=True).distinct()
            )
    for model in archive.grant_models():
        referenced |= set(
            model.objects.filter(content_object__organization=org).values_list("user_id", flat=True).distinct()
        )
    users = list(User.objects.filter(pk__in=member_ids | referenced).order_by("email"))
    return users, member_ids


def organization_archive_write(*, org: Organization, target: Path) -> int:
    """Write the archive of ``org`` to ``target`` (a zip, see ``archive``); returns the rows written."""
    counts: dict[str, int] = {}
    files: list[str] = []
    missing_files: list[str] = []
    emptied: list[str] = []
    total = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.writestr("organization.json", json.dumps(_serialize([org]), cls=ExportEncoder, indent=1))
        memberships = list(Membership.objects.filter(organization=org).order_by("pk"))
        zf.writestr("memberships.json", json.dumps(_serialize(memberships), cls=ExportEncoder, indent=1))
        users, member_ids = _members_and_referenced_users(org)
        zf.writestr("users.json", json.dumps([
            {
                "email": u.email, "full_name": u.full_name, "language": u.language, "is_active": u.is_active,
                "date_joined": u.date_joined,
                # Members keep their sign-in after a restore; others referenced by a row do not.
                "password": u.password if u.pk in member_ids else "",
                "member": u.pk in member_ids,
            }
            for u in users
        ], cls=ExportEncoder, indent=1))

        with zf.open("data.json", "w", force_zip64=True) as raw:
            out = io.TextIOWrapper(raw, encoding="utf-8")
            out.write("[")
            first = True
            for model in archive.exported_models():
                outside = archive.outside_references(model)
                for f in outside:
                    if not f.null:
                        raise ValueError(f"{model._meta.label}.{f.name} points outside the export and is required")
                    emptied.append(f"{model._meta.label}.{f.name}")
                n = 0
                for chunk in _chunks(_rows(model, org), CHUNK):
                    for obj, item in zip(chunk, _serialize(chunk), strict=True):
                        for f in outside:
                            item["fields"][f.name] = None
                        for ff in archive.file_fields(model):
                            name = getattr(obj, ff.attname).name
                            if name:
                                (files if default_storage.exists(name) else missing_files).append(name)
                        out.write(("\n" if first else ",\n") + json.dumps(item, cls=ExportEncoder))
                        first = False
                    n += len(chunk)
                counts[model._meta.label] = n
                total += n
            out.write("\n]\n")
            out.flush()
            out.detach()

        grants: list[dict[str, Any]] = []
        for model in archive.grant_models():
            rows = list(model.objects.filter(content_object__organization=org).order_by("pk"))
            grants.extend(_serialize(rows))
            counts[model._meta.label] = len(rows)
        zf.writestr("grants.json", json.dumps(grants, cls=ExportEncoder, indent=1))

        for model in archive.exported_models():
            _write_csv(zf, model, org)

        for name in sorted(set(files)):
            with default_storage.open(name, "rb") as src, zf.open(f"files/{name}", "w", force_zip64=True) as dst:
                for block in iter(lambda src=src: src.read(1 << 20), b""):
                    dst.write(block)

        skipped_group_grants = [
            m._meta.label for m in archive.group_grant_models()
            if m.objects.filter(content_object__organization=org).exists()
        ]
        zf.writestr("manifest.json", json.dumps({
            "format": archive.FORMAT,
            "version": archive.VERSION,
            "created_at": timezone.now(),
            "organization": {"id": org.pk, "slug": org.slug, "name": org.name},
            "models": counts,
            "rows": total,
            "users": len(users),
            "memberships": len(memberships),
            "files": sorted(set(files)),
            "missing_files": sorted(set(missing_files)),
            "emptied_references": sorted(set(emptied)),
            "skipped_group_grants": skipped_group_grants,
            "notes": [
                "Password hashes of members are included so that a restore keeps their sign-in.",
                "API tokens are not exported: issue new ones after a restore.",
                "Restore with: python manage.py org_restore <this zip>",
            ],
        }, cls=ExportEncoder, indent=1))
    return total


def _write_csv(zf: zipfile.ZipFile, model: type[models.Model], org: Organization) -> None:
    fields = [f for f in model._meta.concrete_fields]
    m2m = list(model._meta.local_many_to_many)
    with zf.open(f"csv/{model._meta.label_lower}.csv", "w", force_zip64=True) as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(out)
        writer.writerow([f.attname for f in fields] + [f.name for f in m2m])
        for chunk in _chunks(_rows(model, org), CHUNK):
            for obj in chunk:
                row = [_csv_cell(f.value_to_string(obj) if not f.is_relation else getattr(obj, f.attname))
                       for f in fields]
                row += [";".join(str(pk) for pk in getattr(obj, f.name).values_list("pk", flat=True)) for f in m2m]
                writer.writerow(row)
        out.flush()
        out.detach()


# ---- Restore --------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    organization: Organization
    rows: int = 0
    users_created: int = 0
    users_matched: int = 0
    files: int = 0
    per_model: dict[str, int] = field(default_factory=dict)


def _read_json(zf: zipfile.ZipFile, name: str) -> Any:
    try:
        with zf.open(name) as fh:
            return json.load(fh)
    except KeyError as exc:
        raise RestoreError(f"The archive has no {name}: it is not a complete cxgov export.") from exc
    except json.JSONDecodeError as exc:
        raise RestoreError(f"{name} in the archive is not valid JSON ({exc}).") from exc


def _model_of(label: str) -> type[models.Model]:
    from django.apps import apps

    try:
        return apps.get_model(label)
    except (LookupError, ValueError) as exc:
        raise RestoreError(
            f"The archive holds rows of {label}, which this installation does not have: "
            "restore into an installation of the same or a newer cxgov version."
        ) from exc


def _check_free(label: str, pks: list[Any], collisions: dict[str, int]) -> None:
    model = _model_of(label)
    taken = 0
    for i in range(0, len(pks), 500):
        taken += model._base_manager.filter(pk__in=pks[i:i + 500]).count()
    if taken:
        collisions[label] = taken


def organization_restore(*, path: Path | str, log: Callable[[str], None] = lambda _m: None) -> RestoreResult:
    """Load an export into this installation, which must not hold that organization yet.

    Rows keep their primary keys, so every reference inside the archive stays valid without any
    remapping. That is only correct when those keys are free here: the restore refuses, naming the
    models, if any is taken (the case of restoring into an installation that has since reused them;
    restore into a fresh installation instead). Users are matched by email and created when missing
    (members with their password hash). Nothing is written unless everything loads.
    """
    path = Path(path)
    if not zipfile.is_zipfile(path):
        raise RestoreError(f"{path} is not a zip archive.")
    with zipfile.ZipFile(path) as zf:
        manifest = _read_json(zf, "manifest.json")
        if manifest.get("format") != archive.FORMAT:
            raise RestoreError("This zip is not a cxgov organization export (manifest format differs).")
        if manifest.get("version") != archive.VERSION:
            raise RestoreError(f"Export format version {manifest.get('version')} is not supported "
                               f"(this installation reads version {archive.VERSION}).")
        org_rows = _read_json(zf, "organization.json")
        users = _read_json(zf, "users.json")
        memberships = _read_json(zf, "memberships.json")
        data = _read_json(zf, "data.json")
        grants = _read_json(zf, "grants.json")
        if len(org_rows) != 1:
            raise RestoreError("organization.json must hold exactly one organization.")
        org_row = org_rows[0]
        org_pk, slug = org_row["pk"], org_row["fields"]["slug"]

        if Organization.objects.filter(slug=slug).exists():
            raise RestoreError(f"An organization with the slug “{slug}” already exists here. "
                               "Delete it first, or restore into another installation.")
        by_model: dict[str, list[Any]] = defaultdict(list)
        for item in [org_row, *memberships, *data, *grants]:
            by_model[item["model"]].append(item["pk"])
        for item in data:
            if item["fields"].get("organization") != org_pk:
                raise RestoreError(f"A {item['model']} row (id {item['pk']}) belongs to another organization "
                                   "than the archive's: the archive was altered.")
        collisions: dict[str, int] = {}
        for label, pks in by_model.items():
            _check_free(label, pks, collisions)
        if collisions:
            detail = ", ".join(f"{label}: {n}" for label, n in sorted(collisions.items()))
            raise RestoreError(
                "Rows of this export would take primary keys already used in this installation "
                f"({detail}). Restore into an installation that does not hold them, e.g. a fresh one."
            )
        file_names = [n for n in zf.namelist() if n.startswith("files/") and not n.endswith("/")]
        for name in file_names:
            stored = name.removeprefix("files/")
            parts = Path(stored).parts
            if not parts or Path(stored).is_absolute() or ".." in parts or parts[0] == EXPORTS_DIR:
                raise RestoreError(f"The archive holds a file with an unsafe name: {stored}")
            if default_storage.exists(stored):
                with default_storage.open(stored, "rb") as fh:
                    same = hashlib.sha256(fh.read()).digest() == hashlib.sha256(zf.read(name)).digest()
                if not same:
                    raise RestoreError(f"A different file is already stored as {stored}.")

        written: list[str] = []
        try:
            with transaction.atomic(), disable_auditlog():
                result = _load(zf, org_row, users, memberships, data, grants, file_names, written, log)
        except Exception:
            for name in written:
                default_storage.delete(name)
            raise
    return result


def _save_all(items: list[dict[str, Any]], what: str) -> int:
    deferred = []
    batch: list[models.Model] = []

    def flush() -> None:
        # Rows without many-to-many links go in bulk (raw rows: no save(), no signals), which
        # makes restoring millions of feedback responses a matter of seconds per million.
        # A raw insert, as loaddata's raw save: bulk_create would stamp auto_now(_add) fields anew.
        if batch:
            model = type(batch[0])
            fields = list(model._meta.local_concrete_fields)
            size = max(1, min(1000, connection.ops.bulk_batch_size(fields, batch)))
            for i in range(0, len(batch), size):
                model._base_manager._insert(batch[i:i + size], fields=fields, raw=True)
            batch.clear()

    try:
        for obj in serializers.deserialize("python", items, handle_forward_references=True):
            plain = not obj.m2m_data and not obj.deferred_fields
            if batch and (not plain or type(obj.object) is not type(batch[0])):
                flush()
            if plain:
                batch.append(obj.object)
                continue
            obj.save()
            if obj.deferred_fields:
                deferred.append(obj)
        flush()
        for obj in deferred:
            obj.save_deferred_fields()
    except serializers.base.DeserializationError as exc:
        raise RestoreError(f"Could not load {what}: {exc}") from exc
    return len(items)


def _load(zf, org_row, users, memberships, data, grants, file_names, written, log) -> RestoreResult:  # noqa: ANN001
    _save_all([org_row], "the organization")
    org = Organization.objects.get(pk=org_row["pk"])
    result = RestoreResult(organization=org)
    for u in users:
        email = User.objects.normalize_email(u["email"]).lower()
        user = User.objects.filter(email=email).first()
        if user is not None:
            result.users_matched += 1
            continue
        user = User(email=email, full_name=u.get("full_name", ""), language=u.get("language", ""),
                    is_active=u.get("is_active", True))
        if u.get("date_joined"):
            user.date_joined = dt.datetime.fromisoformat(str(u["date_joined"]).replace("Z", "+00:00"))
        if u.get("password"):
            user.password = u["password"]
        else:
            user.set_unusable_password()
        user.save()
        result.users_created += 1
    log(f"users: {result.users_created} created, {result.users_matched} matched by email")
    _save_all(memberships, "the memberships")
    counts: dict[str, int] = defaultdict(int)
    for item in data:
        counts[item["model"]] += 1
    result.rows = _save_all(data, "the data")
    _save_all(grants, "the object grants")
    result.per_model = dict(counts)
    _check_references(org, {label for label in counts})
    for name in file_names:
        stored = name.removeprefix("files/")
        if default_storage.exists(stored):
            continue
        saved = default_storage.save(stored, ContentFile(zf.read(name)))
        written.append(saved)
        if saved != stored:
            raise RestoreError(f"The file {stored} could not be stored under its own name.")
        result.files += 1
    labels = {item["model"] for item in [*memberships, *data, *grants]} | {"tenancy.organization"}
    _reset_sequences([_model_of(label) for label in labels])
    log(f"rows: {result.rows}, files: {result.files}")
    return result


def _check_references(org: Organization, labels: set[str]) -> None:
    """Every reference between tenant rows stays inside the organization (one query per relation)."""
    from cxgov.tenancy.models import TenantScoped

    for label in labels:
        model = _model_of(label)
        for f in [*model._meta.concrete_fields, *model._meta.local_many_to_many]:
            if not (f.is_relation and f.name != "organization" and isinstance(f.related_model, type)
                    and issubclass(f.related_model, TenantScoped)):
                continue
            if f.many_to_many:
                through = f.remote_field.through
                stray = (
                    through.objects.filter(**{f"{f.m2m_field_name()}__organization": org})
                    .exclude(**{f"{f.m2m_reverse_field_name()}__organization": org}).exists()
                )
            else:
                stray = (
                    model.objects.for_org(org).filter(**{f"{f.name}__isnull": False})
                    .exclude(**{f"{f.name}__organization": org}).exists()
                )
            if stray:
                raise RestoreError(f"{label}.{f.name} refers to rows of another organization: "
                                   "the archive was altered.")


def _reset_sequences(models_: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# ---- Delete ---------------------------------------------------------------------------------


@dataclass
class DeleteResult:
    rows: int
    files: int
    users: int


@transaction.atomic
def organization_delete(*, org: Organization, by: User, confirm_slug: str) -> DeleteResult:
    """Delete ``org`` and everything it holds, after the admin typed its slug.

    Tenant rows go model by model in reverse dependency order (so a PROTECT reference inside the
    organization is always deleted before the row it protects), then the grants, exports, audit
    entries, memberships and tokens, and the organization itself. Accounts that belonged to no other
    organization are deleted too (staff accounts are kept). Files are removed after the commit, and
    sessions forget the organization. Other organizations are untouched: every query is scoped.
    """
    if (confirm_slug or "").strip() != org.slug:
        raise ValidationError({"confirm_slug": [_("Type the organization's slug exactly to confirm.")]})
    org_id, slug = org.pk, org.slug
    files: set[str] = set()
    rows = 0
    member_ids = set(Membership.objects.filter(organization=org).values_list("user_id", flat=True))
    with disable_auditlog():
        for model in archive.tenant_models():
            for ff in archive.file_fields(model):
                files |= {n for n in model.objects.for_org(org).values_list(ff.attname, flat=True) if n}
        files |= {
            n for n in DataExport.objects.for_org(org).values_list("file_name", flat=True) if n
        }
        for model in reversed(archive.dependency_order(archive.tenant_models())):
            # Grants on these rows go with them (CASCADE from their object).
            deleted, _per = model.objects.for_org(org).delete()
            rows += deleted
        LogEntry.objects.filter(additional_data__organization_id=org_id).delete()
        Organization.objects.filter(pk=org_id).delete()
        orphans = set(
            User.objects.filter(pk__in=member_ids, is_staff=False, is_superuser=False)
            .exclude(memberships__isnull=False).values_list("pk", flat=True)
        ) - _users_referenced_elsewhere(member_ids)
        User.objects.filter(pk__in=orphans).delete()
    _forget_in_sessions(org_id)
    transaction.on_commit(lambda: _delete_files(files))
    logger.warning("organization %s (%s) deleted by %s: %s rows, %s files, %s accounts",
                   slug, org_id, by.email, rows, len(files), len(orphans))
    return DeleteResult(rows=rows, files=len(files), users=len(orphans))


def _users_referenced_elsewhere(user_ids: set[int]) -> set[int]:
    """Of ``user_ids``, those another organization's rows still point at: their accounts stay, so
    deleting one organization never deletes or empties a row of another."""
    found: set[int] = set()
    for model in archive.tenant_models():
        for f in archive.user_fields(model):
            # Cross-organization on purpose: the rows of the deleted organization are gone already,
            # and this only reads which of these user ids other organizations still refer to.
            found |= set(
                model.objects.unscoped().filter(**{f"{f.attname}__in": user_ids})
                .values_list(f.attname, flat=True).distinct()
            )
    return found


def _forget_in_sessions(org_id: int) -> None:
    if settings.SESSION_ENGINE not in ("django.contrib.sessions.backends.db",
                                       "django.contrib.sessions.backends.cached_db"):
        return
    from importlib import import_module

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if data.get(SESSION_ORG_KEY) == org_id:
            data.pop(SESSION_ORG_KEY)
            store = store_class(session_key=session.session_key)
            store._session_cache = data
            store.modified = True
            store.save()


def _delete_files(names: set[str]) -> None:
    for name in names:
        try:
            if name.startswith(f"{EXPORTS_DIR}/"):
                (Path(settings.MEDIA_ROOT) / name).unlink(missing_ok=True)
            else:
                default_storage.delete(name)
        except OSError:
            logger.exception("could not delete %s", name)


@transaction.atomic
def data_exports_purge_expired(*, org: Organization) -> int:
    """Delete the expired exports of ``org`` and their files (run daily by Celery beat)."""
    expired = list(DataExport.objects.for_org(org).filter(expires_at__lte=timezone.now()))
    names = {e.file_name for e in expired if e.file_name}
    DataExport.objects.for_org(org).filter(pk__in=[e.pk for e in expired]).delete()
    transaction.on_commit(lambda: _delete_files(names))
    return len(expired)
