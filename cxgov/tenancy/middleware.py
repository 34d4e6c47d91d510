"""Resolve the request's current organization once, from the signed-in user's memberships."""

import logging
import time
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .models import ApiRequestLog
from .selectors import memberships_and_current

logger = logging.getLogger(__name__)

SESSION_ORG_KEY = "cxgov_org_id"


class CurrentOrganizationMiddleware:
    """Sets ``request.org`` and ``request.membership`` (None for anonymous users or non-members), and
    for a signed-in user ``request.memberships``, all their active memberships (the organization
    switcher's list, read by the tenancy context processor: one query for both).

    The organization is the one chosen with the switcher (kept in the session) when the user still
    belongs to it, else the user's first membership. API requests with a bearer token get theirs
    from the token instead, in ``BearerTokenAuthentication``. It also activates the user's language,
    or the organization's when the user has not chosen one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.org = None
        request.membership = None
        # What LocaleMiddleware chose (cookie / Accept-Language); restored after the response so
        # the language chosen for this user never leaks into whatever the thread runs next.
        previous = translation.get_language()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships, membership = memberships_and_current(
                user=user, org_id=request.session.get(SESSION_ORG_KEY))
            request.memberships = memberships
            request.memberships_user_id = user.pk
            if membership is not None:
                request.membership = membership
                request.org = membership.organization
            language = user.language or (request.org.language if request.org else None)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
            # Token requests pick their language during authentication, inside the view.
            response.headers["Content-Language"] = translation.get_language()
        finally:
            translation.activate(previous)
        return response


class ApiRequestLogMiddleware:
    """Records each API request authenticated with a bearer token: one INSERT, after the response.

    ``BearerTokenAuthentication`` marks the request with its token (``request.api_token``); requests
    without one (the browser session, anonymous callers, invalid tokens) are not logged. It runs
    outside the view's transaction (``ATOMIC_REQUESTS`` wraps the view only), so a request that
    failed with a 500 and rolled back is still recorded. Logging must never break the API: a failed
    INSERT is reported to the log and the response goes out unchanged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        token = getattr(request, "api_token", None)
        if token is not None:
            duration_ms = int((time.monotonic() - started) * 1000)
            try:
                ApiRequestLog.objects.create(
                    organization_id=token.organization_id, token=token, method=request.method[:8],
                    path=request.path[:300], status_code=response.status_code, duration_ms=duration_ms,
                )
            except DatabaseError:
                logger.exception("could not record the API request %s %s", request.method, request.path)
        return response
