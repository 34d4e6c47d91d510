"""VoC over the API: touchpoints and metrics (read) to start; feedback ingest builds on these."""

from django.db.models import Count
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response as ApiResponse
from rest_framework.routers import BaseRouter, SimpleRouter

from cxgov.tenancy.api import (
    ERROR_RESPONSES,
    ERROR_SCHEMA,
    TenantFilterBackend,
    TenantFilterSet,
    TenantModelSerializer,
    TenantReadOnlyViewSet,
    TenantRelatedField,
    TenantViewSet,
    TenantViewSetMixin,
    request_org,
)
from cxgov.tenancy.models import User
from cxgov.tenancy.roles import ObjectRule, Op

from . import selectors, services
from .models import (
    DataSource,
    FollowUpCase,
    Insight,
    InsightEvidence,
    Journey,
    JourneyStage,
    Metric,
    Product,
    Response,
    Rollup,
    RootCause,
    Segment,
    Touchpoint,
)

# --- The customer map and the measurement model: segments, products, journeys, stages,
# touchpoints, metrics and data sources (writes through voc.services), and the rollups read. ---

class MemberField(serializers.PrimaryKeyRelatedField):
    """A user id restricted to the members of the current organization (e.g. a touchpoint owner)."""

    default_error_messages = {
        "does_not_exist": _("Not a member of this organization."),
        "incorrect_type": _("Incorrect type. Expected an integer id, received {data_type}."),
    }

    def get_queryset(self):
        org = self.context.get("org")
        if org is None:
            return User.objects.none()
        return selectors.organization_members(org=org)


class _ServiceViewSet(TenantViewSet):
    """Writes go through the entity's services (validation, tenant checks, refusals); the serializer
    only types the input. ``create_with``, ``update_with`` and ``delete_with`` name the services."""

    service_object: str = ""

    def create_with(self, *, org, data):
        raise NotImplementedError

    def update_with(self, *, org, obj, data):
        raise NotImplementedError

    def delete_with(self, *, org, obj):
        raise NotImplementedError

    def perform_create(self, serializer):
        serializer.instance = self.create_with(org=request_org(self.request), data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = self.update_with(
            org=request_org(self.request), obj=serializer.instance, data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        self.delete_with(org=request_org(self.request), obj=instance)


def _crud_schema(noun: str, serializer: type) -> dict:
    """The summaries and documented responses of one CRUD viewset (every status a client can get)."""
    return {
        "list": extend_schema(summary=f"List {noun}s", responses={200: serializer(many=True), **ERROR_RESPONSES}),
        "retrieve": extend_schema(summary=f"One {noun}", responses={200: serializer, **ERROR_RESPONSES}),
        "create": extend_schema(summary=f"Create a {noun}", responses={201: serializer, **ERROR_RESPONSES}),
        "update": extend_schema(summary=f"Replace a {noun}", responses={200: serializer, **ERROR_RESPONSES}),
        "partial_update": extend_schema(summary=f"Change a {noun}", responses={200: serializer, **ERROR_RESPONSES}),
        "destroy": extend_schema(
            summary=f"Delete a {noun}",
            description="Refused with 400 when it would lose data (e.g. feedback recorded with it).",
            responses={204: None, **ERROR_RESPONSES},
        ),
    }


def _fixed(instance, data: dict, name: str, message: str) -> None:
    """Refuse changing a field that is fixed after creation (sent unchanged, it is ignored)."""
    if name in data:
        value = data.pop(name)
        if value != getattr(instance, name):
            raise ApiValidationError({name: [message]})


class TouchpointSerializer(TenantModelSerializer):
    journey_name = serializers.CharField(source="journey.name", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True, allow_null=True)
    owner = MemberField(required=False, allow_null=True, help_text="A member of the organization.")
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False,  # a small integer column
                                        help_text="Without it, the touchpoint goes last.")

    class Meta:
        model = Touchpoint
        fields = [
            "id", "name", "description", "journey", "journey_name", "stage", "stage_name", "channel", "owner",
            "is_moment_of_truth", "position",
        ]


class MetricSerializer(TenantModelSerializer):
    name = serializers.CharField(read_only=True)
    method = serializers.ChoiceField(
        choices=Metric.Method.choices, required=False,
        help_text="nps→nps; csat→top2box; ces→mean or agree_minus_disagree; mean→mean; median and duration→median "
                  "or mean; rate→share; count→sum. Defaults to the kind's first method.",
    )

    class Meta:
        model = Metric
        fields = [
            "id", "code", "name", "name_en", "name_es", "description_en", "description_es", "kind", "method",
            "scale_min", "scale_max", "unit", "higher_is_better", "target", "min_n", "follow_up_threshold", "lever",
            "pack", "is_active",
        ]


class TouchpointFilter(TenantFilterSet):
    class Meta:
        model = Touchpoint
        fields = ["journey", "stage", "channel", "is_moment_of_truth"]


@extend_schema_view(**_crud_schema("touchpoint", TouchpointSerializer))
class TouchpointViewSet(_ServiceViewSet):
    model = Touchpoint
    serializer_class = TouchpointSerializer
    filterset_class = TouchpointFilter
    ordering_fields = ["position", "name", "id"]
    ordering = ["journey_id", "position", "id"]

    def scope_queryset(self, qs):
        return qs.select_related("journey", "stage")

    def create_with(self, *, org, data):
        return services.touchpoint_create(org=org, **data)

    def update_with(self, *, org, obj, data):
        _fixed(obj, data, "journey", _("A touchpoint cannot move to another journey."))
        return services.touchpoint_update(org=org, touchpoint=obj, data=data)

    def delete_with(self, *, org, obj):
        services.touchpoint_delete(org=org, touchpoint=obj)


@extend_schema_view(**_crud_schema("metric", MetricSerializer))
class MetricViewSet(_ServiceViewSet):
    model = Metric
    serializer_class = MetricSerializer
    filterset_fields = ["code", "kind", "is_active", "lever", "pack"]
    ordering_fields = ["code"]
    ordering = ["code"]

    def create_with(self, *, org, data):
        return services.metric_create(org=org, data=data)

    def update_with(self, *, org, obj, data):
        return services.metric_update(org=org, metric=obj, data=data)

    def delete_with(self, *, org, obj):
        services.metric_delete(org=org, metric=obj)


def register(router: BaseRouter) -> None:
    router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
    router.register("metrics", MetricViewSet, basename="metric")
    register_map(router)


# --- Feedback responses: the cursor-paginated list and the bulk ingest ----------------------------

FEEDBACK_BULK_MAX_ITEMS = 5000
FEEDBACK_BULK_MAX_BYTES = 10 * 1024 * 1024


class FeedbackSerializer(TenantModelSerializer):
    source = serializers.CharField(source="source.code", read_only=True, help_text="Data source code.")
    metric = serializers.CharField(source="metric.code", read_only=True, help_text="Metric code, e.g. nps.")
    touchpoint = serializers.IntegerField(source="touchpoint_id", read_only=True, allow_null=True)
    journey = serializers.SerializerMethodField(help_text="The touchpoint's journey id.")
    recorded_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Response
        fields = [
            "id", "external_id", "source", "metric", "touchpoint", "journey", "score", "submitted_at", "comment",
            "customer_ref", "recorded_at",
        ]
        read_only_fields = fields

    def get_journey(self, obj: Response) -> int | None:
        return obj.touchpoint.journey_id if obj.touchpoint_id else None


class FeedbackItemSerializer(serializers.Serializer):
    """One response of a bulk request (documentation: the service validates each row itself)."""

    external_id = serializers.CharField(max_length=200, help_text="The source's own id; makes resending safe.")
    touchpoint = serializers.IntegerField(required=False, allow_null=True, help_text="Touchpoint id.")
    metric = serializers.CharField(help_text="Metric code, e.g. nps, csat, ces.")
    score = serializers.DecimalField(max_digits=12, decimal_places=4, help_text="Within the metric's scale.")
    submitted_at = serializers.DateTimeField(help_text="ISO 8601 with an offset, e.g. 2025-03-01T10:30:00+01:00.")
    source = serializers.CharField(required=False, help_text="Data source code; default: api.")
    comment = serializers.CharField(required=False, allow_blank=True)
    customer_ref = serializers.CharField(required=False, allow_blank=True, max_length=200)


class FeedbackBulkSerializer(serializers.Serializer):
    responses = serializers.ListField(child=FeedbackItemSerializer(), max_length=FEEDBACK_BULK_MAX_ITEMS)


class FeedbackRowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the item in `responses`, from 0.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class FeedbackBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Items whose (source, external_id) was already stored.")
    errors = FeedbackRowErrorSerializer(many=True)


class FeedbackBulkRejectedSerializer(FeedbackBulkResultSerializer):
    detail = serializers.CharField()


class FeedbackFilter(TenantFilterSet):
    metric = filters.CharFilter(field_name="metric__code", help_text="Metric code.")
    source = filters.CharFilter(field_name="source__code", help_text="Data source code.")
    touchpoint = filters.ModelChoiceFilter(queryset=Touchpoint.objects.all(), help_text="Touchpoint id.")
    journey = filters.ModelChoiceFilter(
        field_name="touchpoint__journey", queryset=Journey.objects.all(), help_text="Journey id."
    )
    submitted_after = filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")
    has_comment = filters.BooleanFilter(method="filter_has_comment")

    class Meta:
        model = Response
        fields = ["metric", "source", "touchpoint", "journey", "submitted_after", "submitted_before", "has_comment"]

    def filter_has_comment(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(comment="") if value else queryset.filter(comment="")


class FeedbackCursorPagination(CursorPagination):
    """Stable pages over a table that grows while a client reads it (no count, no offsets)."""

    ordering = ("-submitted_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


_BULK_400 = PolymorphicProxySerializer(
    component_name="FeedbackBulkBadRequest",
    serializers=[ERROR_SCHEMA, FeedbackBulkRejectedSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(
        summary="List feedback responses",
        description="Newest first (`-submitted_at`, `-id`), cursor-paginated: follow `next` / `previous`.",
        responses={200: FeedbackSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(summary="One feedback response", responses={200: FeedbackSerializer, **ERROR_RESPONSES}),
)
class FeedbackViewSet(TenantReadOnlyViewSet):
    """Feedback responses: read with ``feedback.view``; ingest in bulk with ``feedback.log``."""

    model = Response
    serializer_class = FeedbackSerializer
    filterset_class = FeedbackFilter
    # Only filters: a client-chosen ordering would break the cursor.
    filter_backends = [TenantFilterBackend]
    pagination_class = FeedbackCursorPagination
    read_op = Op.FEEDBACK_VIEW
    write_op = Op.FEEDBACK_LOG
    action_ops = {"bulk": Op.FEEDBACK_LOG}
    object_rules = {"bulk": ObjectRule.TOUCHPOINT_GRANT}

    def scope_queryset(self, qs):
        return qs.select_related("source", "metric", "touchpoint")

    @extend_schema(
        summary="Record up to 5,000 feedback responses",
        description=(
            "Each item is validated on its own: valid items are stored, refused ones are listed in "
            "`errors` by index, and the answer is 200 with the counts. Resending the same payload "
            "stores nothing new (`duplicates`), since (source, external_id) is unique. With "
            "`?atomic=true` any refused item means nothing is stored and the answer is 400 with the "
            "same counts. A touchpoint or source of another organization is a row error, like a "
            "missing one. Ambassadors may only name touchpoints granted to them. More than 5,000 "
            "items is a 400; a body over 10 MB is a 413."
        ),
        parameters=[OpenApiParameter("atomic", OpenApiTypes.BOOL, OpenApiParameter.QUERY,
                                     description="Store nothing unless every item is valid.")],
        request=FeedbackBulkSerializer,
        responses={
            200: FeedbackBulkResultSerializer,
            400: OpenApiResponse(_BULK_400, description="Malformed request, too many items, or atomic with errors"),
            413: OpenApiResponse(ERROR_SCHEMA, description="Body larger than 10 MB"),
        },
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > FEEDBACK_BULK_MAX_BYTES:
            return ApiResponse(
                {"detail": f"The body is larger than {FEEDBACK_BULK_MAX_BYTES // (1024 * 1024)} MB; "
                           "send fewer responses per request."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        atomic_param = request.query_params.get("atomic", "false").strip().lower()
        if atomic_param not in ("true", "1", "false", "0", ""):
            raise ApiValidationError({"atomic": ["Use true or false."]})
        atomic = atomic_param in ("true", "1")
        data = request.data
        items = data.get("responses") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ApiValidationError({"responses": ["Send an object with a list under “responses”."]})
        if len(items) > FEEDBACK_BULK_MAX_ITEMS:
            raise ApiValidationError({"responses": [
                f"At most {FEEDBACK_BULK_MAX_ITEMS:,} responses per request; this one has {len(items):,}. "
                "Split it into several requests."
            ]})
        result = services.feedback_bulk_record(org=request.org, user=request.user, items=items, atomic=atomic)
        body = {"created": result.created, "duplicates": result.duplicates, "errors": result.errors}
        if atomic and result.errors:
            detail = f"Nothing was stored: {len(result.errors)} of {len(items)} responses have errors."
            return ApiResponse({"detail": detail, **body}, status=status.HTTP_400_BAD_REQUEST)
        return ApiResponse(body, status=status.HTTP_200_OK)


def feedback_urls() -> list:
    """URLs of the feedback endpoints, mounted in ``cxgov.api_urls`` next to the main router.

    Kept off the main router on purpose: its generic tests assume every endpoint is readable by
    every role and page-numbered with a count, while feedback needs ``feedback.view`` and a cursor.
    tests/voc/test_feedback_api.py proves the same properties (isolation, 404, 401, roles, queries).
    """
    router = SimpleRouter()
    router.register("feedback", FeedbackViewSet, basename="feedback")
    return router.urls


# --- Closing the loop: follow-up cases, root causes, insights ----------------------------------

class CaseResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Response
        fields = ["id", "score", "comment", "customer_ref", "submitted_at"]
        read_only_fields = fields


class FollowUpCaseSerializer(TenantModelSerializer):
    response = CaseResponseSerializer(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Due before today and not closed.")
    metric_code = serializers.CharField(source="metric.code", read_only=True)
    touchpoint_name = serializers.CharField(source="touchpoint.name", read_only=True, allow_null=True)
    journey = serializers.IntegerField(source="touchpoint.journey_id", read_only=True, allow_null=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    owner_email = serializers.EmailField(source="owner.email", read_only=True, allow_null=True)
    root_cause_name = serializers.CharField(source="root_cause.name", read_only=True, allow_null=True)

    class Meta:
        model = FollowUpCase
        fields = [
            "id", "status", "is_overdue", "due_date", "opened_at", "contacted_at", "closed_at", "owner",
            "owner_email", "touchpoint", "touchpoint_name", "journey", "metric", "metric_code", "response",
            "root_cause", "root_cause_name", "resolution",
        ]
        read_only_fields = fields


class CaseContactInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CaseCloseInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[FollowUpCase.Status.RESOLVED, FollowUpCase.Status.CLOSED], default=FollowUpCase.Status.RESOLVED
    )
    root_cause = TenantRelatedField(queryset=RootCause.objects.all(), required=False, allow_null=True,
                                    help_text="An active root cause of the organization (required).")
    resolution = serializers.CharField(required=False, allow_blank=True, default="",
                                       help_text="How it was resolved, or why it is closed (required).")


class CaseAssignInputSerializer(serializers.Serializer):
    owner = serializers.IntegerField(help_text="User id of a member of the organization.")


class CaseFilter(TenantFilterSet):
    journey = filters.ModelChoiceFilter(field_name="touchpoint__journey", queryset=Journey.objects.all())
    owner = filters.NumberFilter(field_name="owner_id")
    mine = filters.BooleanFilter(method="filter_mine", label="Only the cases owned by the caller")
    overdue = filters.BooleanFilter(method="filter_overdue", label="Only (true) or no (false) overdue cases")
    age = filters.ChoiceFilter(method="filter_age", choices=[(b[0], b[0]) for b in selectors.CASE_AGE_BUCKETS],
                               label="Days since the case was opened")

    class Meta:
        model = FollowUpCase
        fields = ["status", "touchpoint", "journey", "owner", "root_cause"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(is_overdue=value)

    def filter_age(self, queryset, name, value):
        org = self.request.org
        return queryset.filter(selectors.case_age_q(org=org, age=value, today=selectors.org_today(org=org)))


@extend_schema_view(
    list=extend_schema(summary="List follow-up cases",
                       description="Members whose role neither reads feedback nor works cases see only their own."),
    retrieve=extend_schema(summary="One follow-up case"),
)
class FollowUpCaseViewSet(TenantReadOnlyViewSet):
    """Follow-up cases (the inner loop). Working a case needs ``cases.work`` or being its owner;
    the actions answer 403 otherwise and 400 with the reason when a transition is not allowed."""

    model = FollowUpCase
    serializer_class = FollowUpCaseSerializer
    filterset_class = CaseFilter
    ordering_fields = ["due_date", "opened_at", "closed_at", "id"]
    read_op = Op.PROGRAMME_VIEW
    # Who may work a case is decided per case by voc.services.case_can_work, not by the role alone.
    action_ops = {"contact": Op.PROGRAMME_VIEW, "close": Op.PROGRAMME_VIEW, "assign": Op.PROGRAMME_VIEW}
    object_rules = {"retrieve": ObjectRule.CASE_READER, **dict.fromkeys(action_ops, ObjectRule.CASE_OWNER)}

    def scope_queryset(self, qs):
        membership = getattr(self.request, "membership", None)
        return selectors.case_list(
            org=self.request.org, viewer=self.request.user, viewer_role=membership.role if membership else None
        )

    def _workable(self) -> FollowUpCase:
        """The case, after checking the caller may work it (before reading the body: no hints to others)."""
        case = self.get_object()
        if not services.case_can_work(org=self.request.org, user=self.request.user, case=case,
                                      role=self.request.membership.role):
            raise PermissionDenied(_("Only the case's owner or someone who works cases may do this."))
        return case

    def _done(self, case: FollowUpCase) -> ApiResponse:
        return ApiResponse(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(summary="Mark the customer contacted (open → contacted)", request=CaseContactInputSerializer,
                   responses={200: FollowUpCaseSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        case = self._workable()
        data = CaseContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.case_contact(org=request.org, by=request.user, case=case,
                                                note=data.validated_data["note"]))

    @extend_schema(summary="Resolve or close a case with a root cause and a resolution",
                   request=CaseCloseInputSerializer, responses={200: FollowUpCaseSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = self._workable()
        data = CaseCloseInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return self._done(services.case_close(
            org=request.org, by=request.user, case=case, status=values["status"],
            root_cause=values.get("root_cause"), resolution=values["resolution"],
        ))

    @extend_schema(summary="Hand a case to another member", request=CaseAssignInputSerializer,
                   responses={200: FollowUpCaseSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        case = self._workable()
        data = CaseAssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = User.objects.filter(pk=data.validated_data["owner"], memberships__organization=request.org).first()
        if owner is None:
            raise ApiValidationError({"owner": ["Not a member of this organization."]})
        return self._done(services.case_assign(org=request.org, by=request.user, case=case, owner=owner))


class RootCauseSerializer(TenantModelSerializer):
    case_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RootCause
        fields = ["id", "name", "description", "is_active", "case_count"]


@extend_schema_view(
    list=extend_schema(summary="List root causes", responses={200: RootCauseSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One root cause", responses={200: RootCauseSerializer, **ERROR_RESPONSES}),
)
class RootCauseViewSet(TenantReadOnlyViewSet):
    model = RootCause
    serializer_class = RootCauseSerializer
    filterset_fields = ["is_active"]
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def scope_queryset(self, qs):
        return qs.annotate(case_count=Count("cases"))


class InsightEvidenceSerializer(TenantModelSerializer):
    class Meta:
        model = InsightEvidence
        fields = ["id", "response", "metric", "grain", "subject_id", "period", "period_start", "url", "note"]
        read_only_fields = fields


class InsightSerializer(TenantModelSerializer):
    evidence = InsightEvidenceSerializer(many=True, read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    recipient_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Insight
        fields = [
            "id", "title", "body", "journey", "touchpoints", "created_by", "created_at", "distributed_at",
            "recipient_count", "evidence",
        ]
        read_only_fields = fields


class InsightFilter(TenantFilterSet):
    for_me = filters.BooleanFilter(method="filter_for_me", label="Only the insights distributed to the caller")

    class Meta:
        model = Insight
        fields = ["journey"]

    def filter_for_me(self, queryset, name, value):
        return queryset.filter(recipients__user=self.request.user) if value else queryset


@extend_schema_view(
    list=extend_schema(summary="List insights", responses={200: InsightSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One insight with its evidence",
                           responses={200: InsightSerializer, **ERROR_RESPONSES}),
)
class InsightViewSet(TenantReadOnlyViewSet):
    model = Insight
    serializer_class = InsightSerializer
    filterset_class = InsightFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, qs):
        return qs.annotate(recipient_count=Count("recipients", distinct=True)).prefetch_related(
            "touchpoints", "evidence"
        )


def register_loop(router: BaseRouter) -> None:
    """Root causes and insights join the main router (every member may read them)."""
    router.register("root-causes", RootCauseViewSet, basename="rootcause")
    router.register("insights", InsightViewSet, basename="insight")


def loop_urls() -> list:
    """URLs of the follow-up cases endpoint, mounted in ``cxgov.api_urls`` next to the main router.

    Off the main router for the same reason as feedback: an ambassador sees only the cases they own,
    while the main router's generic tests expect every row readable by every role.
    tests/voc/test_loop_api.py proves isolation, 404, 401, roles and query counts for it.
    """
    router = SimpleRouter()
    router.register("cases", FollowUpCaseViewSet, basename="case")
    return router.urls


# --- The customer map and the measurement model (continued): the other entities and rollups. ---

class SegmentSerializer(TenantModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "name", "description", "is_persona"]


@extend_schema_view(**_crud_schema("segment", SegmentSerializer))
class SegmentViewSet(_ServiceViewSet):
    model = Segment
    serializer_class = SegmentSerializer
    filterset_fields = ["is_persona"]
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def create_with(self, *, org, data):
        return services.segment_create(org=org, **data)

    def update_with(self, *, org, obj, data):
        return services.segment_update(org=org, segment=obj, data=data)

    def delete_with(self, *, org, obj):
        services.segment_delete(org=org, segment=obj)


class ProductSerializer(TenantModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "description"]


@extend_schema_view(**_crud_schema("product", ProductSerializer))
class ProductViewSet(_ServiceViewSet):
    model = Product
    serializer_class = ProductSerializer
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def create_with(self, *, org, data):
        return services.product_create(org=org, **data)

    def update_with(self, *, org, obj, data):
        return services.product_update(org=org, product=obj, data=data)

    def delete_with(self, *, org, obj):
        services.product_delete(org=org, product=obj)


class JourneySerializer(TenantModelSerializer):
    counterpart = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True,
        help_text="The other version (as-is ↔ to-be), once created with the to-be action.",
    )

    class Meta:
        model = Journey
        fields = ["id", "name", "description", "segment", "product", "version", "counterpart"]


class JourneyToBeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, help_text="Defaults to the as-is journey's name.")


class StageOrderSerializer(serializers.Serializer):
    stages = serializers.ListField(
        child=serializers.IntegerField(), help_text="Every stage id of the journey, once, in the new order.",
    )


class JourneyStageSerializer(TenantModelSerializer):
    class Meta:
        model = JourneyStage
        fields = ["id", "journey", "name", "position"]
        read_only_fields = ["position"]


@extend_schema_view(
    **_crud_schema("journey", JourneySerializer),
    to_be=extend_schema(
        summary="Create the to-be version of an as-is journey",
        description="Copies the stages and touchpoints and links the two journeys as counterparts.",
        request=JourneyToBeSerializer, responses={201: JourneySerializer, **ERROR_RESPONSES},
    ),
    stage_order=extend_schema(
        summary="Reorder the journey's stages", request=StageOrderSerializer,
        responses={200: JourneyStageSerializer(many=True), **ERROR_RESPONSES},
    ),
)
class JourneyViewSet(_ServiceViewSet):
    model = Journey
    serializer_class = JourneySerializer
    filterset_fields = ["version", "segment", "product"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "version"]

    def scope_queryset(self, qs):
        return qs.select_related("segment", "product")

    def create_with(self, *, org, data):
        return services.journey_create(org=org, **data)

    def update_with(self, *, org, obj, data):
        _fixed(obj, data, "version", _("The version is fixed; create the to-be version from the as-is journey."))
        return services.journey_update(org=org, journey=obj, data=data)

    def delete_with(self, *, org, obj):
        services.journey_delete(org=org, journey=obj)

    @action(detail=True, methods=["post"], url_path="to-be")
    def to_be(self, request, pk=None):
        journey = self.get_object()
        serializer = JourneyToBeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        to_be = services.journey_to_be_create(org=request_org(request), journey=journey,
                                              name=serializer.validated_data.get("name"))
        return ApiResponse(JourneySerializer(to_be, context=self.get_serializer_context()).data,
                           status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="stage-order")
    def stage_order(self, request, pk=None):
        journey = self.get_object()
        serializer = StageOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stages = services.journey_stages_reorder(org=request_org(request), journey=journey,
                                                 stage_ids=serializer.validated_data["stages"])
        return ApiResponse(JourneyStageSerializer(stages, many=True, context=self.get_serializer_context()).data)


@extend_schema_view(**_crud_schema("journey stage", JourneyStageSerializer))
class JourneyStageViewSet(_ServiceViewSet):
    model = JourneyStage
    serializer_class = JourneyStageSerializer
    filterset_fields = ["journey"]
    ordering_fields = ["position", "id"]
    ordering = ["journey_id", "position", "id"]

    def create_with(self, *, org, data):
        return services.journey_stage_create(org=org, journey=data["journey"], name=data.get("name", ""))

    def update_with(self, *, org, obj, data):
        _fixed(obj, data, "journey", _("A stage cannot move to another journey."))
        return services.journey_stage_update(org=org, stage=obj, data=data)

    def delete_with(self, *, org, obj):
        services.journey_stage_delete(org=org, stage=obj)


class DataSourceSerializer(TenantModelSerializer):
    class Meta:
        model = DataSource
        fields = ["id", "code", "name", "kind", "is_active"]


@extend_schema_view(**_crud_schema("data source", DataSourceSerializer))
class DataSourceViewSet(_ServiceViewSet):
    model = DataSource
    serializer_class = DataSourceSerializer
    filterset_fields = ["code", "kind", "is_active"]
    ordering_fields = ["name", "code", "id"]
    ordering = ["name"]

    def create_with(self, *, org, data):
        source = services.data_source_create(org=org, code=data["code"], name=data["name"], kind=data["kind"])
        if data.get("is_active") is False:
            source = services.data_source_update(org=org, source=source, data={"is_active": False})
        return source

    def update_with(self, *, org, obj, data):
        return services.data_source_update(org=org, source=obj, data=data)

    def delete_with(self, *, org, obj):
        services.data_source_delete(org=org, source=obj)


class RollupQuerySerializer(serializers.Serializer):
    """The query of ``GET /api/v1/rollups/``; ``from`` is a Python keyword, hence ``get_fields``."""

    metric = serializers.CharField(
        max_length=50, help_text="The metric's code, e.g. nps.",
        error_messages={"required": _("Give the metric's code, e.g. metric=nps.")},
    )
    grain = serializers.ChoiceField(
        choices=Rollup.Grain.choices, help_text="What each row summarises.",
        error_messages={"required": _("Give the grain: touchpoint, journey, segment or organization.")},
    )
    period = serializers.ChoiceField(
        choices=Rollup.Period.choices, help_text="The length of each row's period.",
        error_messages={"required": _("Give the period: day, week or month.")},
    )
    date_from = serializers.DateField(required=False, help_text="First period start included (YYYY-MM-DD).")
    to = serializers.DateField(required=False, help_text="Last period start included (YYYY-MM-DD).")
    touchpoint = TenantRelatedField(queryset=Touchpoint.objects.all(), required=False,
                                    help_text="Only this touchpoint (grain touchpoint).")
    journey = TenantRelatedField(queryset=Journey.objects.all(), required=False,
                                 help_text="Only this journey's touchpoints (grain touchpoint) or the journey itself.")
    segment = TenantRelatedField(queryset=Segment.objects.all(), required=False,
                                 help_text="Only this segment's journeys or touchpoints, or the segment itself.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("date_from")
        return fields

    def validate_metric(self, code: str) -> Metric:
        metric = selectors.metric_by_code(org=self.context["org"], code=code.strip())
        if metric is None:
            raise serializers.ValidationError(_("Unknown metric code “%(code)s”.") % {"code": code[:50]})
        return metric

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": [_("Must not be before “from”.")]})
        allowed = {
            "touchpoint": {Rollup.Grain.TOUCHPOINT},
            "journey": {Rollup.Grain.TOUCHPOINT, Rollup.Grain.JOURNEY},
            "segment": {Rollup.Grain.TOUCHPOINT, Rollup.Grain.JOURNEY, Rollup.Grain.SEGMENT},
        }
        errors = {
            name: [_("Not available with grain “%(grain)s”.") % {"grain": attrs["grain"]}]
            for name, grains in allowed.items() if attrs.get(name) is not None and attrs["grain"] not in grains
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class RollupSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="metric.code", help_text="The metric's code.")
    subject_id = serializers.IntegerField(help_text="The touchpoint, journey or segment id; 0 for the organization.")
    min_n = serializers.IntegerField(source="metric.min_n", help_text="The metric's minimum n to show a figure.")
    below_min = serializers.SerializerMethodField(help_text="n is below the metric's minimum: do not rely on value.")
    promoters = serializers.SerializerMethodField(help_text="NPS only: answers 9–10.")
    passives = serializers.SerializerMethodField(help_text="NPS only: answers 7–8.")
    detractors = serializers.SerializerMethodField(help_text="NPS only: answers 0–6.")

    class Meta:
        model = Rollup
        fields = [
            "metric", "grain", "subject_id", "period", "period_start", "n", "value", "min_n", "below_min",
            "promoters", "passives", "detractors",
        ]

    def get_below_min(self, rollup: Rollup) -> bool:
        return rollup.n < rollup.metric.min_n

    def _nps(self, rollup: Rollup, value: int) -> int | None:
        return value if rollup.metric.method == Metric.Method.NPS else None

    def get_promoters(self, rollup: Rollup) -> int | None:
        return self._nps(rollup, rollup.promoters)

    def get_passives(self, rollup: Rollup) -> int | None:
        return self._nps(rollup, rollup.passives)

    def get_detractors(self, rollup: Rollup) -> int | None:
        return self._nps(rollup, rollup.detractors)


@extend_schema(
    summary="Rollups of a metric",
    description=(
        "A metric summarised per touchpoint, journey, segment or the whole organization, per day, week "
        "or month (organization-local calendar), ordered by period then subject. Each row carries n; "
        "`below_min` says n is under the metric's minimum, so the value must not be shown as a clean "
        "figure. NPS rows also carry promoters, passives and detractors. Needs feedback.view."
    ),
    parameters=[RollupQuerySerializer],
    responses={200: RollupSerializer(many=True), **ERROR_RESPONSES},
)
class RollupListView(TenantViewSetMixin, generics.ListAPIView):
    model = Rollup
    serializer_class = RollupSerializer
    read_op = Op.FEEDBACK_VIEW
    filter_backends: list = []

    def list(self, request, *args, **kwargs):
        query = RollupQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        rows = selectors.rollup_list(
            org=request_org(request), metric=params["metric"], grain=params["grain"], period=params["period"],
            date_from=params.get("from"), date_to=params.get("to"), touchpoint=params.get("touchpoint"),
            journey=params.get("journey"), segment=params.get("segment"),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def map_urls() -> list:
    """Non-router endpoints of the customer map and measurement model."""
    return [path("rollups/", RollupListView.as_view(), name="rollup-list")]


def register_map(router: BaseRouter) -> None:
    router.register("segments", SegmentViewSet, basename="segment")
    router.register("products", ProductViewSet, basename="product")
    router.register("journeys", JourneyViewSet, basename="journey")
    router.register("journey-stages", JourneyStageViewSet, basename="journey-stage")
    router.register("data-sources", DataSourceViewSet, basename="data-source")
