"""Webhooks over the API: subscriptions (CRUD and the actions test, resume, rotate) and the delivery
log (read). Admins and integrators only (``webhooks.manage``). Thin: serializers validate shape, the
services hold the rules (URL safety, events, the secret shown once)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from cxgov.tenancy.api import (
    ERROR_RESPONSES,
    TenantFilterSet,
    TenantModelSerializer,
    TenantReadOnlyViewSet,
    TenantViewSet,
    request_org,
)
from cxgov.tenancy.roles import Op

from . import services
from .models import Event, WebhookDelivery, WebhookSubscription


class SubscriptionSerializer(TenantModelSerializer):
    """A subscription as read. The secret is never part of it (see create and rotate)."""

    events = serializers.ListField(child=serializers.ChoiceField(choices=Event.choices), allow_empty=False)
    owner = serializers.EmailField(source="owner.email", read_only=True, allow_null=True)
    health = serializers.CharField(read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id", "name", "url", "events", "is_active", "owner", "created_at", "health", "paused_at",
            "paused_reason", "consecutive_failures", "last_attempt_at", "last_success_at", "last_response_code",
        ]
        read_only_fields = [
            "created_at", "paused_at", "paused_reason", "consecutive_failures", "last_attempt_at",
            "last_success_at", "last_response_code",
        ]


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    """The answer to a create: the subscription with its signing secret, shown this once."""

    secret = serializers.CharField(read_only=True, help_text="The signing secret. Shown only in this response.")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


SECRET_SCHEMA = inline_serializer(name="WebhookSecret", fields={"secret": serializers.CharField()})


class DeliverySerializer(TenantModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "uuid", "subscription", "event", "event_id", "created_at", "status", "attempts", "response_code",
            "duration_ms", "error", "last_attempt_at", "next_retry_at", "delivered_at", "attempt_log", "payload",
        ]
        read_only_fields = fields


class DeliveryFilter(TenantFilterSet):
    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "status", "event"]


@extend_schema_view(
    list=extend_schema(summary="List webhook subscriptions", responses={200: SubscriptionSerializer(many=True),
                                                                       **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One webhook subscription",
                           responses={200: SubscriptionSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        summary="Subscribe a URL to events",
        description="Answers with the signing secret, which is shown only in this response.",
        responses={201: SubscriptionCreatedSerializer, **ERROR_RESPONSES},
    ),
    update=extend_schema(summary="Replace a subscription", responses={200: SubscriptionSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(summary="Change a subscription",
                                 responses={200: SubscriptionSerializer, **ERROR_RESPONSES}),
    destroy=extend_schema(summary="Delete a subscription and its delivery log",
                          responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES}),
)
class WebhookSubscriptionViewSet(TenantViewSet):
    model = WebhookSubscription
    serializer_class = SubscriptionSerializer
    read_op = Op.WEBHOOKS_MANAGE
    write_op = Op.WEBHOOKS_MANAGE
    filterset_fields = ["is_active"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def scope_queryset(self, qs):
        return qs.select_related("owner")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        subscription, secret = services.subscription_create(
            org=request_org(request), by=request.user, url=data["url"], events=data["events"],
            name=data.get("name", ""), is_active=data.get("is_active", True),
        )
        body = SubscriptionCreatedSerializer(subscription, context=self.get_serializer_context()).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.subscription_update(
            org=request_org(self.request), subscription=serializer.instance, url=data.get("url"),
            events=data.get("events"), name=data.get("name"), is_active=data.get("is_active"),
        )

    def perform_destroy(self, instance: WebhookSubscription) -> None:
        services.subscription_delete(org=request_org(self.request), subscription=instance)

    @extend_schema(summary="Send a test event (ping)", request=None,
                   responses={202: DeliverySerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        delivery = services.subscription_ping(org=request_org(request), subscription=self.get_object(),
                                              by=request.user)
        return Response(DeliverySerializer(delivery, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Resume a paused or deactivated subscription", request=None,
                   responses={200: SubscriptionSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        subscription = services.subscription_resume(org=request_org(request), subscription=self.get_object())
        return Response(self.get_serializer(subscription).data)

    @extend_schema(summary="Rotate the signing secret", description="The new secret is shown only in this response.",
                   request=None, responses={200: SECRET_SCHEMA, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def rotate(self, request: Request, pk: str | None = None) -> Response:
        secret = services.subscription_secret_rotate(org=request_org(request), subscription=self.get_object())
        return Response({"secret": secret})


@extend_schema_view(
    list=extend_schema(summary="List webhook deliveries, newest first",
                       responses={200: DeliverySerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One webhook delivery", responses={200: DeliverySerializer, **ERROR_RESPONSES}),
)
class WebhookDeliveryViewSet(TenantReadOnlyViewSet):
    model = WebhookDelivery
    serializer_class = DeliverySerializer
    read_op = Op.WEBHOOKS_MANAGE
    filterset_class = DeliveryFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]


def register(router: BaseRouter) -> None:
    router.register("webhooks/subscriptions", WebhookSubscriptionViewSet, basename="webhook-subscription")
    router.register("webhooks/deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
