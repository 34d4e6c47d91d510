"""Bearer-token authentication for the API (``Authorization: Bearer cxg_…``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import ApiToken
from .selectors import api_token_authenticate

# last_used_at is a hint for the token list, not an audit record: write it at most once a minute
# so a busy integrator does not turn every API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a token bound to one organization and one user; that organization is the request's."""

    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: use 'Bearer <token>'."))
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("The token contains invalid characters.")) from exc
        found = api_token_authenticate(raw=raw)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        token, membership = found
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The token, not the session, decides the organization of an API request.
        request._request.org = membership.organization
        request._request.membership = membership
        # Read by ApiRequestLogMiddleware: only token requests are recorded as API activity.
        request._request.api_token = token
        # Messages in the token user's language, else the organization's (as on the HTML side).
        translation.activate(token.user.language or membership.organization.language)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cxgov.tenancy.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token (`cxg_…`) created on the API tokens page; bound to one organization."
            ),
        }
