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


@pytest.fixture
def unthrottled(monkeypatch):
    """Hundreds of requests per token in one test: DRF's rates would answer 429 long before the end."""
    from django.conf import settings
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000000/min"))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Organizations A and B, a member of every role each, an object of every model the URLs carry.

    Built once per module inside a transaction that is rolled back after the module's last test (each
    test's own transaction is a savepoint within it), so no row outlives the module.
    """
    from django.db import transaction

    from .operations import build_world

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
