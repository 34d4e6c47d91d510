"""API base classes: every tenant endpoint derives from these, so scoping cannot be forgotten.

``TenantViewSet`` scopes its queryset to the request's organization and does not let subclasses
override ``get_queryset`` (they implement ``scope_queryset`` instead), sets ``organization`` on create,
and checks the role table. ``TenantRelatedField`` offers only the current organization's objects, so
a reference to another organization's id is answered exactly like a missing id.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers, status, viewsets

from .drf import IsOrganizationMember, PageNumberPagination, exception_handler, operation_for, request_org
from .models import TenantScoped
from .roles import Op

__all__ = [
    "IsOrganizationMember", "PageNumberPagination", "exception_handler", "operation_for", "request_org",
    "TenantRelatedField", "TenantModelSerializer", "TenantViewSetMixin", "TenantReadOnlyViewSet",
    "TenantViewSet", "ERROR_RESPONSES", "ERROR_SCHEMA",
]


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary-key reference restricted to the current organization's objects."""

    default_error_messages = {
        "does_not_exist": _("Not found in this organization."),
        "incorrect_type": _("Incorrect type. Expected an integer id, received {data_type}."),
    }

    def get_queryset(self) -> QuerySet:
        model = self.queryset.model
        request = self.context.get("request")
        org = getattr(request, "org", None) if request is not None else self.context.get("org")
        if org is None:
            return model._default_manager.none()
        return model._default_manager.for_org(org)


class TenantModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose automatic relations stay within the current organization."""

    serializer_related_field = TenantRelatedField


class TenantViewSetMixin:
    """Scoping, organization on create and role checks for every tenant viewset."""

    read_op: str | None = Op.PROGRAMME_VIEW
    write_op: str | None = Op.PROGRAMME_MANAGE
    action_ops: dict[str, str] = {}
    model: type[TenantScoped]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset(); implement scope_queryset(qs) instead, "
                "so the organization filter cannot be lost."
            )

    def get_queryset(self) -> QuerySet:
        org = request_org(self.request)
        return self.scope_queryset(self.model.objects.for_org(org))

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        """Hook for subclasses: narrow, annotate or prefetch an already-scoped queryset."""
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["org"] = getattr(self.request, "org", None)
        return context

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.save(organization=request_org(self.request))


class TenantReadOnlyViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class TenantViewSet(TenantViewSetMixin, viewsets.ModelViewSet):
    pass


ERROR_SCHEMA = inline_serializer(
    name="Error",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
    },
)
ERROR_RESPONSES = {
    status.HTTP_400_BAD_REQUEST: OpenApiResponse(ERROR_SCHEMA, description="Invalid input"),
    status.HTTP_401_UNAUTHORIZED: OpenApiResponse(ERROR_SCHEMA, description="Missing or invalid token"),
    status.HTTP_403_FORBIDDEN: OpenApiResponse(ERROR_SCHEMA, description="The role does not allow it"),
    status.HTTP_404_NOT_FOUND: OpenApiResponse(ERROR_SCHEMA, description="Not found in this organization"),
    status.HTTP_429_TOO_MANY_REQUESTS: OpenApiResponse(ERROR_SCHEMA, description="Throttled"),
}


