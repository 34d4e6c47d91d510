"""One router for the whole API; each app registers its viewsets in its ``api.py``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from cem_levers.api import register as register_cem_levers
from cxgov.tenancy.api_views import MeView
from cxgov.webhooks.api import register as register_webhooks
from governance.api import register as register_governance
from initiatives.api import register as register_initiatives
from maturity.api import register as register_maturity
from maturity.api import urlpatterns as maturity_urls
from voc.api import feedback_urls, loop_urls, map_urls
from voc.api import register as register_voc
from voc.api import register_loop as register_voc_loop

router = DefaultRouter()
register_cem_levers(router)
register_voc(router)
register_initiatives(router)
register_voc_loop(router)
register_webhooks(router)
register_governance(router)
register_maturity(router)

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    *feedback_urls(),
    *loop_urls(),
    *map_urls(),
    *maturity_urls,
    *router.urls,
]
