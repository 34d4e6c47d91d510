"""A test-only URLconf with a writable tenant viewset, to prove the write path of the base classes.

The product has no write endpoint yet; this one is built from the same base classes a real one
will use, so the tests prove role checks, organization on create, scoped references and uniqueness.
"""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from cem_levers.models import Lever
from cxgov.tenancy.api import TenantModelSerializer, TenantViewSet


class LeverWriteSerializer(TenantModelSerializer):
    class Meta:
        model = Lever
        fields = ["id", "group", "code", "name_en"]


class LeverWriteViewSet(TenantViewSet):
    model = Lever
    serializer_class = LeverWriteSerializer


router = DefaultRouter()
router.register("levers", LeverWriteViewSet, basename="test-lever")

urlpatterns = [path("api/v1/", include(router.urls))]
