"""VoC over the API: touchpoints and metrics (read) to start; feedback ingest builds on these."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.routers import BaseRouter

from cxgov.tenancy.api import ERROR_RESPONSES, TenantFilterSet, TenantModelSerializer, TenantReadOnlyViewSet

from .models import Metric, Touchpoint


class TouchpointSerializer(TenantModelSerializer):
    journey_name = serializers.CharField(source="journey.name", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True, default=None)

    class Meta:
        model = Touchpoint
        fields = [
            "id", "name", "description", "journey", "journey_name", "stage", "stage_name", "channel",
            "is_moment_of_truth", "position",
        ]


class MetricSerializer(TenantModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Metric
        fields = [
            "id", "code", "name", "name_en", "name_es", "kind", "method", "scale_min", "scale_max", "unit",
            "higher_is_better", "target", "min_n", "follow_up_threshold", "lever", "pack", "is_active",
        ]


class TouchpointFilter(TenantFilterSet):
    class Meta:
        model = Touchpoint
        fields = ["journey", "stage", "channel", "is_moment_of_truth"]


@extend_schema_view(
    list=extend_schema(summary="List touchpoints", responses={200: TouchpointSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One touchpoint", responses={200: TouchpointSerializer, **ERROR_RESPONSES}),
)
class TouchpointViewSet(TenantReadOnlyViewSet):
    model = Touchpoint
    serializer_class = TouchpointSerializer
    filterset_class = TouchpointFilter
    ordering_fields = ["position", "name", "id"]
    ordering = ["journey_id", "position", "id"]

    def scope_queryset(self, qs):
        return qs.select_related("journey", "stage")


@extend_schema_view(
    list=extend_schema(summary="List metrics", responses={200: MetricSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One metric", responses={200: MetricSerializer, **ERROR_RESPONSES}),
)
class MetricViewSet(TenantReadOnlyViewSet):
    model = Metric
    serializer_class = MetricSerializer
    filterset_fields = ["code", "kind", "is_active", "lever"]
    ordering_fields = ["code"]
    ordering = ["code"]


def register(router: BaseRouter) -> None:
    router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
    router.register("metrics", MetricViewSet, basename="metric")
