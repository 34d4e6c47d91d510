from django.contrib import admin

from cxgov.tenancy.admin_base import TenantAdmin

from .models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(TenantAdmin):
    list_display = ("__str__", "organization", "url", "is_active", "paused_at", "consecutive_failures")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantAdmin):
    list_display = ("event", "subscription", "organization", "status", "attempts", "response_code", "created_at")
    list_filter = ("status", "event")
