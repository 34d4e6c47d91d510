"""``GET /api/v1/me/``: who the request acts as — the user, the organization and the role.

An integrator's first call: it proves the token works and shows which organization it is bound to.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from .api import TenantAutoSchema
from .authentication import BearerTokenAuthentication
from .drf import request_org

MeSerializer = inline_serializer(
    name="Me",
    fields={
        "user": inline_serializer(name="MeUser", fields={
            "id": serializers.IntegerField(),
            "email": serializers.EmailField(),
            "full_name": serializers.CharField(),
        }),
        "organization": inline_serializer(name="MeOrganization", fields={
            "id": serializers.IntegerField(),
            "name": serializers.CharField(),
            "slug": serializers.SlugField(),
        }),
        "role": serializers.CharField(),
        "auth": serializers.ChoiceField(choices=["token", "session"]),
    },
)


class MeView(GenericAPIView):
    """The authenticated user, the organization the request acts in, and the role there."""

    schema = TenantAutoSchema()
    # Membership is all it needs: every role may ask who it is.
    read_op = None

    @extend_schema(summary="Who am I: user, organization and role of this token or session",
                   responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        org = request_org(request)
        membership = request.membership
        user = request.user
        return Response({
            "user": {"id": user.pk, "email": user.email, "full_name": user.full_name},
            "organization": {"id": org.pk, "name": org.name, "slug": org.slug},
            "role": membership.role,
            "auth": "token" if isinstance(request.successful_authenticator, BearerTokenAuthentication)
            else "session",
        })
