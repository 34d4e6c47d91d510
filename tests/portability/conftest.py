"""Fixtures of the data ownership suite: a private media root and an organization with a row of
every tenant model (built generically from tests/factories.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from cxgov.portability import archive
from cxgov.tenancy.models import Organization
from tests.tenancy.helpers import make


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def populate(org: Organization, grantee) -> dict[str, int]:
    """At least one row of every tenant model in ``org``, plus a guardian grant of every grant model.
    Returns the row count per model label."""
    for model in archive.tenant_models():
        make(model, org)
    for model in archive.grant_models():
        target = model._meta.get_field("content_object").related_model
        obj = target.objects.for_org(org).order_by("pk").first()
        permission = Permission.objects.filter(content_type=ContentType.objects.get_for_model(target)).first()
        model.objects.create(content_object=obj, user=grantee, permission=permission)
    return {m._meta.label: m.objects.for_org(org).count() for m in archive.tenant_models()}


@pytest.fixture
def full_org_a(org_a, users_a):
    populate(org_a, users_a["ambassador"])
    return org_a
