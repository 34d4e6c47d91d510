"""API base classes: every tenant endpoint derives from these, so scoping cannot be forgotten.

``TenantViewSet`` scopes its queryset to the request's organization and does not let subclasses
override ``get_queryset`` (they implement ``scope_queryset`` instead), sets ``organization`` on create,
and checks the role table. ``TenantRelatedField`` offers only the current organization's objects, so
a reference to another organization's id is answered exactly like a missing id. ``TenantFilterSet``
does the same for filter parameters (``?journey=<id>``), and ``TenantAutoSchema`` documents the one
error shape on every operation, so a new endpoint is documented without anyone remembering to.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import CharField, QuerySet, TextField, UniqueConstraint
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueValidator

from .drf import IsOrganizationMember, PageNumberPagination, exception_handler, operation_for, request_org
from .models import TenantScoped
from .roles import Op

__all__ = [
    "IsOrganizationMember", "PageNumberPagination", "exception_handler", "operation_for", "request_org",
    "TenantRelatedField", "TenantModelSerializer", "TenantViewSetMixin", "TenantReadOnlyViewSet",
    "TenantViewSet", "TenantUniqueValidator", "TenantFilterSet", "TenantFilterBackend", "TenantAutoSchema",
    "ERROR_RESPONSES", "ERROR_SCHEMA", "BODY_ERROR_RESPONSES",
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
            # No organization, no choices. unscoped() only so that the empty queryset may be evaluated.
            return model._default_manager.unscoped().none()
        return model._default_manager.for_org(org)


def _org_of_context(context: dict[str, Any]) -> Any:
    request = context.get("request")
    return getattr(request, "org", None) if request is not None else context.get("org")


class TenantUniqueValidator(UniqueValidator):
    """DRF's UniqueValidator checked within the organization (DRF's own query is unscoped and raises).

    References never cross organizations, so within the organization is the whole check for them;
    for other values, answering "taken" because of another organization's row would leak it.
    """

    requires_context = True

    def __call__(self, value: Any, serializer_field: Any) -> None:
        org = _org_of_context(serializer_field.context)
        if org is None:
            raise serializers.ValidationError(_("No organization."), code="no_organization")
        field_name = serializer_field.source_attrs[-1]
        instance = getattr(serializer_field.parent, "instance", None)
        queryset = self.filter_queryset(value, self.queryset.filter(organization=org), field_name)
        queryset = self.exclude_current_instance(queryset, instance)
        if queryset.exists():
            raise serializers.ValidationError(self.message, code="unique")


class TenantModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose relations and uniqueness checks stay within the current organization.

    Relations are ``TenantRelatedField``s; unique fields use ``TenantUniqueValidator``; and the
    model's unique constraints on ``(organization, …)`` — which DRF skips because ``organization``
    is not a serializer field — are checked in ``validate``, so a duplicate is a 400, not a 500.
    """

    serializer_related_field = TenantRelatedField
    default_error_messages = {"taken": _("Already exists in this organization.")}

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if kwargs.get("read_only") and model_field.blank and isinstance(model_field, (CharField, TextField)):
            kwargs["allow_blank"] = True  # DRF returns early for non-editable fields; see below
        return field_class, kwargs

    def include_extra_kwargs(self, kwargs: dict[str, Any], extra_kwargs: dict[str, Any]) -> dict[str, Any]:
        # DRF drops allow_blank from read-only fields, so the schema of a blank-able choice or URL field
        # would not admit the "" it returns (found by tests/fuzz). Keep it: it only documents the output.
        allow_blank = kwargs.get("allow_blank")
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank and kwargs.get("read_only"):
            kwargs["allow_blank"] = True
        return kwargs

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            validators = getattr(field, "_validators", None) or []
            if any(isinstance(v, UniqueValidator) and not isinstance(v, TenantUniqueValidator)
                   for v in validators):
                field.validators = [
                    TenantUniqueValidator(queryset=v.queryset, message=v.message, lookup=v.lookup)
                    if isinstance(v, UniqueValidator) and issubclass(v.queryset.model, TenantScoped) else v
                    for v in validators
                ]
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model = self.Meta.model
        org = _org_of_context(self.context)
        if org is None or not issubclass(model, TenantScoped):
            return attrs
        for constraint in model._meta.constraints:
            if not isinstance(constraint, UniqueConstraint) or constraint.condition is not None:
                continue
            if "organization" not in constraint.fields or constraint.expressions:
                continue
            others = [f for f in constraint.fields if f != "organization"]
            if not others:
                # One row per organization (a charter): the endpoint decides create-or-replace.
                continue
            lookup = {}
            for name in others:
                if name in attrs:
                    lookup[name] = attrs[name]
                elif self.instance is not None:
                    lookup[model._meta.get_field(name).attname] = getattr(
                        self.instance, model._meta.get_field(name).attname
                    )
                else:
                    break
            else:
                queryset = model.objects.for_org(org).filter(**lookup)
                if self.instance is not None:
                    queryset = queryset.exclude(pk=self.instance.pk)
                if queryset.exists():
                    key = others[-1] if others[-1] in self.fields else api_settings.NON_FIELD_ERRORS_KEY
                    raise serializers.ValidationError({key: [self.error_messages["taken"]]}, code="unique")
        return attrs


def _org_of_request(request: Any) -> Any:
    return getattr(request, "org", None) if request is not None else None


class TenantFilterSet(filters.FilterSet):
    """FilterSet whose model-choice filters accept only the current organization's ids.

    django-filter builds ``?lever=<id>`` filters on the related model's default manager, which for a
    tenant model is unscoped (it would raise) and, once scoped by hand, easy to get wrong. Here every
    such filter is narrowed to ``request.org``; another organization's id is refused like a missing one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = _org_of_request(self.request)
        for flt in self.filters.values():
            queryset = getattr(flt, "queryset", None)
            if queryset is None or callable(queryset):
                continue
            model = queryset.model
            if not issubclass(model, TenantScoped):
                continue
            if org is None:
                # No organization, no choices. unscoped() only so that the empty queryset may be evaluated.
                flt.queryset = model._default_manager.unscoped().none()
            else:
                flt.queryset = queryset.filter(organization=org)


class TenantFilterBackend(filters.DjangoFilterBackend):
    """DjangoFilterBackend that builds ``filterset_fields`` on ``TenantFilterSet`` and refuses others."""

    filterset_base = TenantFilterSet

    def get_filterset_class(self, view: Any, queryset: Any = None) -> Any:
        filterset_class = super().get_filterset_class(view, queryset)
        if filterset_class is not None and not issubclass(filterset_class, TenantFilterSet):
            raise ImproperlyConfigured(
                f"{view.__class__.__name__}.filterset_class must derive from "
                "cxgov.tenancy.api.TenantFilterSet."
            )
        return filterset_class


def _tenant_filter_backends() -> list[Any]:
    backends = []
    for backend in api_settings.DEFAULT_FILTER_BACKENDS:
        if issubclass(backend, filters.DjangoFilterBackend) and not issubclass(backend, TenantFilterBackend):
            backend = TenantFilterBackend
        backends.append(backend)
    return backends


ERROR_SCHEMA = inline_serializer(
    name="Error",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)
ERROR_RESPONSES = {
    status.HTTP_400_BAD_REQUEST: OpenApiResponse(ERROR_SCHEMA, description="Invalid input"),
    status.HTTP_401_UNAUTHORIZED: OpenApiResponse(ERROR_SCHEMA, description="Missing or invalid token"),
    status.HTTP_403_FORBIDDEN: OpenApiResponse(ERROR_SCHEMA, description="The role does not allow it"),
    status.HTTP_404_NOT_FOUND: OpenApiResponse(ERROR_SCHEMA, description="Not found in this organization"),
    status.HTTP_429_TOO_MANY_REQUESTS: OpenApiResponse(ERROR_SCHEMA, description="Throttled"),
}
# Only operations that read a body can refuse its size (cxgov.tenancy.drf.RequestTooLarge) or media type.
BODY_ERROR_RESPONSES = {
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: OpenApiResponse(ERROR_SCHEMA, description="Request body too large"),
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: OpenApiResponse(ERROR_SCHEMA, description="Unsupported media type"),
}


class BlankableURLFieldExtension(OpenApiSerializerFieldExtension):
    """A URL field that may be blank is documented as "a URI or empty": "" is not a valid ``uri``.

    drf-spectacular documents every URLField as ``format: uri``, so the "" an optional link holds broke
    the documented response schema (found by tests/fuzz).
    """

    target_class = "rest_framework.fields.URLField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if getattr(self.target, "allow_blank", False) and schema.get("format") == "uri":
            del schema["format"]
            schema["anyOf"] = [{"format": "uri"}, {"maxLength": 0}]
        return schema


class TenantAutoSchema(AutoSchema):
    """AutoSchema that adds the error responses every tenant operation can give, in the one shape."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = {**ERROR_RESPONSES, **(BODY_ERROR_RESPONSES if self.method in ("POST", "PUT", "PATCH") else {})}
        for code, response in errors.items():
            if str(code) in responses:
                continue
            responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return responses


class TenantViewSetMixin:
    """Scoping, organization on create and role checks for every tenant viewset."""

    read_op: str | None = Op.PROGRAMME_VIEW
    write_op: str | None = Op.PROGRAMME_MANAGE
    action_ops: dict[str, str] = {}
    model: type[TenantScoped]
    filter_backends = _tenant_filter_backends()
    schema = TenantAutoSchema()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset(); implement scope_queryset(qs) instead, "
                "so the organization filter cannot be lost."
            )

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # Schema generation only inspects the model; no request organization exists there.
            return self.model.objects.unscoped().none()
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
