"""Admin base for domain models: the Django admin is for superusers and spans organizations."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import TenantScoped


class TenantAdmin(admin.ModelAdmin):
    """Superuser-only admin of a tenant model; the organization is shown and filterable."""

    list_select_related = ("organization",)

    def get_list_filter(self, request: HttpRequest) -> Any:
        return ("organization", *super().get_list_filter(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("organization", *super().get_readonly_fields(request, obj))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Admin is system code for superusers, who see every organization by design.
        return super().get_queryset(request).unscoped()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        model = db_field.remote_field.model
        if issubclass(model, TenantScoped):
            # Superuser admin; TenantScoped.save() still refuses a cross-organization choice.
            kwargs.setdefault("queryset", model.objects.unscoped().select_related("organization"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        model = db_field.remote_field.model
        if issubclass(model, TenantScoped):
            # Superuser admin; the m2m guard in tenancy.signals still refuses cross-organization links.
            kwargs.setdefault("queryset", model.objects.unscoped())
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TenantInline(admin.TabularInline):
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Inline rows of an object the superuser already opened.
        return super().get_queryset(request).unscoped()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        model = db_field.remote_field.model
        if issubclass(model, TenantScoped):
            # Superuser admin; TenantScoped.save() still refuses a cross-organization choice.
            kwargs.setdefault("queryset", model.objects.unscoped())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
