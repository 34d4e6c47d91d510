from django.contrib import admin

from cxgov.tenancy.admin_base import TenantAdmin, TenantInline

from .models import (
    Answer,
    Assessment,
    AssessorSubmission,
    LeverScore,
    LeverTarget,
    MaturitySettings,
    MaturitySnapshot,
    Stage,
)


@admin.register(Stage)
class StageAdmin(TenantAdmin):
    list_display = ["level", "name_en", "name_es", "organization"]
    search_fields = ["name_en", "name_es"]


class AnswerInline(TenantInline):
    model = Answer
    fields = ["practice", "assessor", "is_consensus", "stage_level", "evidence", "evidence_url", "evidence_file"]


@admin.register(Assessment)
class AssessmentAdmin(TenantAdmin):
    list_display = ["title", "status", "created_by", "created_at", "submitted_at", "organization"]
    list_select_related = ("organization", "created_by")
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(TenantAdmin):
    list_display = ["assessment", "practice", "assessor", "is_consensus", "stage_level", "organization"]
    list_select_related = ("organization", "assessment", "practice", "assessor")
    list_filter = ["is_consensus", "stage_level"]


class LeverScoreInline(TenantInline):
    model = LeverScore
    fields = ["lever", "assessment_score", "evidence_score", "score"]


@admin.register(MaturitySnapshot)
class MaturitySnapshotAdmin(TenantAdmin):
    list_display = ["computed_at", "overall", "assessment", "organization"]
    list_select_related = ("organization", "assessment")
    inlines = [LeverScoreInline]


@admin.register(LeverScore)
class LeverScoreAdmin(TenantAdmin):
    list_display = ["snapshot", "lever", "assessment_score", "evidence_score", "score", "organization"]
    list_select_related = ("organization", "snapshot", "lever")


@admin.register(MaturitySettings)
class MaturitySettingsAdmin(TenantAdmin):
    list_display = ["organization", "template", "weight_assessment", "weight_evidence", "updated_at"]
    list_select_related = ("organization",)


@admin.register(LeverTarget)
class LeverTargetAdmin(TenantAdmin):
    list_display = ["lever", "target_level", "target_date", "organization"]
    list_select_related = ("organization", "lever")


@admin.register(AssessorSubmission)
class AssessorSubmissionAdmin(TenantAdmin):
    list_display = ["assessment", "assessor", "submitted_at", "organization"]
    list_select_related = ("organization", "assessment", "assessor")
