"""Export → delete → restore → export again: nothing lost, for every tenant model (discovered)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from cxgov.portability import archive, services
from cxgov.tenancy.models import Membership, Organization, User

from .conftest import populate

pytestmark = pytest.mark.django_db

JSON_PARTS = ("organization.json", "memberships.json", "users.json", "data.json", "grants.json")


def read_archive(path: Path) -> dict[str, object]:
    """Everything an archive holds, comparable: JSON parts sorted by (model, pk), CSVs as text,
    files by content hash. The manifest is left out (it carries the time of the export)."""
    with zipfile.ZipFile(path) as zf:
        content: dict[str, object] = {}
        for name in JSON_PARTS:
            rows = json.loads(zf.read(name))
            key = (lambda r: r["email"]) if name == "users.json" else (lambda r: (r["model"], r["pk"]))
            content[name] = sorted(rows, key=key)
        for name in zf.namelist():
            if name.startswith("csv/"):
                content[name] = zf.read(name).decode()
            elif name.startswith("files/"):
                content[name] = hashlib.sha256(zf.read(name)).hexdigest()
        content["manifest.models"] = json.loads(zf.read("manifest.json"))["models"]
    return content


def test_every_tenant_model_is_exported_but_the_exports_themselves():
    labels = {m._meta.label for m in archive.exported_models()}
    assert labels == {m._meta.label for m in archive.tenant_models()} - archive.EXCLUDED_MODELS
    assert {"portability.DataExport"} == archive.EXCLUDED_MODELS


def test_models_come_after_the_models_they_point_at():
    order = [m._meta.label for m in archive.exported_models()]
    for position, model in enumerate(archive.exported_models()):
        for f in model._meta.concrete_fields:
            target = f.related_model
            if f.is_relation and target is not model and target._meta.label in order:
                assert order.index(target._meta.label) < position, (model, f.name)


def test_no_required_reference_points_outside_the_export():
    for model in archive.exported_models():
        assert [f.name for f in archive.outside_references(model) if not f.null] == [], model


def test_round_trip_loses_nothing(full_org_a, org_b, users_a, users_b, tmp_path, django_capture_on_commit_callbacks):
    org_a = full_org_a
    populate(org_b, users_b["ambassador"])
    counts_b = {m._meta.label: m.objects.for_org(org_b).count() for m in archive.tenant_models()}
    for model in archive.exported_models():
        assert model.objects.for_org(org_a).exists(), f"no row of {model._meta.label} to check"

    first = tmp_path / "first.zip"
    rows = services.organization_archive_write(org=org_a, target=first)
    before = read_archive(first)
    assert rows == sum(before["manifest.models"][m._meta.label] for m in archive.exported_models())
    assert any(name.startswith("files/") for name in before), "the uploaded file is in the archive"
    assert all(before["manifest.models"][m._meta.label] >= 1 for m in archive.grant_models())

    org_id, slug = org_a.pk, org_a.slug
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_delete(org=org_a, by=users_a["admin"], confirm_slug=slug)
    assert not Organization.objects.filter(pk=org_id).exists()
    for model in archive.tenant_models():
        assert not model.objects.for_org(org_id).exists(), model
    assert not Membership.objects.filter(organization_id=org_id).exists()
    # The other organization is untouched.
    assert {m._meta.label: m.objects.for_org(org_b).count() for m in archive.tenant_models()} == counts_b

    call_command("org_restore", str(first), stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    restored = Organization.objects.get(slug=slug)
    assert restored.pk == org_id

    second = tmp_path / "second.zip"
    services.organization_archive_write(org=restored, target=second)
    after = read_archive(second)
    assert after.keys() == before.keys()
    for part in before:
        assert after[part] == before[part], f"{part} differs after the round trip"
    checked = sum(len(before[p]) for p in JSON_PARTS)
    assert checked >= len(archive.exported_models())
    print(f"\nround trip: {checked} rows of {len(archive.exported_models())} models compared")  # noqa: T201

    # Members sign in again with their own password; tokens were not exported.
    from tests.conftest import PASSWORD

    assert User.objects.get(email=users_a["cx_lead"].email).check_password(PASSWORD)
    assert User.objects.get(email=users_a["admin"].email).api_tokens.count() == 0


def test_restore_refuses_an_existing_organization_and_writes_nothing(full_org_a, tmp_path):
    target = tmp_path / "a.zip"
    services.organization_archive_write(org=full_org_a, target=target)
    with pytest.raises(services.RestoreError, match="already exists"):
        services.organization_restore(path=target)


def test_restore_refuses_taken_primary_keys_and_names_them(full_org_a, users_a, tmp_path,
                                                          django_capture_on_commit_callbacks):
    from voc.models import Segment

    target = tmp_path / "a.zip"
    services.organization_archive_write(org=full_org_a, target=target)
    segment_pk = Segment.objects.for_org(full_org_a).order_by("pk").first().pk
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_delete(org=full_org_a, by=users_a["admin"], confirm_slug=full_org_a.slug)
    other = Organization.objects.create(name="Newcomer", slug="newcomer")
    Segment.objects.create(pk=segment_pk, organization=other, name="Taken")
    with pytest.raises(services.RestoreError, match=r"voc\.segment: 1"):
        services.organization_restore(path=target)
    assert not Organization.objects.filter(slug="org-a").exists()
    assert Counter(Segment.objects.for_org(other).values_list("name", flat=True)) == {"Taken": 1}


def _rewrite(source: Path, target: Path, name: str, change) -> None:  # noqa: ANN001
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == name:
                data = change(data)
            zout.writestr(item, data)


def test_restore_refuses_an_altered_archive(full_org_a, org_b, users_a, tmp_path, django_capture_on_commit_callbacks):
    from voc.models import Journey, Touchpoint

    original = tmp_path / "a.zip"
    services.organization_archive_write(org=full_org_a, target=original)
    foreign_journey = Journey.objects.create(organization=org_b, name="B's journey")
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_delete(org=full_org_a, by=users_a["admin"], confirm_slug=full_org_a.slug)

    def point_at_b(data: bytes) -> bytes:
        rows = json.loads(data)
        for row in rows:
            if row["model"] == Touchpoint._meta.label_lower:
                row["fields"]["journey"] = foreign_journey.pk
                break
        return json.dumps(rows).encode()

    altered = tmp_path / "altered.zip"
    _rewrite(original, altered, "data.json", point_at_b)
    with pytest.raises(services.RestoreError, match="another organization"):
        services.organization_restore(path=altered)
    assert not Organization.objects.filter(slug="org-a").exists()

    unsafe = tmp_path / "unsafe.zip"
    _rewrite(original, unsafe, "manifest.json", lambda d: d)
    with zipfile.ZipFile(unsafe, "a") as zf:
        zf.writestr("files/../../etc/evil.txt", b"x")
    with pytest.raises(services.RestoreError, match="unsafe name"):
        services.organization_restore(path=unsafe)

    not_zip = tmp_path / "not.zip"
    not_zip.write_text("hello")
    with pytest.raises(services.RestoreError, match="not a zip"):
        services.organization_restore(path=not_zip)


def test_command_reports_a_refusal_cleanly(full_org_a, tmp_path):
    from django.core.management.base import CommandError

    target = tmp_path / "a.zip"
    services.organization_archive_write(org=full_org_a, target=target)
    with pytest.raises(CommandError, match="already exists"):
        call_command("org_restore", str(target))
