"""Task plumbing: the decorator through which every task enters one organization's scope."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from celery import shared_task

from .models import Organization


def org_task(**task_options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a Celery task that runs for one organization.

    The task is called with ``org_id`` (an int, never an instance) and receives the Organization as
    ``org``; an organization that no longer exists or is inactive makes the task a no-op. Tasks are
    acknowledged late and retried with exponential backoff and jitter by default.
    """
    defaults: dict[str, Any] = {
        "acks_late": True,
        "reject_on_worker_lost": True,
        "autoretry_for": (ConnectionError, TimeoutError),
        "retry_backoff": True,
        "retry_backoff_max": 300,
        "retry_jitter": True,
        "max_retries": 8,
    }
    defaults.update(task_options)

    def decorate(func: Callable[..., Any]) -> Any:
        @functools.wraps(func)
        def run(*args: Any, org_id: int, **kwargs: Any) -> Any:
            org = Organization.objects.filter(pk=org_id, is_active=True).first()
            if org is None:
                return None
            return func(*args, org=org, **kwargs)

        return shared_task(**defaults)(run)

    return decorate


@shared_task(acks_late=True)
def heartbeat() -> dict[str, int]:
    """Beat's liveness probe: proves a worker consumes the queue; also used by the round-trip test."""
    return {"organizations": Organization.objects.filter(is_active=True).count()}


@org_task()
def organization_ping(*, org: Organization) -> dict[str, Any]:
    """Round trip through the broker for one organization (used by health checks and tests)."""
    return {"organization": org.slug, "name": org.name}


API_REQUEST_LOG_DAYS = 30


@shared_task(acks_late=True)
def api_request_logs_prune(days: int = API_REQUEST_LOG_DAYS) -> int:
    """Daily: delete API activity older than ``days`` in every organization; returns how many rows.

    Idempotent (a second run finds nothing older). One DELETE, since nothing points at these rows.
    """
    from datetime import timedelta

    from django.utils import timezone

    from .models import ApiRequestLog

    cutoff = timezone.now() - timedelta(days=days)
    # unscoped(): a system job over every organization's log, keyed by age only.
    deleted, _by_model = ApiRequestLog.objects.unscoped().filter(at__lt=cutoff).delete()
    return deleted
