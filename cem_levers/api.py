"""Levers and practices over the API (read-only here; the framework editor writes through services)."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.routers import BaseRouter

from cxgov.tenancy.api import ERROR_RESPONSES, TenantFilterSet, TenantModelSerializer, TenantReadOnlyViewSet

from .models import Lever, LeverGroup, Practice


class LeverGroupSerializer(TenantModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = LeverGroup
        fields = ["id", "code", "name", "name_en", "name_es", "position"]


class PracticeSerializer(TenantModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)

    class Meta:
        model = Practice
        fields = ["id", "lever", "code", "name", "name_en", "name_es", "description", "position"]


class LeverSerializer(TenantModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    group = LeverGroupSerializer(read_only=True)
    practices = PracticeSerializer(many=True, read_only=True)

    class Meta:
        model = Lever
        fields = [
            "id", "code", "name", "name_en", "name_es", "description", "description_en", "description_es",
            "position", "is_active", "group", "practices",
        ]


class LeverFilter(TenantFilterSet):
    group = filters.CharFilter(field_name="group__code", help_text="Group code, e.g. `strategy`.")

    class Meta:
        model = Lever
        fields = ["group", "is_active", "code"]


@extend_schema_view(
    list=extend_schema(summary="List the organization's CEM levers with their group and practices",
                       responses={200: LeverSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One lever", responses={200: LeverSerializer, **ERROR_RESPONSES}),
)
class LeverViewSet(TenantReadOnlyViewSet):
    model = Lever
    serializer_class = LeverSerializer
    filterset_class = LeverFilter
    ordering_fields = ["position", "code"]
    ordering = ["position", "id"]

    def scope_queryset(self, qs):
        return qs.select_related("group").prefetch_related("practices")


def register(router: BaseRouter) -> None:
    router.register("levers", LeverViewSet, basename="lever")
