"""Governance over the API: bodies (with members), members, RACI assignments, meetings, decisions,
the charter and its budget years, roadmap steps, SWOT items, change stakeholders and CX goals.

Viewsets are thin: serializers parse and check that references are the organization's; writes go
through ``services`` (the same rules as the HTML pages, e.g. one Accountable per RACI row), whose
``ValidationError`` becomes the one error shape, a 400. Computed fields are read-only.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.routers import BaseRouter

from cxgov.tenancy.api import (
    ERROR_RESPONSES,
    TenantFilterSet,
    TenantModelSerializer,
    TenantViewSet,
    request_org,
)
from cxgov.tenancy.models import User

from . import selectors, services
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


class OrgUserField(serializers.PrimaryKeyRelatedField):
    """A user id, accepted only for users with a membership in the request's organization."""

    default_error_messages = {"does_not_exist": _("Not found in this organization.")}

    def get_queryset(self):  # noqa: ANN201
        request = self.context.get("request")
        org = getattr(request, "org", None) if request is not None else self.context.get("org")
        if org is None:
            return User.objects.none()
        return User.objects.filter(memberships__organization=org)


def _schema(name: str, serializer: Any) -> Any:
    many = serializer(many=True)
    return extend_schema_view(
        list=extend_schema(summary=f"List {name}", responses={200: many, **ERROR_RESPONSES}),
        retrieve=extend_schema(summary=f"One of the {name}", responses={200: serializer, **ERROR_RESPONSES}),
        create=extend_schema(summary=f"Create one of the {name}", responses={201: serializer, **ERROR_RESPONSES}),
        update=extend_schema(summary=f"Replace one of the {name}", responses={200: serializer, **ERROR_RESPONSES}),
        partial_update=extend_schema(summary=f"Change one of the {name}",
                                     responses={200: serializer, **ERROR_RESPONSES}),
        destroy=extend_schema(summary=f"Delete one of the {name}", responses={204: None, **ERROR_RESPONSES}),
    )


def _merged(serializer: serializers.Serializer, names: list[str]) -> dict[str, Any]:
    """Validated data, completed from the instance for a partial update (PATCH)."""
    data = dict(serializer.validated_data)
    instance = serializer.instance
    for name in names:
        if name not in data and instance is not None:
            data[name] = getattr(instance, name)
    return data


class ServiceViewSet(TenantViewSet):
    """A ``TenantViewSet`` whose writes call services: ``create_via``, ``update_via``, ``delete_via``."""

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.instance = self.create_via(org=request_org(self.request), serializer=serializer)

    def perform_update(self, serializer: serializers.Serializer) -> None:
        serializer.instance = self.update_via(org=request_org(self.request), serializer=serializer)

    def perform_destroy(self, instance: Any) -> None:
        self.delete_via(org=request_org(self.request), instance=instance)

    def create_via(self, *, org: Any, serializer: serializers.Serializer) -> Any:
        raise NotImplementedError

    def update_via(self, *, org: Any, serializer: serializers.Serializer) -> Any:
        raise NotImplementedError

    def delete_via(self, *, org: Any, instance: Any) -> None:
        raise NotImplementedError


# --- bodies and members --------------------------------------------------------------------------


class BodyMemberSerializer(TenantModelSerializer):
    user = OrgUserField(required=False, allow_null=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = BodyMember
        fields = ["id", "body", "user", "name", "display_name", "title", "area", "role_in_body"]


class BodySerializer(TenantModelSerializer):
    members = BodyMemberSerializer(many=True, read_only=True)
    level = serializers.ChoiceField(choices=Body._meta.get_field("level").choices, required=False)

    class Meta:
        model = Body
        fields = ["id", "kind", "level", "name", "mandate", "cadence", "position", "members"]
        read_only_fields = ["position"]


@_schema("governance bodies, each with its members", BodySerializer)
class BodyViewSet(ServiceViewSet):
    model = Body
    serializer_class = BodySerializer
    filterset_fields = ["kind", "level"]
    ordering = ["position", "id"]

    def scope_queryset(self, qs):  # noqa: ANN001, ANN201
        return qs.prefetch_related("members__user")

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = serializer.validated_data
        return services.body_create(org=org, kind=d["kind"], name=d["name"], level=d.get("level"),
                                    mandate=d.get("mandate", ""), cadence=d.get("cadence", ""))

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = _merged(serializer, ["kind", "level", "name", "mandate", "cadence"])
        return services.body_update(org=org, body=serializer.instance, **d)

    def delete_via(self, *, org, instance) -> None:  # noqa: ANN001
        services.body_delete(org=org, body=instance)


class BodyMemberUpdateSerializer(BodyMemberSerializer):
    class Meta(BodyMemberSerializer.Meta):
        read_only_fields = ["body", "user"]


@_schema("members of the bodies", BodyMemberSerializer)
class BodyMemberViewSet(ServiceViewSet):
    model = BodyMember
    serializer_class = BodyMemberSerializer
    filterset_fields = ["body", "role_in_body"]
    ordering = ["body_id", "id"]

    def get_serializer_class(self):  # noqa: ANN201
        if self.action in ("update", "partial_update"):
            return BodyMemberUpdateSerializer
        return BodyMemberSerializer

    def scope_queryset(self, qs):  # noqa: ANN001, ANN201
        return qs.select_related("user")

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = serializer.validated_data
        return services.body_member_add(org=org, body=d["body"], user=d.get("user"), name=d.get("name", ""),
                                        title=d.get("title", ""), area=d.get("area", ""),
                                        role_in_body=d.get("role_in_body", BodyMember.RoleInBody.MEMBER))

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = _merged(serializer, ["name", "title", "area", "role_in_body"])
        return services.body_member_update(org=org, member=serializer.instance, name=d["name"], title=d["title"],
                                           area=d["area"], role_in_body=d["role_in_body"])

    def delete_via(self, *, org, instance) -> None:  # noqa: ANN001
        services.body_member_remove(org=org, member=instance)


# --- RACI -----------------------------------------------------------------------------------------


class RaciAssignmentSerializer(TenantModelSerializer):
    user = OrgUserField(required=False, allow_null=True)
    row = serializers.SerializerMethodField(help_text="The lever, journey or initiative, as text.")
    party_name = serializers.SerializerMethodField(help_text="The body or person, as text.")

    class Meta:
        model = RaciAssignment
        fields = ["id", "lever", "journey", "initiative", "body", "member", "user", "role", "row", "party_name"]
        extra_kwargs = {name: {"required": False, "allow_null": True}
                        for name in ("lever", "journey", "initiative", "body", "member")}
        validators: list = []

    @extend_schema_field(serializers.CharField())
    def get_row(self, obj: RaciAssignment) -> str:
        return services.raci_subject_label(obj.subject)

    @extend_schema_field(serializers.CharField())
    def get_party_name(self, obj: RaciAssignment) -> str:
        party = obj.party
        return party.display_name if isinstance(party, BodyMember) else str(party)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        merged = {name: attrs.get(name, getattr(self.instance, name, None) if self.partial else None)
                  for name in ("lever", "journey", "initiative", "body", "member", "user")}
        subjects = [merged[n] for n in ("lever", "journey", "initiative") if merged[n] is not None]
        parties = [merged[n] for n in ("body", "member", "user") if merged[n] is not None]
        if len(subjects) != 1:
            raise serializers.ValidationError({"lever": [_("Give exactly one of lever, journey or initiative.")]})
        if len(parties) != 1:
            raise serializers.ValidationError({"body": [_("Give exactly one of body, member or user.")]})
        attrs["_subject"], attrs["_party"] = subjects[0], parties[0]
        return attrs


@_schema("RACI assignments (one cell of the matrix each)", RaciAssignmentSerializer)
class RaciAssignmentViewSet(ServiceViewSet):
    model = RaciAssignment
    serializer_class = RaciAssignmentSerializer
    filterset_fields = ["lever", "journey", "initiative", "body", "member", "user", "role"]
    ordering = ["id"]

    def scope_queryset(self, qs):  # noqa: ANN001, ANN201
        return qs.select_related("lever", "journey", "initiative", "body", "member__user", "user")

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = serializer.validated_data
        return services.raci_assignment_set(org=org, subject=d["_subject"], party=d["_party"], role=d["role"])

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = serializer.validated_data
        return services.raci_assignment_update(org=org, assignment=serializer.instance, subject=d["_subject"],
                                               party=d["_party"], role=d.get("role", serializer.instance.role))

    def delete_via(self, *, org, instance) -> None:  # noqa: ANN001
        services.raci_assignment_delete(org=org, assignment=instance)


# --- meetings and decisions ----------------------------------------------------------------------


class MeetingSerializer(TenantModelSerializer):
    class Meta:
        model = Meeting
        fields = ["id", "body", "date", "agenda", "minutes", "attendees"]
        extra_kwargs = {"attendees": {"required": False}}


class MeetingUpdateSerializer(MeetingSerializer):
    class Meta(MeetingSerializer.Meta):
        read_only_fields = ["body"]


@_schema("meetings of the bodies", MeetingSerializer)
class MeetingViewSet(ServiceViewSet):
    model = Meeting
    serializer_class = MeetingSerializer
    filterset_fields = ["body", "date"]
    ordering = ["-date", "-id"]

    def get_serializer_class(self):  # noqa: ANN201
        return MeetingUpdateSerializer if self.action in ("update", "partial_update") else MeetingSerializer

    def scope_queryset(self, qs):  # noqa: ANN001, ANN201
        return qs.prefetch_related("attendees")

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = serializer.validated_data
        return services.meeting_create(org=org, body=d["body"], date=d["date"], agenda=d.get("agenda", ""),
                                       minutes=d.get("minutes", ""), attendees=list(d.get("attendees", [])))

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = dict(serializer.validated_data)
        m = serializer.instance
        attendees = list(d["attendees"]) if "attendees" in d else list(m.attendees.all())
        return services.meeting_update(org=org, meeting=m, date=d.get("date", m.date),
                                       agenda=d.get("agenda", m.agenda), minutes=d.get("minutes", m.minutes),
                                       attendees=attendees)

    def delete_via(self, *, org, instance) -> None:  # noqa: ANN001
        services.meeting_delete(org=org, meeting=instance)


class DecisionSerializer(TenantModelSerializer):
    owner = OrgUserField(required=False, allow_null=True)
    is_overdue = serializers.SerializerMethodField(help_text="Open and due before today (organization's time zone).")

    class Meta:
        model = Decision
        fields = ["id", "body", "meeting", "text", "owner", "due_date", "status", "is_overdue", "closed_at",
                  "created_at"]
        read_only_fields = ["closed_at", "created_at"]

    @extend_schema_field(serializers.BooleanField())
    def get_is_overdue(self, obj: Decision) -> bool:
        today = self.context.get("today")
        if today is None:
            today = self.context["today"] = selectors.today_for(obj.organization)
        return selectors.decision_is_overdue(obj, today=today)


class DecisionFilter(TenantFilterSet):
    class Meta:
        model = Decision
        fields = ["body", "meeting", "owner", "status"]


@_schema("decisions of the bodies (with the action's owner and due date)", DecisionSerializer)
class DecisionViewSet(ServiceViewSet):
    model = Decision
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    ordering = ["due_date", "id"]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        org = getattr(self.request, "org", None)
        if org is not None:
            context["today"] = selectors.today_for(org)
        return context

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = serializer.validated_data
        return services.decision_create(org=org, body=d["body"], text=d["text"], owner=d.get("owner"),
                                        due_date=d.get("due_date"), meeting=d.get("meeting"),
                                        status=d.get("status", Decision.Status.OPEN))

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = _merged(serializer, ["body", "text", "owner", "due_date", "meeting", "status"])
        return services.decision_update(org=org, decision=serializer.instance, **d)

    def delete_via(self, *, org, instance) -> None:  # noqa: ANN001
        services.decision_delete(org=org, decision=instance)


# --- charter, budget, roadmap --------------------------------------------------------------------


class CharterSerializer(TenantModelSerializer):
    guidelines = serializers.ListField(child=serializers.CharField(), required=False)
    custom_guidelines = serializers.ListField(child=serializers.CharField(), required=False)
    roi_indicators = serializers.ListField(child=serializers.CharField(), required=False)
    custom_roi_indicators = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Charter
        fields = ["id", "vision", "guidelines", "custom_guidelines", "roi_indicators", "custom_roi_indicators",
                  "updated_at"]
        read_only_fields = ["updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # One charter per organization is an upsert here (charter_update), not a uniqueness error;
        # the base class's check also cannot handle a constraint on ``organization`` alone.
        return serializers.ModelSerializer.validate(self, attrs)


@_schema("programme charters (one per organization; POST writes it, creating it the first time)",
         CharterSerializer)
class CharterViewSet(ServiceViewSet):
    model = Charter
    serializer_class = CharterSerializer
    ordering = ["id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        return services.charter_update(org=org, **serializer.validated_data)

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = _merged(serializer, ["vision", "guidelines", "custom_guidelines", "roi_indicators",
                                 "custom_roi_indicators"])
        return services.charter_update(org=org, **d)



class BudgetYearSerializer(TenantModelSerializer):
    spent = serializers.SerializerMethodField(
        help_text="Actual cost of the initiatives completed (or, until then, started) in the year."
    )

    class Meta:
        model = BudgetYear
        fields = ["id", "year", "planned", "spent", "note"]

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_spent(self, obj: BudgetYear) -> str:
        spend = self.context.get("spend")
        if spend is None:
            spend = self.context["spend"] = selectors.initiative_spend_by_year(org=obj.organization)
        return f"{spend.get(obj.year, 0):.2f}"


@_schema("budget years of the charter (planned vs spent)", BudgetYearSerializer)
class BudgetYearViewSet(ServiceViewSet):
    model = BudgetYear
    serializer_class = BudgetYearSerializer
    filterset_fields = ["year"]
    ordering = ["-year"]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        org = getattr(self.request, "org", None)
        if org is not None and self.request.method == "GET":
            context["spend"] = selectors.initiative_spend_by_year(org=org)
        return context

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = serializer.validated_data
        return services.budget_year_set(org=org, year=d["year"], planned=d["planned"], note=d.get("note", ""))

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = _merged(serializer, ["year", "planned", "note"])
        if d["year"] != serializer.instance.year:
            raise serializers.ValidationError({"year": [_("The year of a budget cannot change; create another.")]})
        return services.budget_year_set(org=org, year=d["year"], planned=d["planned"], note=d["note"])

    def delete_via(self, *, org, instance) -> None:  # noqa: ANN001
        services.budget_year_delete(org=org, budget=instance)


class RoadmapStepSerializer(TenantModelSerializer):
    name = serializers.CharField(source="get_step_display", read_only=True)

    class Meta:
        model = RoadmapStep
        fields = ["id", "step", "name", "status", "evidence", "evidence_url", "start_date", "end_date"]
        read_only_fields = ["step"]


@extend_schema_view(
    list=extend_schema(summary="The eight steps of the transformation roadmap (created on first read)",
                       responses={200: RoadmapStepSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One roadmap step", responses={200: RoadmapStepSerializer, **ERROR_RESPONSES}),
    update=extend_schema(summary="Record a step's status, evidence and dates",
                         responses={200: RoadmapStepSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(summary="Change a step's status, evidence or dates",
                                 responses={200: RoadmapStepSerializer, **ERROR_RESPONSES}),
)
class RoadmapStepViewSet(ServiceViewSet):
    model = RoadmapStep
    serializer_class = RoadmapStepSerializer
    filterset_fields = ["status"]
    ordering = ["step"]
    http_method_names = ["get", "put", "patch", "head", "options"]

    def list(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        services.roadmap_ensure(org=request_org(request))
        return super().list(request, *args, **kwargs)

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = _merged(serializer, ["status", "evidence", "evidence_url", "start_date", "end_date"])
        return services.roadmap_step_update(org=org, step=serializer.instance, **d)


class SwotItemSerializer(TenantModelSerializer):
    class Meta:
        model = SwotItem
        fields = ["id", "quadrant", "text", "position"]
        read_only_fields = ["position"]


@extend_schema_view(
    list=extend_schema(summary="The CX SWOT (roadmap step 1)",
                       responses={200: SwotItemSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One SWOT item", responses={200: SwotItemSerializer, **ERROR_RESPONSES}),
    create=extend_schema(summary="Add a SWOT item", responses={201: SwotItemSerializer, **ERROR_RESPONSES}),
    destroy=extend_schema(summary="Delete a SWOT item", responses={204: None, **ERROR_RESPONSES}),
)
class SwotItemViewSet(ServiceViewSet):
    model = SwotItem
    serializer_class = SwotItemSerializer
    filterset_fields = ["quadrant"]
    ordering = ["quadrant", "position", "id"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        return services.swot_item_add(org=org, **serializer.validated_data)

    def delete_via(self, *, org, instance) -> None:  # noqa: ANN001
        services.swot_item_delete(org=org, item=instance)


class ChangeStakeholderSerializer(TenantModelSerializer):
    class Meta:
        model = ChangeStakeholder
        fields = ["id", "name", "area", "stance", "influence", "note"]


@_schema("people on the map of promoters and detractors of the change (roadmap step 5)",
         ChangeStakeholderSerializer)
class ChangeStakeholderViewSet(ServiceViewSet):
    model = ChangeStakeholder
    serializer_class = ChangeStakeholderSerializer
    filterset_fields = ["stance", "influence"]
    ordering = ["stance", "name", "id"]

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        return services.change_stakeholder_add(org=org, **serializer.validated_data)

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = _merged(serializer, ["name", "area", "stance", "influence", "note"])
        return services.change_stakeholder_update(org=org, stakeholder=serializer.instance, **d)

    def delete_via(self, *, org, instance) -> None:  # noqa: ANN001
        services.change_stakeholder_delete(org=org, stakeholder=instance)


# --- accountability ------------------------------------------------------------------------------


class AttainmentSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                     help_text="n-weighted mean of the monthly rollup values in the period.")
    n = serializers.IntegerField(help_text="Responses summarised.")
    months = serializers.IntegerField(help_text="Monthly rollups with data in the period.")
    enough_data = serializers.BooleanField(help_text="n reaches the metric's minimum.")
    on_target = serializers.BooleanField(allow_null=True, help_text="null: not enough data.")
    state = serializers.ChoiceField(choices=["on", "off", "no_data"])


class GoalSerializer(TenantModelSerializer):
    user = OrgUserField(required=False, allow_null=True)
    attainment = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = ["id", "user", "body", "metric", "touchpoint", "journey", "period_kind", "period_start",
                  "period_end", "target", "attainment"]
        read_only_fields = ["period_end"]
        extra_kwargs = {"body": {"required": False, "allow_null": True}}

    @extend_schema_field(AttainmentSerializer)
    def get_attainment(self, obj: Goal) -> dict[str, Any]:
        attainments = self.context.get("attainments") or {}
        attainment = attainments.get(obj.pk)
        if attainment is None:
            attainment = selectors.goal_attainment(org=obj.organization, goal=obj)
        return AttainmentSerializer(attainment).data


@_schema("CX performance goals, each with its attainment computed from VoC rollups", GoalSerializer)
class GoalViewSet(ServiceViewSet):
    model = Goal
    serializer_class = GoalSerializer
    filterset_fields = ["user", "body", "metric", "period_kind"]
    ordering = ["-period_start", "id"]

    def scope_queryset(self, qs):  # noqa: ANN001, ANN201
        return qs.select_related("metric", "organization")

    def list(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        goals = list(page if page is not None else queryset)
        attainments = {a.goal.pk: a for a in selectors.goals_attainment(org=request_org(request), goals=goals)}
        serializer = self.get_serializer(goals, many=True, context={**self.get_serializer_context(),
                                                                    "attainments": attainments})
        if page is not None:
            return self.get_paginated_response(serializer.data)
        from rest_framework.response import Response

        return Response(serializer.data)

    def _fields(self, serializer) -> dict[str, Any]:  # noqa: ANN001
        d = _merged(serializer, ["user", "body", "metric", "touchpoint", "journey", "period_kind", "period_start",
                                 "target"])
        return d

    def create_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        d = dict(serializer.validated_data)
        return services.goal_create(org=org, user=d.get("user"), body=d.get("body"), metric=d["metric"],
                                    touchpoint=d.get("touchpoint"), journey=d.get("journey"),
                                    period_kind=d["period_kind"], period_start=d["period_start"], target=d["target"])

    def update_via(self, *, org, serializer):  # noqa: ANN001, ANN201
        return services.goal_update(org=org, goal=serializer.instance, **self._fields(serializer))

    def delete_via(self, *, org, instance) -> None:  # noqa: ANN001
        services.goal_delete(org=org, goal=instance)


def register(router: BaseRouter) -> None:
    router.register("bodies", BodyViewSet, basename="body")
    router.register("body-members", BodyMemberViewSet, basename="body-member")
    router.register("raci-assignments", RaciAssignmentViewSet, basename="raci-assignment")
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("decisions", DecisionViewSet, basename="decision")
    router.register("charters", CharterViewSet, basename="charter")
    router.register("budget-years", BudgetYearViewSet, basename="budget-year")
    router.register("roadmap-steps", RoadmapStepViewSet, basename="roadmap-step")
    router.register("swot-items", SwotItemViewSet, basename="swot-item")
    router.register("change-stakeholders", ChangeStakeholderViewSet, basename="change-stakeholder")
    router.register("goals", GoalViewSet, basename="goal")
