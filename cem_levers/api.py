"""Levers and practices over the API: read by every member, written by programme managers through
the same services as the framework editor (nothing is deleted: deactivate with ``is_active``)."""

from __future__ import annotations

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.routers import BaseRouter

from cxgov.tenancy.api import (
    ERROR_RESPONSES,
    TenantFilterSet,
    TenantModelSerializer,
    TenantRelatedField,
    TenantViewSet,
)

from . import services
from .models import Lever, LeverGroup, Practice

TEXTS = ("name_en", "name_es", "description_en", "description_es")
# What the services accept for a lever's or a practice's code (cem_levers.services._free_code).
CODE_PATTERN = r"^[-a-zA-Z0-9_.]+$"


class LeverGroupSerializer(TenantModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = LeverGroup
        fields = ["id", "code", "name", "name_en", "name_es", "position", "is_active"]


class PracticeSerializer(TenantModelSerializer):
    # The service's rule (codes are "<lever code>.<practice>"), not the model's SlugField: found by tests/fuzz.
    code = serializers.RegexField(CODE_PATTERN, max_length=60, required=False)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)

    class Meta:
        model = Practice
        fields = ["id", "lever", "code", "name", "name_en", "name_es", "description", "description_en",
                  "description_es", "position", "is_active"]
        read_only_fields = ["position"]
        extra_kwargs = {"code": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "lever" in attrs and attrs["lever"].pk != self.instance.lever_id:
            raise serializers.ValidationError({"lever": ["A practice cannot move to another lever; create a new one."]})
        if self.instance is not None and "code" in attrs and attrs["code"] != self.instance.code:
            raise serializers.ValidationError({"code": ["The code of a practice does not change."]})
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> Practice:
        return services.practice_create(
            org=self.context["org"], lever=validated_data["lever"], code=validated_data.get("code", ""),
            **{k: validated_data.get(k, "") for k in TEXTS},
        )

    def update(self, instance: Practice, validated_data: dict[str, Any]) -> Practice:
        return services.practice_update(
            org=self.context["org"], practice=instance, is_active=validated_data.get("is_active"),
            **{k: validated_data.get(k) for k in TEXTS},
        )


class LeverSerializer(TenantModelSerializer):
    """A lever with its ``group`` (nested on output; an id on input) and its ``practices``."""

    code = serializers.RegexField(CODE_PATTERN, max_length=50, required=False)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    group = LeverGroupSerializer(read_only=True)
    group_id = TenantRelatedField(source="group", queryset=LeverGroup.objects.unscoped().all(), write_only=True,
                                  required=False, help_text="Id of the lever's group (writes only).")
    practices = PracticeSerializer(many=True, read_only=True)
    # (group_id's unscoped() only declares the model: TenantRelatedField offers the request's
    # organization's groups alone.)

    class Meta:
        model = Lever
        fields = [
            "id", "code", "name", "name_en", "name_es", "description", "description_en", "description_es",
            "position", "is_active", "group", "group_id", "practices",
        ]
        read_only_fields = ["position"]
        extra_kwargs = {"code": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and "group" not in attrs:
            raise serializers.ValidationError({"group_id": ["This field is required."]})
        if self.instance is not None and "code" in attrs and attrs["code"] != self.instance.code:
            raise serializers.ValidationError({"code": ["The code of a lever does not change."]})
        return super().validate(attrs)

    def create(self, validated_data: dict[str, Any]) -> Lever:
        return services.lever_create(
            org=self.context["org"], group=validated_data["group"], code=validated_data.get("code", ""),
            **{k: validated_data.get(k, "") for k in TEXTS},
        )

    def update(self, instance: Lever, validated_data: dict[str, Any]) -> Lever:
        org = self.context["org"]
        lever = services.lever_update(org=org, lever=instance, is_active=validated_data.get("is_active"),
                                      **{k: validated_data.get(k) for k in TEXTS})
        group = validated_data.get("group")
        if group is not None and group.pk != lever.group_id:
            lever = services.lever_move(org=org, lever=lever, group=group)
        return lever


class LeverFilter(TenantFilterSet):
    group = filters.CharFilter(field_name="group__code", help_text="Group code, e.g. `strategy`.")

    class Meta:
        model = Lever
        fields = ["group", "is_active", "code"]


class PracticeFilter(TenantFilterSet):
    class Meta:
        model = Practice
        fields = ["lever", "is_active", "code"]


WRITE_METHODS = ["get", "post", "patch", "head", "options"]


@extend_schema_view(
    list=extend_schema(summary="List the organization's CEM levers with their group and practices",
                       responses={200: LeverSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One lever", responses={200: LeverSerializer, **ERROR_RESPONSES}),
    create=extend_schema(summary="Add a lever to a group (programme.manage)"),
    partial_update=extend_schema(summary="Rename, describe, (de)activate or regroup a lever (programme.manage)"),
)
class LeverViewSet(TenantViewSet):
    model = Lever
    serializer_class = LeverSerializer
    filterset_class = LeverFilter
    ordering_fields = ["position", "code"]
    ordering = ["position", "id"]
    http_method_names = WRITE_METHODS

    def scope_queryset(self, qs):
        return qs.select_related("group").prefetch_related("practices")


@extend_schema_view(
    list=extend_schema(summary="List the practices of the organization's levers"),
    retrieve=extend_schema(summary="One practice"),
    create=extend_schema(summary="Add a practice to a lever (programme.manage)"),
    partial_update=extend_schema(summary="Rename, describe or (de)activate a practice (programme.manage)"),
)
class PracticeViewSet(TenantViewSet):
    model = Practice
    serializer_class = PracticeSerializer
    filterset_class = PracticeFilter
    ordering_fields = ["position", "code"]
    ordering = ["lever__position", "position", "id"]
    http_method_names = WRITE_METHODS


def register(router: BaseRouter) -> None:
    router.register("levers", LeverViewSet, basename="lever")
    router.register("practices", PracticeViewSet, basename="practice")
