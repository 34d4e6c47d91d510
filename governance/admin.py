from django.contrib import admin

from cxgov.tenancy.admin_base import TenantAdmin, TenantInline

from .models import Body, BodyMember


class BodyMemberInline(TenantInline):
    model = BodyMember
    fields = ["user", "name", "title", "area", "role_in_body"]


@admin.register(Body)
class BodyAdmin(TenantAdmin):
    list_display = ["name", "kind", "level", "cadence", "position", "organization"]
    list_filter = ["kind", "level"]
    search_fields = ["name", "mandate"]
    inlines = [BodyMemberInline]


@admin.register(BodyMember)
class BodyMemberAdmin(TenantAdmin):
    list_display = ["__str__", "body", "title", "area", "role_in_body", "organization"]
    list_select_related = ("organization", "body", "user")
    list_filter = ["role_in_body"]
    search_fields = ["name", "title", "area", "user__email"]
