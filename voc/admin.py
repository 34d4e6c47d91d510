from django.contrib import admin

from cxgov.tenancy.admin_base import TenantAdmin, TenantInline

from .models import DataSource, Journey, JourneyStage, Metric, Product, Response, Rollup, Segment, Touchpoint


@admin.register(Segment)
class SegmentAdmin(TenantAdmin):
    list_display = ["name", "is_persona", "organization"]
    list_filter = ["is_persona"]
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(TenantAdmin):
    list_display = ["name", "organization"]
    search_fields = ["name"]


class JourneyStageInline(TenantInline):
    model = JourneyStage
    fields = ["name", "position"]


class TouchpointInline(TenantInline):
    model = Touchpoint
    fields = ["name", "stage", "channel", "is_moment_of_truth", "position"]


@admin.register(Journey)
class JourneyAdmin(TenantAdmin):
    list_display = ["name", "version", "segment", "product", "organization"]
    list_select_related = ("organization", "segment", "product")
    list_filter = ["version"]
    search_fields = ["name"]
    inlines = [JourneyStageInline, TouchpointInline]


@admin.register(Touchpoint)
class TouchpointAdmin(TenantAdmin):
    list_display = ["name", "journey", "stage", "channel", "is_moment_of_truth", "owner", "organization"]
    list_select_related = ("organization", "journey", "stage", "owner")
    list_filter = ["channel", "is_moment_of_truth"]
    search_fields = ["name"]


@admin.register(Metric)
class MetricAdmin(TenantAdmin):
    list_display = ["code", "name_en", "kind", "method", "scale_min", "scale_max", "unit", "target", "organization"]
    list_filter = ["kind", "method", "is_active"]
    search_fields = ["code", "name_en", "name_es"]


@admin.register(DataSource)
class DataSourceAdmin(TenantAdmin):
    list_display = ["code", "name", "kind", "is_active", "organization"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Response)
class ResponseAdmin(TenantAdmin):
    """Responses are never edited after they are recorded (see the model); the admin only reads them."""

    list_display = ["submitted_at", "metric", "score", "touchpoint", "source", "external_id", "organization"]
    list_select_related = ("organization", "metric", "touchpoint", "source")
    search_fields = ["external_id", "customer_ref"]
    date_hierarchy = "submitted_at"
    show_full_result_count = False
    raw_id_fields = ["source", "metric", "touchpoint", "recorded_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Rollup)
class RollupAdmin(TenantAdmin):
    """Derived data, rebuilt by the rollup refresh; read-only here."""

    list_display = ["metric", "grain", "subject_id", "period", "period_start", "n", "value", "organization"]
    list_select_related = ("organization", "metric")
    list_filter = ["grain", "period"]
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
