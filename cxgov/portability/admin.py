from django.contrib import admin

from cxgov.tenancy.admin_base import TenantAdmin

from .models import DataExport


@admin.register(DataExport)
class DataExportAdmin(TenantAdmin):
    list_display = ["created_at", "status", "requested_by", "row_count", "expires_at", "organization"]
    list_filter = ["status"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
