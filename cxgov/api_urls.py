"""One router for the whole API; each app registers its viewsets in its ``api.py``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from cem_levers.api import register as register_cem_levers
from cxgov.tenancy.api_views import MeView
from voc.api import register as register_voc

router = DefaultRouter()
register_cem_levers(router)
register_voc(router)

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]
