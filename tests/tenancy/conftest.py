"""Fixtures of the tenancy suite (shared ones live in tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from cxgov.tenancy.models import Organization


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bare_orgs(db) -> tuple[Organization, Organization]:
    """Two organizations without the default catalogue, for model-level tests that count rows."""
    return (
        Organization.objects.create(name="Bare A", slug="bare-a"),
        Organization.objects.create(name="Bare B", slug="bare-b"),
    )
