"""The Organization data pages: export, download, delete — admins only, other organizations 404."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxgov.portability import archive, services, tasks
from cxgov.portability.models import DataExport
from cxgov.tenancy.middleware import SESSION_ORG_KEY
from cxgov.tenancy.models import Organization, User
from cxgov.tenancy.roles import Op
from cxgov.tenancy.services import membership_set
from tests.dashboards.page_checks import check_anonymous, check_pinned_queries, check_roles
from tests.dashboards.pages import signed_in
from tests.factories import DataExportFactory

from .conftest import populate

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("portability:overview")
DELETE = reverse("portability:delete")


def test_pages_are_for_the_organizations_admins(client, users_a):
    for url in (OVERVIEW, DELETE):
        check_roles(url, users_a, Op.ORGANIZATION_MANAGE)
        check_anonymous(client, url)


def _export_through_the_page(user, django_capture_on_commit_callbacks) -> tuple[Client, DataExport]:
    client = signed_in(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(OVERVIEW)
    assert response.status_code == 302
    export = DataExport.objects.unscoped().order_by("-pk").first()  # test: the one just requested
    return client, export


def test_an_admin_exports_and_downloads_the_zip(full_org_a, users_a, django_capture_on_commit_callbacks):
    client, export = _export_through_the_page(users_a["admin"], django_capture_on_commit_callbacks)
    assert export.organization_id == full_org_a.pk
    assert export.status == DataExport.Status.DONE, export.error
    assert export.row_count >= len(archive.exported_models())
    page = client.get(OVERVIEW).content.decode()
    url = reverse("portability:export-download", args=[export.pk])
    assert url in page
    assert "password hashes" in page.lower()

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        names = set(zf.namelist())
    assert {"manifest.json", "data.json", "users.json", "memberships.json", "organization.json"} <= names
    assert {f"csv/{m._meta.label_lower}.csv" for m in archive.exported_models()} <= names
    # The archive is not reachable as a public media URL.
    assert export.file_name.startswith("exports/")
    assert len(export.file_name.rsplit("-", 1)[1].removesuffix(".zip")) == 32, "128 random bits in the name"
    assert Client().get("/media/" + export.file_name).status_code in (302, 404)


def test_no_api_token_hash_and_only_members_password_hashes_in_the_export(full_org_a, users_a, tmp_path):
    from cxgov.tenancy.services import api_token_create

    token, raw = api_token_create(org=full_org_a, user=users_a["admin"], name="ci")
    target = tmp_path / "a.zip"
    services.organization_archive_write(org=full_org_a, target=target)
    with zipfile.ZipFile(target) as zf:
        everything = b"".join(zf.read(n) for n in zf.namelist())
        import json

        users = json.loads(zf.read("users.json"))
    assert token.key_hash.encode() not in everything
    assert raw.encode() not in everything
    for user in users:
        assert bool(user["password"]) == user["member"]


def test_other_roles_and_other_organizations_cannot_download(full_org_a, users_a, users_b,
                                                             django_capture_on_commit_callbacks):
    _client, export = _export_through_the_page(users_a["admin"], django_capture_on_commit_callbacks)
    url = reverse("portability:export-download", args=[export.pk])
    assert signed_in(users_a["cx_lead"]).get(url).status_code == 403
    assert signed_in(users_b["admin"]).get(url).status_code == 404


def test_an_expired_or_unfinished_export_is_not_served(full_org_a, users_a, django_capture_on_commit_callbacks):
    client, export = _export_through_the_page(users_a["admin"], django_capture_on_commit_callbacks)
    DataExport.objects.for_org(full_org_a).filter(pk=export.pk).update(expires_at=timezone.now())
    response = client.get(reverse("portability:export-download", args=[export.pk]))
    assert response.status_code == 302
    assert "expired" in client.get(OVERVIEW).content.decode()
    pending = DataExportFactory(organization=full_org_a)
    response = client.get(reverse("portability:export-download", args=[pending.pk]))
    assert response.status_code == 302


def test_the_task_is_idempotent_and_expired_exports_are_purged(full_org_a, users_a, media_root,
                                                               django_capture_on_commit_callbacks):
    _client, export = _export_through_the_page(users_a["admin"], django_capture_on_commit_callbacks)
    path = media_root / export.file_name
    assert path.is_file()
    tasks.data_export_run(org_id=full_org_a.pk, export_id=export.pk)
    assert len(list(path.parent.iterdir())) == 1, "a finished export is not built twice"

    DataExport.objects.for_org(full_org_a).filter(pk=export.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    fresh = DataExportFactory(organization=full_org_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.data_exports_purge_all() == 1
    assert not path.exists()
    remaining = set(DataExport.objects.for_org(full_org_a).values_list("pk", flat=True))
    assert export.pk not in remaining
    assert fresh.pk in remaining


def test_overview_query_count_is_pinned(full_org_a, users_a, django_assert_num_queries):
    client = signed_in(users_a["admin"])
    expected = 6 + len(archive.exported_models())  # session, user, memberships, savepoints…; one COUNT per model
    check_pinned_queries(client, OVERVIEW, django_assert_num_queries, expected,
                         lambda: [DataExportFactory(organization=full_org_a, requested_by=users_a["admin"])
                                  for _ in range(5)])


def test_deleting_needs_the_exact_slug(full_org_a, users_a):
    client = signed_in(users_a["admin"])
    response = client.post(DELETE, {"confirm_slug": "org-b"})
    assert response.status_code == 400
    assert "Type the organization" in response.content.decode()
    response = client.post(DELETE, {"confirm_slug": ""})
    assert response.status_code == 400
    assert Organization.objects.filter(pk=full_org_a.pk).exists()


def test_deleting_removes_everything_of_the_organization_and_nothing_else(
    full_org_a, org_b, users_a, users_b, media_root, django_capture_on_commit_callbacks
):
    populate(org_b, users_b["ambassador"])
    counts_b = {m._meta.label: m.objects.for_org(org_b).count() for m in archive.tenant_models()}
    files_b = sorted(p for p in media_root.rglob("*") if p.is_file())
    files_a = sorted(p for p in media_root.rglob("*") if p.is_file())
    # A user of A who also belongs to B keeps the account; A's session choice is forgotten.
    shared = users_a["executive"]
    membership_set(org=org_b, user=shared, role="executive")
    other_session = signed_in(shared)
    other_session.post(reverse("organization-switch"), {"organization": full_org_a.pk})
    assert any(s.get_decoded().get(SESSION_ORG_KEY) == full_org_a.pk for s in Session.objects.all())

    client = signed_in(users_a["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {"confirm_slug": full_org_a.slug})
    assert response.status_code == 302
    assert response.url == reverse("login")  # the admin's account belonged to A only

    assert not Organization.objects.filter(pk=full_org_a.pk).exists()
    for model in archive.tenant_models():
        assert not model.objects.for_org(full_org_a.pk).exists(), model
    assert {m._meta.label: m.objects.for_org(org_b).count() for m in archive.tenant_models()} == counts_b
    assert not User.objects.filter(pk=users_a["cx_lead"].pk).exists()
    assert User.objects.filter(pk=shared.pk).exists()
    assert not any(s.get_decoded().get(SESSION_ORG_KEY) == full_org_a.pk for s in Session.objects.all())
    remaining = sorted(p for p in media_root.rglob("*") if p.is_file())
    assert [p for p in files_a if p in remaining and p not in files_b] == []
    # The shared user now works in B.
    assert other_session.get(reverse("home")).status_code == 200
