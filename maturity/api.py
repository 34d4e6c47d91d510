"""The maturity map over the API: assessments (answers per assessor, consensus, hand-in, submit),
snapshots with their lever scores, lever targets, and the organization's maturity settings
(weights; the framework template is switched through an action). Thin: every write is a service."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from cem_levers.models import Lever, Practice
from cxgov.tenancy.api import (
    ERROR_RESPONSES,
    TenantAutoSchema,
    TenantFilterSet,
    TenantModelSerializer,
    TenantReadOnlyViewSet,
    TenantRelatedField,
    TenantViewSet,
)
from cxgov.tenancy.drf import request_org
from cxgov.tenancy.roles import Op, role_allows

from . import selectors, services
from .models import Answer, Assessment, FrameworkTemplate, LeverScore, LeverTarget, MaturitySettings, MaturitySnapshot

# --- serializers ----------------------------------------------------------------------------------


FRAMEWORK_HELP = "Framework template code: " + ", ".join(FrameworkTemplate.values) + "."


class AssessmentSerializer(TenantModelSerializer):
    framework = serializers.CharField(read_only=True, help_text=FRAMEWORK_HELP)

    class Meta:
        model = Assessment
        fields = ["id", "title", "status", "framework", "created_by", "created_at", "submitted_at"]
        read_only_fields = ["status", "framework", "created_by", "created_at", "submitted_at"]

    def create(self, validated_data: dict[str, Any]) -> Assessment:
        request = self.context["request"]
        return services.assessment_create(org=self.context["org"], title=validated_data["title"],
                                          created_by=request.user)


class AnswerSerializer(TenantModelSerializer):
    """One answer (output); ``evidence_file`` is the download URL of the file, or null."""

    evidence_file = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = ["id", "practice", "assessor", "is_consensus", "stage_level", "evidence", "evidence_url",
                  "evidence_file", "comment", "answered_at"]
        read_only_fields = fields

    def get_evidence_file(self, answer: Answer) -> str | None:
        if not answer.evidence_file:
            return None
        from django.urls import reverse

        url = reverse("maturity:answer-evidence", args=[answer.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class AnswerInputSerializer(serializers.Serializer):
    practice = TenantRelatedField(queryset=Practice.objects.unscoped().all())
    stage_level = serializers.IntegerField(min_value=1, max_value=5)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_url = serializers.CharField(required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_file = serializers.FileField(required=False, allow_null=True, default=None,
                                          help_text="Multipart upload: PDF, office documents, images or text, ≤ 10 MB.")


class ConsensusPracticeSerializer(serializers.Serializer):
    practice = serializers.IntegerField(source="practice.pk")
    practice_name = serializers.CharField(source="practice.name")
    lever = serializers.IntegerField(source="practice.lever_id")
    consensus = AnswerSerializer(source="answer", allow_null=True)
    individual = AnswerSerializer(many=True)
    median = serializers.IntegerField(allow_null=True)
    spread = serializers.IntegerField(allow_null=True)
    disagreement = serializers.BooleanField()


class LeverScoreSerializer(TenantModelSerializer):
    lever_code = serializers.CharField(source="lever.code", read_only=True)
    lever_name = serializers.CharField(source="lever.name", read_only=True)

    class Meta:
        model = LeverScore
        fields = ["lever", "lever_code", "lever_name", "assessment_score", "evidence_score", "score",
                  "initiatives_done", "kpis_met", "kpis_measured"]
        read_only_fields = fields


class SnapshotSerializer(TenantModelSerializer):
    lever_scores = LeverScoreSerializer(many=True, read_only=True)
    framework = serializers.CharField(read_only=True, help_text=FRAMEWORK_HELP)

    class Meta:
        model = MaturitySnapshot
        fields = ["id", "computed_at", "overall", "framework", "assessment", "weight_assessment", "weight_evidence",
                  "lever_scores"]
        read_only_fields = fields


class LeverTargetSerializer(TenantModelSerializer):
    lever = TenantRelatedField(queryset=Lever.objects.unscoped().all())

    class Meta:
        model = LeverTarget
        fields = ["id", "lever", "target_level", "target_date", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "lever" in attrs and attrs["lever"].pk != self.instance.lever_id:
            raise serializers.ValidationError({"lever": ["A target stays with its lever."]})
        return super().validate(attrs)

    def _save(self, lever: Lever, validated_data: dict[str, Any], instance: LeverTarget | None) -> LeverTarget:
        level = validated_data.get("target_level", instance.target_level if instance else None)
        date = validated_data.get("target_date", instance.target_date if instance else None)
        return services.lever_target_set(org=self.context["org"], lever=lever, target_level=level, target_date=date)

    def create(self, validated_data: dict[str, Any]) -> LeverTarget:
        return self._save(validated_data["lever"], validated_data, None)

    def update(self, instance: LeverTarget, validated_data: dict[str, Any]) -> LeverTarget:
        return self._save(instance.lever, validated_data, instance)


class MaturitySettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaturitySettings
        fields = ["template", "weight_assessment", "weight_evidence", "template_changed_at", "updated_at"]
        read_only_fields = ["template", "template_changed_at", "updated_at"]


TemplateSwitchSerializer = inline_serializer(
    name="TemplateSwitch", fields={"template": serializers.ChoiceField(choices=FrameworkTemplate.choices)},
)


# --- viewsets -------------------------------------------------------------------------------------

class AssessmentFilter(TenantFilterSet):
    class Meta:
        model = Assessment
        fields = ["status", "framework"]


@extend_schema_view(
    list=extend_schema(summary="List maturity assessments"),
    retrieve=extend_schema(summary="One assessment"),
    create=extend_schema(summary="Open an assessment of the current framework (programme.manage)"),
    destroy=extend_schema(summary="Delete an assessment that was never submitted (programme.manage)"),
)
class AssessmentViewSet(TenantViewSet):
    """Assessments. Assessors (maturity.assess) answer through ``answers`` and ``hand-in``; the CX
    lead (programme.manage) reads every answer and sets the consensus through ``consensus``, then
    ``submit``s, which recomputes the scores."""

    model = Assessment
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    ordering_fields = ["created_at", "submitted_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    action_ops = {"answers": Op.MATURITY_ASSESS, "hand_in": Op.MATURITY_ASSESS,
                  "consensus": Op.PROGRAMME_MANAGE, "submit": Op.PROGRAMME_MANAGE}

    def scope_queryset(self, qs):
        return qs.select_related("created_by")

    def perform_destroy(self, instance: Assessment) -> None:
        services.assessment_delete(org=request_org(self.request), assessment=instance)

    def _answer(self, request: Request, assessment: Assessment, assessor: Any) -> Answer:
        data = AnswerInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return services.answer_set(
            org=request_org(request), assessment=assessment, practice=values["practice"],
            stage_level=values["stage_level"], assessor=assessor, evidence=values["evidence"],
            evidence_url=values["evidence_url"], comment=values["comment"], evidence_file=values["evidence_file"],
        )

    @extend_schema(
        summary="Answers: GET the ones you may see (yours; everyone's once you handed yours in), "
                "POST your own answer for a practice (maturity.assess)",
        request=AnswerInputSerializer, responses={200: AnswerSerializer(many=True), 201: AnswerSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def answers(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        org = request_org(request)
        if request.method == "POST":
            answer = self._answer(request, assessment, request.user)
            return Response(AnswerSerializer(answer, context=self.get_serializer_context()).data,
                            status=status.HTTP_201_CREATED)
        can_manage = role_allows(request.membership.role, Op.PROGRAMME_MANAGE)
        qs = Answer.objects.for_org(org).filter(assessment=assessment, is_consensus=False).order_by("practice_id", "id")
        if not selectors.others_visible(org=org, assessment=assessment, user=request.user, can_manage=can_manage):
            qs = qs.filter(assessor=request.user)
        return Response(AnswerSerializer(qs, many=True, context=self.get_serializer_context()).data)

    @extend_schema(summary="Hand in your own answers: every active practice answered; then frozen",
                   request=None, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"], url_path="hand-in")
    def hand_in(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        services.assessor_answers_submit(org=request_org(request), assessment=assessment, assessor=request.user)
        assessment.refresh_from_db()
        return Response(AssessmentSerializer(assessment, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Consensus: GET every practice with each assessor's answer, the median, the spread and "
                "whether they disagree (spread ≥ 2); POST the consensus answer of a practice",
        request=AnswerInputSerializer, responses={200: ConsensusPracticeSerializer(many=True), 201: AnswerSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def consensus(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            answer = self._answer(request, assessment, None)
            return Response(AnswerSerializer(answer, context=context).data, status=status.HTTP_201_CREATED)
        sections = selectors.assessment_sheet(org=request_org(request), assessment=assessment, assessor=None,
                                              with_individual=True)
        rows = [row for section in sections for row in section.practices]
        return Response(ConsensusPracticeSerializer(rows, many=True, context=context).data)

    @extend_schema(summary="Submit the consensus (every active practice agreed); the scores are recomputed",
                   request=None, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        assessment = services.assessment_submit(org=request_org(request), assessment=self.get_object())
        return Response(AssessmentSerializer(assessment, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="List maturity snapshots (newest first) with their lever scores"),
    retrieve=extend_schema(summary="One maturity snapshot with its lever scores"),
)
class SnapshotViewSet(TenantReadOnlyViewSet):
    model = MaturitySnapshot
    serializer_class = SnapshotSerializer
    ordering_fields = ["computed_at"]
    ordering = ["-computed_at", "-id"]

    def scope_queryset(self, qs):
        return qs.prefetch_related("lever_scores__lever")


class LeverTargetFilter(TenantFilterSet):
    class Meta:
        model = LeverTarget
        fields = ["lever"]


@extend_schema_view(
    list=extend_schema(summary="List the levers' maturity targets"),
    retrieve=extend_schema(summary="One lever target"),
    create=extend_schema(summary="Set a lever's target stage and date (programme.manage)"),
    partial_update=extend_schema(summary="Change a lever's target (programme.manage)"),
    update=extend_schema(summary="Replace a lever's target (programme.manage)"),
    destroy=extend_schema(summary="Remove a lever's target (programme.manage)"),
)
class LeverTargetViewSet(TenantViewSet):
    model = LeverTarget
    serializer_class = LeverTargetSerializer
    filterset_class = LeverTargetFilter
    ordering = ["lever__position", "id"]

    def scope_queryset(self, qs):
        return qs.select_related("lever")

    def perform_destroy(self, instance: LeverTarget) -> None:
        services.lever_target_set(org=request_org(self.request), lever=instance.lever, target_level=None)


class MaturitySettingsView(GenericAPIView):
    """The organization's maturity settings: one object per organization (no id in the URL)."""

    schema = TenantAutoSchema()
    serializer_class = MaturitySettingsSerializer
    read_op = Op.PROGRAMME_VIEW
    write_op = Op.PROGRAMME_MANAGE

    @extend_schema(summary="The framework template and the scoring weights",
                   responses={200: MaturitySettingsSerializer})
    def get(self, request: Request) -> Response:
        return Response(MaturitySettingsSerializer(selectors.maturity_settings_get(org=request_org(request))).data)

    @extend_schema(summary="Change the scoring weights (they must add up to 1; programme.manage)",
                   request=MaturitySettingsSerializer, responses={200: MaturitySettingsSerializer})
    def patch(self, request: Request) -> Response:
        org = request_org(request)
        current = selectors.maturity_settings_get(org=org)
        data = MaturitySettingsSerializer(current, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        settings = services.maturity_settings_update(
            org=org,
            weight_assessment=data.validated_data.get("weight_assessment", current.weight_assessment),
            weight_evidence=data.validated_data.get("weight_evidence", current.weight_evidence),
        )
        return Response(MaturitySettingsSerializer(settings).data)


class TemplateSwitchView(GenericAPIView):
    """Switch the framework template: the current levers are deactivated (never deleted)."""

    schema = TenantAutoSchema()
    serializer_class = MaturitySettingsSerializer
    read_op = Op.PROGRAMME_MANAGE
    write_op = Op.PROGRAMME_MANAGE

    @extend_schema(summary="Switch the framework template (programme.manage)", request=TemplateSwitchSerializer,
                   responses={200: MaturitySettingsSerializer, **ERROR_RESPONSES})
    def post(self, request: Request) -> Response:
        template = request.data.get("template") if hasattr(request.data, "get") else None
        settings = services.framework_template_switch(org=request_org(request), template=str(template or ""))
        return Response(MaturitySettingsSerializer(settings).data)


urlpatterns = [
    path("maturity-settings/", MaturitySettingsView.as_view(), name="maturity-settings"),
    path("maturity-settings/switch-template/", TemplateSwitchView.as_view(), name="maturity-settings-switch"),
]


def register(router: BaseRouter) -> None:
    router.register("assessments", AssessmentViewSet, basename="assessment")
    router.register("snapshots", SnapshotViewSet, basename="snapshot")
    router.register("lever-targets", LeverTargetViewSet, basename="lever-target")
