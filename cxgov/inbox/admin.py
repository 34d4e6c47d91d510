from django.contrib import admin

from cxgov.tenancy.admin_base import TenantAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(TenantAdmin):
    list_display = ["title", "kind", "user", "organization", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user"]
