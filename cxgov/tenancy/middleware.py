"""Resolve the request's current organization once, from the signed-in user's memberships."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .selectors import membership_current

SESSION_ORG_KEY = "cxgov_org_id"


class CurrentOrganizationMiddleware:
    """Sets ``request.org`` and ``request.membership`` (None for anonymous users or non-members).

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
            membership = membership_current(user=user, org_id=request.session.get(SESSION_ORG_KEY))
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
