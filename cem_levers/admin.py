from django.contrib import admin

from cxgov.tenancy.admin_base import TenantAdmin, TenantInline

from .models import Lever, LeverGroup, Practice


class PracticeInline(TenantInline):
    model = Practice
    fields = ["code", "name_en", "name_es", "position", "is_active"]


@admin.register(LeverGroup)
class LeverGroupAdmin(TenantAdmin):
    list_display = ["code", "name_en", "name_es", "position", "is_active", "organization"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_es"]


@admin.register(Lever)
class LeverAdmin(TenantAdmin):
    list_display = ["code", "name_en", "name_es", "group", "position", "is_active", "organization"]
    list_select_related = ("organization", "group")
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_es"]
    inlines = [PracticeInline]


@admin.register(Practice)
class PracticeAdmin(TenantAdmin):
    list_display = ["code", "name_en", "name_es", "lever", "position", "is_active", "organization"]
    list_select_related = ("organization", "lever")
    search_fields = ["code", "name_en", "name_es"]
