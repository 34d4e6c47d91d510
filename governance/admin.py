from django.contrib import admin

from cxgov.tenancy.admin_base import TenantAdmin, TenantInline

from .models import (
    Body,
    BodyMember,
    BudgetYear,
    ChangeStakeholder,
    Charter,
    Decision,
    Goal,
    Meeting,
    RaciAssignment,
    RoadmapStep,
    SwotItem,
)


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


@admin.register(RaciAssignment)
class RaciAssignmentAdmin(TenantAdmin):
    list_display = ["__str__", "role", "organization"]
    list_select_related = ("organization", "lever", "journey", "initiative", "body", "member", "user")
    list_filter = ["role"]


@admin.register(Meeting)
class MeetingAdmin(TenantAdmin):
    list_display = ["body", "date", "organization"]
    list_select_related = ("organization", "body")
    search_fields = ["agenda", "minutes"]


@admin.register(Decision)
class DecisionAdmin(TenantAdmin):
    list_display = ["__str__", "body", "owner", "due_date", "status", "organization"]
    list_select_related = ("organization", "body", "owner")
    list_filter = ["status"]
    search_fields = ["text"]


@admin.register(Charter)
class CharterAdmin(TenantAdmin):
    list_display = ["__str__", "organization", "updated_at"]


@admin.register(BudgetYear)
class BudgetYearAdmin(TenantAdmin):
    list_display = ["year", "planned", "organization"]


@admin.register(RoadmapStep)
class RoadmapStepAdmin(TenantAdmin):
    list_display = ["__str__", "status", "start_date", "end_date", "organization"]
    list_filter = ["status"]


@admin.register(SwotItem)
class SwotItemAdmin(TenantAdmin):
    list_display = ["text", "quadrant", "organization"]
    list_filter = ["quadrant"]


@admin.register(ChangeStakeholder)
class ChangeStakeholderAdmin(TenantAdmin):
    list_display = ["name", "stance", "influence", "organization"]
    list_filter = ["stance", "influence"]


@admin.register(Goal)
class GoalAdmin(TenantAdmin):
    list_display = ["__str__", "user", "body", "period_kind", "period_start", "organization"]
    list_select_related = ("organization", "user", "body", "metric")
    list_filter = ["period_kind"]
