from django.contrib import admin

from cxgov.tenancy.admin_base import TenantAdmin, TenantInline

from .models import Initiative, InitiativeKpi, Milestone, Risk, StatusReport


class MilestoneInline(TenantInline):
    model = Milestone
    fields = ["title", "kind", "assignee", "start_date", "due_date", "done_at", "position"]


class RiskInline(TenantInline):
    model = Risk
    fields = ["description", "probability", "impact", "owner", "status"]


class StatusReportInline(TenantInline):
    model = StatusReport
    fields = ["reported_on", "health", "summary", "next_steps", "author"]


class InitiativeKpiInline(TenantInline):
    model = InitiativeKpi
    fields = ["metric", "baseline", "target", "target_date"]


@admin.register(Initiative)
class InitiativeAdmin(TenantAdmin):
    list_display = ["title", "status", "priority", "health", "owner", "due_date", "organization"]
    list_select_related = ("organization", "owner")
    list_filter = ["status", "priority", "health", "cem_step", "transformation_step", "change_kind", "short_term_win"]
    search_fields = ["title", "problem_statement"]
    filter_horizontal = ["levers", "touchpoints", "journeys", "team"]
    inlines = [MilestoneInline, RiskInline, InitiativeKpiInline, StatusReportInline]


@admin.register(Milestone)
class MilestoneAdmin(TenantAdmin):
    list_display = ["title", "initiative", "assignee", "due_date", "done_at", "organization"]
    list_select_related = ("organization", "initiative", "assignee")
    search_fields = ["title"]


@admin.register(Risk)
class RiskAdmin(TenantAdmin):
    list_display = ["__str__", "initiative", "probability", "impact", "status", "organization"]
    list_select_related = ("organization", "initiative")
    list_filter = ["status"]
    search_fields = ["description"]


@admin.register(InitiativeKpi)
class InitiativeKpiAdmin(TenantAdmin):
    list_display = ["initiative", "metric", "baseline", "target", "target_date", "organization"]
    list_select_related = ("organization", "initiative", "metric")


@admin.register(StatusReport)
class StatusReportAdmin(TenantAdmin):
    list_display = ["initiative", "reported_on", "health", "author", "organization"]
    list_select_related = ("organization", "initiative", "author")
    list_filter = ["health"]
    search_fields = ["summary"]
