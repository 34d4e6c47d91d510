"""The CX PMO over the API: initiatives (with ``transition`` and ``team`` actions), milestones,
risks, KPIs (with their current value from VoC rollups) and status reports.

Serializers validate shapes and references; writes go through ``initiatives.services``. Reading
needs ``programme.view``; creating or deleting an initiative needs ``programme.manage``; changing an
initiative or its rows needs ``programme.manage`` or the initiative's team grant, so a team member's
token may edit their initiative and no other (403 elsewhere), and an executive's never.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from cxgov.tenancy.api import ERROR_RESPONSES, TenantModelSerializer, TenantViewSet, TenantViewSetMixin
from cxgov.tenancy.drf import IsOrganizationMember, request_org
from cxgov.tenancy.models import User
from cxgov.tenancy.roles import ObjectRule, Op

from . import selectors, services
from .filters import InitiativeFilter
from .models import Initiative, InitiativeKpi, Milestone, Risk, StatusReport


@extend_schema_field(OpenApiTypes.INT)
class MemberField(serializers.PrimaryKeyRelatedField):
    """A user id restricted to members of the request's organization (others: "not found")."""

    default_error_messages = {"does_not_exist": _("Not a member of this organization.")}

    def get_queryset(self) -> QuerySet:
        org = self.context.get("org")
        if org is None:
            return User.objects.none()
        return User.objects.filter(memberships__organization=org)


class CanEditInitiative(permissions.BasePermission):
    """Object level: writes need ``programme.manage`` or the initiative's team grant."""

    message = _("You may not change this initiative.")

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        initiative = obj if isinstance(obj, Initiative) else obj.initiative
        return selectors.initiative_can_edit(
            org=request_org(request), user=request.user, initiative=initiative, role=request.membership.role
        )


def _require_edit(request: Request, initiative: Initiative) -> None:
    if not selectors.initiative_can_edit(org=request_org(request), user=request.user, initiative=initiative,
                                         role=request.membership.role):
        raise exceptions.PermissionDenied(CanEditInitiative.message)


_EDIT_OPS = {"update": Op.PROGRAMME_VIEW, "partial_update": Op.PROGRAMME_VIEW}
_CHILD_OPS = {**_EDIT_OPS, "create": Op.PROGRAMME_VIEW, "destroy": Op.PROGRAMME_VIEW}


# --- initiatives ---------------------------------------------------------------------------------

class InitiativeSerializer(TenantModelSerializer):
    owner = MemberField(allow_null=True, required=False)
    team = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="Set with the team action.")
    roi = serializers.DecimalField(
        max_digits=20, decimal_places=4, read_only=True, allow_null=True,
        help_text="(expected_benefit − actual_cost) / actual_cost as a fraction; null while actual_cost is 0.",
    )
    last_report_on = serializers.DateField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Initiative
        fields = [
            "id", "title", "problem_statement", "status", "health", "cem_step", "transformation_step", "change_kind",
            "levers", "touchpoints", "journeys", "owner", "sponsor_body", "team", "priority", "short_term_win",
            "prototype_fidelity", "start_date", "due_date", "completed_at", "planned_cost", "actual_cost",
            "expected_benefit", "benefit_metric", "roi", "report_every_days", "last_report_on",
            "origin_root_cause", "origin_touchpoint", "created_at", "updated_at",
        ]
        read_only_fields = [
            "status", "health", "completed_at", "origin_root_cause", "origin_touchpoint", "created_at", "updated_at",
        ]

    def create(self, validated_data: dict[str, Any]) -> Initiative:
        org = validated_data.pop("organization")
        return services.initiative_create(org=org, by=self.context["request"].user, **validated_data)

    def update(self, instance: Initiative, validated_data: dict[str, Any]) -> Initiative:
        validated_data.pop("organization", None)
        return services.initiative_update(
            org=self.context["org"], initiative=instance, by=self.context["request"].user, **validated_data
        )


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Initiative.Status.choices)


class TeamSerializer(serializers.Serializer):
    team = MemberField(many=True, help_text="User ids of members of the organization; replaces the team.")


_OK = {**ERROR_RESPONSES}


@extend_schema_view(
    list=extend_schema(summary="List initiatives (the portfolio)",
                       responses={200: InitiativeSerializer(many=True), **_OK}),
    retrieve=extend_schema(summary="One initiative", responses={200: InitiativeSerializer, **_OK}),
    create=extend_schema(summary="Create an initiative (programme.manage)",
                         responses={201: InitiativeSerializer, **_OK}),
    update=extend_schema(summary="Replace an initiative's fields", responses={200: InitiativeSerializer, **_OK}),
    partial_update=extend_schema(summary="Change some of an initiative's fields",
                                 responses={200: InitiativeSerializer, **_OK}),
    destroy=extend_schema(summary="Delete an initiative (programme.manage)",
                          responses={204: OpenApiResponse(description="Deleted"), **_OK}),
)
class InitiativeViewSet(TenantViewSet):
    model = Initiative
    serializer_class = InitiativeSerializer
    filterset_class = InitiativeFilter
    permission_classes = [IsOrganizationMember, CanEditInitiative]
    read_op = Op.PROGRAMME_VIEW
    write_op = Op.PROGRAMME_MANAGE
    action_ops = {**_EDIT_OPS, "transition": Op.PROGRAMME_VIEW, "team": Op.PROGRAMME_MANAGE}
    object_rules = dict.fromkeys(("update", "partial_update", "transition"), ObjectRule.INITIATIVE_TEAM)
    ordering_fields = ["title", "status", "priority", "health", "due_date", "start_date", "updated_at", "id"]
    ordering = ["-priority", "due_date", "id"]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        org = request_org(self.request)
        return qs.select_related("owner").prefetch_related("levers", "touchpoints", "journeys", "team").annotate(
            last_report_on=selectors.last_report_on_subquery(org)
        )

    def perform_destroy(self, instance: Initiative) -> None:
        services.initiative_delete(org=request_org(self.request), initiative=instance)

    @extend_schema(
        summary="Move the initiative to another status (the board's transition rules apply)",
        request=TransitionSerializer, responses={200: InitiativeSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        initiative = self.get_object()
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.initiative_transition(
            org=request_org(request), initiative=initiative, status=payload.validated_data["status"], by=request.user
        )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Replace the team (programme.manage); team members get edit rights on this initiative",
        request=TeamSerializer, responses={200: InitiativeSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["put"])
    def team(self, request: Request, pk: str | None = None) -> Response:
        initiative = self.get_object()
        payload = TeamSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        services.initiative_team_set(
            org=request_org(request), initiative=initiative, team=payload.validated_data["team"]
        )
        return Response(self.get_serializer(self.get_object()).data)


# --- rows of an initiative -----------------------------------------------------------------------

class _ChildSerializer(TenantModelSerializer):
    """``initiative`` is chosen on creation and fixed afterwards."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is not None and "initiative" in fields:
            fields["initiative"].read_only = True
        return fields


class MilestoneSerializer(_ChildSerializer):
    assignee = MemberField(allow_null=True, required=False)
    done = serializers.BooleanField(required=False, write_only=True, help_text="Mark done (true) or not done (false).")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = [
            "id", "initiative", "title", "kind", "assignee", "start_date", "due_date", "depends_on", "done",
            "done_at", "overdue", "position",
        ]
        read_only_fields = ["done_at"]

    def get_overdue(self, obj: Milestone) -> bool:
        from django.utils import timezone

        return obj.is_overdue(timezone.localdate())

    def create(self, validated_data: dict[str, Any]) -> Milestone:
        org = validated_data.pop("organization")
        done = validated_data.pop("done", None)
        milestone = services.milestone_create(org=org, **validated_data)
        if done:
            services.milestone_set_done(org=org, milestone=milestone, done=True)
        return milestone

    def update(self, instance: Milestone, validated_data: dict[str, Any]) -> Milestone:
        org = self.context["org"]
        done = validated_data.pop("done", None)
        services.milestone_update(org=org, milestone=instance, **validated_data)
        if done is not None:
            services.milestone_set_done(org=org, milestone=instance, done=done)
        return instance


class RiskSerializer(_ChildSerializer):
    owner = MemberField(allow_null=True, required=False)
    exposure = serializers.IntegerField(read_only=True, help_text="probability × impact")
    level = serializers.CharField(read_only=True, help_text="low (< 8), medium (8–14), high (≥ 15)")

    class Meta:
        model = Risk
        fields = [
            "id", "initiative", "description", "probability", "impact", "exposure", "level", "owner", "mitigation",
            "contingency", "status", "created_at",
        ]
        read_only_fields = ["created_at"]

    def create(self, validated_data: dict[str, Any]) -> Risk:
        return services.risk_create(org=validated_data.pop("organization"), **validated_data)

    def update(self, instance: Risk, validated_data: dict[str, Any]) -> Risk:
        return services.risk_update(org=self.context["org"], risk=instance, **validated_data)


class KpiListSerializer(serializers.ListSerializer):
    """Reads the rollups for a whole page of KPIs at once (a fixed number of queries)."""

    def to_representation(self, data: Any) -> list[Any]:
        items = list(data.all() if hasattr(data, "all") else data)
        selectors.kpi_list_with_values(org=self.context["org"], kpis=items)
        return super().to_representation(items)


class KpiValueSerializer(serializers.Serializer):
    month = serializers.DateField()
    value = serializers.DecimalField(max_digits=14, decimal_places=4)
    n = serializers.IntegerField()


class InitiativeKpiSerializer(_ChildSerializer):
    current = serializers.SerializerMethodField(help_text="Latest month, n-weighted over the touchpoints")
    before = serializers.SerializerMethodField(help_text="Months before the initiative's start month, pooled")
    after = serializers.SerializerMethodField(help_text="Months from the start month on, pooled")
    grain = serializers.SerializerMethodField(help_text="touchpoint or organization")

    class Meta:
        model = InitiativeKpi
        fields = [
            "id", "initiative", "metric", "baseline", "target", "target_date", "grain", "current", "before", "after",
        ]
        list_serializer_class = KpiListSerializer

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is not None and "metric" in fields:
            fields["metric"].read_only = True
        return fields

    def _values(self, obj: InitiativeKpi) -> Any:
        if not hasattr(obj, "values"):
            selectors.kpi_list_with_values(org=self.context["org"], kpis=[obj])
        return obj.values

    def _point(self, point: Any) -> dict[str, Any] | None:
        return None if point is None else KpiValueSerializer(point).data

    @extend_schema_field(serializers.ChoiceField(choices=["touchpoint", "organization"]))
    def get_grain(self, obj: InitiativeKpi) -> str:
        return self._values(obj).grain

    @extend_schema_field(KpiValueSerializer(allow_null=True))
    def get_current(self, obj: InitiativeKpi) -> dict[str, Any] | None:
        return self._point(self._values(obj).current)

    @extend_schema_field(KpiValueSerializer(allow_null=True))
    def get_before(self, obj: InitiativeKpi) -> dict[str, Any] | None:
        return self._point(self._values(obj).before)

    @extend_schema_field(KpiValueSerializer(allow_null=True))
    def get_after(self, obj: InitiativeKpi) -> dict[str, Any] | None:
        return self._point(self._values(obj).after)

    def create(self, validated_data: dict[str, Any]) -> InitiativeKpi:
        return services.kpi_create(org=validated_data.pop("organization"), **validated_data)

    def update(self, instance: InitiativeKpi, validated_data: dict[str, Any]) -> InitiativeKpi:
        validated_data.pop("metric", None)
        services.kpi_update(org=self.context["org"], kpi=instance, **validated_data)
        if hasattr(instance, "values"):
            del instance.values
        return instance


class StatusReportSerializer(_ChildSerializer):
    author = serializers.PrimaryKeyRelatedField(read_only=True)
    reported_on = serializers.DateField(required=False, help_text="Defaults to today; never in the future.")

    class Meta:
        model = StatusReport
        fields = ["id", "initiative", "reported_on", "health", "summary", "next_steps", "author", "created_at"]
        read_only_fields = ["created_at"]

    def create(self, validated_data: dict[str, Any]) -> StatusReport:
        return services.status_report_create(
            org=validated_data.pop("organization"), by=self.context["request"].user, **validated_data
        )


class _ChildViewSetMixin:
    """Creating a row needs edit rights on the initiative it names; changing one, on its initiative."""

    permission_classes = [IsOrganizationMember, CanEditInitiative]
    read_op = Op.PROGRAMME_VIEW
    action_ops = _CHILD_OPS
    object_rules = dict.fromkeys(_CHILD_OPS, ObjectRule.INITIATIVE_TEAM)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        _require_edit(self.request, serializer.validated_data["initiative"])
        super().perform_create(serializer)


def _crud_schema(name: str, serializer: Any, *, writable: bool = True) -> Any:
    views = {
        "list": extend_schema(summary=f"List {name}s", responses={200: serializer(many=True), **ERROR_RESPONSES}),
        "retrieve": extend_schema(summary=f"One {name}", responses={200: serializer, **ERROR_RESPONSES}),
        "create": extend_schema(summary=f"Add a {name} (edit rights on its initiative)",
                                responses={201: serializer, **ERROR_RESPONSES}),
    }
    if writable:
        views.update({
            "update": extend_schema(summary=f"Replace a {name}", responses={200: serializer, **ERROR_RESPONSES}),
            "partial_update": extend_schema(summary=f"Change a {name}", responses={200: serializer, **ERROR_RESPONSES}),
            "destroy": extend_schema(summary=f"Delete a {name}",
                                     responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES}),
        })
    return extend_schema_view(**views)


@_crud_schema("milestone", MilestoneSerializer)
class MilestoneViewSet(_ChildViewSetMixin, TenantViewSet):
    model = Milestone
    serializer_class = MilestoneSerializer
    filterset_fields = ["initiative", "assignee", "kind"]
    ordering_fields = ["due_date", "start_date", "position", "id"]
    ordering = ["initiative_id", "due_date", "position", "id"]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.select_related("initiative").prefetch_related("depends_on")

    def perform_destroy(self, instance: Milestone) -> None:
        services.milestone_delete(org=request_org(self.request), milestone=instance)


@_crud_schema("risk", RiskSerializer)
class RiskViewSet(_ChildViewSetMixin, TenantViewSet):
    model = Risk
    serializer_class = RiskSerializer
    filterset_fields = ["initiative", "status", "probability", "impact", "owner"]
    ordering_fields = ["probability", "impact", "created_at", "id"]
    ordering = ["-probability", "-impact", "id"]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.select_related("initiative")

    def perform_destroy(self, instance: Risk) -> None:
        services.risk_delete(org=request_org(self.request), risk=instance)


@_crud_schema("initiative KPI", InitiativeKpiSerializer)
class InitiativeKpiViewSet(_ChildViewSetMixin, TenantViewSet):
    model = InitiativeKpi
    serializer_class = InitiativeKpiSerializer
    filterset_fields = ["initiative", "metric"]
    ordering = ["initiative_id", "metric_id", "id"]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.select_related("initiative", "metric")

    def perform_destroy(self, instance: InitiativeKpi) -> None:
        services.kpi_delete(org=request_org(self.request), kpi=instance)


@_crud_schema("status report", StatusReportSerializer, writable=False)
class StatusReportViewSet(
    _ChildViewSetMixin, TenantViewSetMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
    mixins.RetrieveModelMixin, viewsets.GenericViewSet,
):
    """Status reports are history: filed, listed and read, never changed."""

    model = StatusReport
    serializer_class = StatusReportSerializer
    filterset_fields = ["initiative", "health"]
    ordering_fields = ["reported_on", "id"]
    ordering = ["-reported_on", "-id"]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.select_related("initiative")


def register(router: BaseRouter) -> None:
    router.register("initiatives", InitiativeViewSet, basename="initiative")
    router.register("milestones", MilestoneViewSet, basename="milestone")
    router.register("risks", RiskViewSet, basename="risk")
    router.register("initiative-kpis", InitiativeKpiViewSet, basename="initiative-kpi")
    router.register("status-reports", StatusReportViewSet, basename="status-report")
