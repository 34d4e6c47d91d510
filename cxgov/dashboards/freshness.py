"""How fresh a cached dashboard is: a per-organization data version, and the executive body cache.

The executive dashboard changes only when the organization's data changes, so its rendered body
(everything below the site chrome) is cached under a key that holds the organization's *data
version*. Anything the dashboard shows bumps that version (``receivers.py``): a rollup
refresh, an initiative status change, saves and deletes of levers, journeys, touchpoints, metrics,
initiatives, risks, goals, maturity snapshots and targets… A bumped version makes every body cached
before it unreachable; the TTL only sweeps them away.

The version starts, when missing (first use, eviction, a flushed cache), at a fresh time-based value
far above any earlier one, so a flush can never bring an old body back. Bumps happen at once and
again after the surrounding transaction commits: a body rendered by a concurrent request between
the two (from data not yet committed, or already stale) is left under the superseded version.

The cache is an optimisation only: any cache error is logged and the page renders uncached. Bodies
are cached only when the cache is shared by every process (Redis: ``REDIS_URL`` set), since a bump
in one process must reach all; with the in-memory default each gunicorn worker would keep its own
version. ``settings.DASHBOARD_BODY_CACHE`` (True / False) overrides that choice.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "cxgov:dash:version:{org_id}"
BODY_TIMEOUT = 10 * 60
"""Seconds a cached body lives at most: a safety net, correctness comes from the version."""


def body_cache_enabled() -> bool:
    """Whether rendered bodies may be cached: the setting when given, else when the cache is shared."""
    configured = getattr(settings, "DASHBOARD_BODY_CACHE", None)
    if configured is not None:
        return bool(configured)
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


def _fresh_version() -> int:
    # Nanoseconds since the epoch (plus noise against two processes starting the same instant): larger
    # than any version handed out before, since a counter bumped once per change never catches up.
    return time.time_ns() + secrets.randbelow(1_000_000)


def org_version(org_id: int) -> int | None:
    """The organization's current data version, created when missing; None when the cache fails."""
    key = VERSION_KEY.format(org_id=org_id)
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, _fresh_version(), timeout=None)
            version = cache.get(key)
        return int(version) if version is not None else None
    except Exception:  # noqa: BLE001 - any cache failure means "render uncached", never a broken page
        logger.warning("dashboard cache: could not read the data version of organization %s", org_id,
                       exc_info=True)
        return None


def _bump(org_id: int) -> None:
    key = VERSION_KEY.format(org_id=org_id)
    try:
        try:
            cache.incr(key)
        except ValueError:  # missing: start afresh, above anything cached before
            cache.set(key, _fresh_version(), timeout=None)
    except Exception:  # noqa: BLE001
        # The bodies cached under the old version stay reachable until their TTL: say so loudly.
        logger.error("dashboard cache: could not bump the data version of organization %s", org_id, exc_info=True)


class BumpAfterCommit:
    """The after-commit bump of one organization (an ``on_commit`` callback, one per transaction)."""

    def __init__(self, org_id: int) -> None:
        self.org_id = org_id

    def __call__(self) -> None:
        _bump(self.org_id)


def bump_org_version(org_id: int | None) -> None:
    """Invalidate every cached dashboard body of the organization, now and after the commit."""
    if org_id is None:
        return
    _bump(org_id)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # One after-commit bump per organization and transaction, however many rows it saves.
        pending = getattr(connection, "run_on_commit", [])
        if not any(isinstance(entry[1], BumpAfterCommit) and entry[1].org_id == org_id for entry in pending):
            transaction.on_commit(BumpAfterCommit(org_id))


def cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001
        logger.warning("dashboard cache: read failed for %s", key, exc_info=True)
        return None


def cache_set(key: str, value: Any, timeout: int = BODY_TIMEOUT) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:  # noqa: BLE001
        logger.warning("dashboard cache: write failed for %s", key, exc_info=True)
