"""``/healthz/``: is this process up and can it reach its database?

For load balancers, container health checks and uptime monitors: no login, one ``SELECT 1`` on the
default database, a small JSON body. 200 ``{"status": "ok", "database": "ok"}`` when the query
answers; 503 with ``"database": "unavailable"`` when it does not, so an orchestrator stops routing
traffic here (or restarts the container) instead of serving 500s. The body names no host, user or
driver message (the check is public); the exception goes to the log.

It opts out of ``ATOMIC_REQUESTS``: with the request wrapped in a transaction, a database that is
down would fail while opening the transaction, before this view could answer 503.
"""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the default database answers ``SELECT 1``, else 503."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return JsonResponse(
            {"status": "error", "database": "unavailable", "detail": "The database did not answer a SELECT 1."},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


# Included from cxgov/urls.py under ``healthz/``.
urlpatterns = [path("", healthz, name="healthz")]
