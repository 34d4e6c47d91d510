"""Fixtures of the security suite."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters may live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()
