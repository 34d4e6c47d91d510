"""DRF plumbing named in settings: permission, pagination and the one error shape.

Kept apart from ``api.py`` because DRF imports these while it is itself being imported; this module
must not import ``rest_framework.views`` (or anything that does) at module level.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, permissions
from rest_framework.request import Request
from rest_framework.response import Response

from .models import Organization
from .roles import role_allows


def request_org(request: Request) -> Organization:
    org = getattr(request, "org", None)
    if org is None:
        raise exceptions.PermissionDenied(_("You are not a member of any organization."))
    return org


class IsOrganizationMember(permissions.BasePermission):
    """Signed in, acting in an organization, and allowed by the role table.

    A view names the operations it needs: ``read_op`` for safe methods, ``write_op`` otherwise
    (per action overrides in ``action_ops``). Views without them need only membership.
    """

    message = _("Your role does not allow this operation.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        membership = getattr(request, "membership", None)
        if membership is None:
            raise exceptions.PermissionDenied(_("You are not a member of any organization."))
        op = operation_for(view, request)
        return op is None or role_allows(membership.role, op)


def operation_for(view: Any, request: Request) -> str | None:
    action = getattr(view, "action", None)
    action_ops = getattr(view, "action_ops", {}) or {}
    if action in action_ops:
        return action_ops[action]
    if request.method in permissions.SAFE_METHODS:
        return getattr(view, "read_op", None)
    return getattr(view, "write_op", None)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def _as_lists(data: Any) -> dict[str, list[str]]:
    if isinstance(data, dict):
        return {str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in data.items()}
    if isinstance(data, list):
        return {"non_field_errors": [str(x) for x in data]}
    return {"non_field_errors": [str(data)]}


class RequestTooLarge(exceptions.APIException):
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: Django refuses to read it; say so in our shape."""

    status_code = 413
    default_code = "request_too_large"

    def __init__(self) -> None:
        from django.conf import settings

        super().__init__(_("The request body is larger than %(mb)d MB; send less per request.") % {
            "mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        })


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """One error shape for every failure: ``{"detail": "...", "errors": {field: [...]}}``."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": str(_("Invalid input.")), "errors": _as_lists(exc.detail)}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    else:
        response.data = {"detail": str(exc), "errors": _as_lists(response.data)}
    return response


def not_found(request: Any, exception: Exception | None = None) -> Any:
    """``handler404``: a URL under /api/ that no route matches (``/api/v1/cases/0.15/``) answers JSON.

    Without it the API answered such paths with the HTML 404 page, a content type its schema does
    not document (found by tests/fuzz); other paths keep the HTML page.
    """
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    return page_not_found(request, exception)
