from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("healthz/", include("cxgov.health")),
    path("", include("cxgov.dashboards.urls")),
    path("", include("cxgov.tenancy.urls")),
    path("inbox/", include("cxgov.inbox.urls")),
    path("webhooks/", include("cxgov.webhooks.urls")),
    path("levers/", include("cem_levers.urls")),
    # The outer loop reads and creates initiatives, so its pages belong to initiatives (see there).
    path("voc/root-causes/", include("initiatives.urls_outer_loop")),
    path("voc/", include("voc.urls")),
    path("initiatives/", include("initiatives.urls")),
    path("governance/", include("governance.urls")),
    path("maturity/", include("maturity.urls")),
    path("audit/", include("cxgov.audit.urls")),
    path("accounts/", include("cxgov.audit.account_urls")),
    path("organization/data/", include("cxgov.portability.urls")),
    path("api/v1/", include("cxgov.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

# MEDIA_ROOT is never served as such, not even with DEBUG: uploaded evidence, import files, their
# rejected-row reports and data exports are organization data, downloaded only through views that
# check the organization and the role (maturity answer evidence, import report, data export).

# URLs under /api/ that match no route answer JSON in the API's error shape, not the HTML page.
handler404 = "cxgov.tenancy.drf.not_found"
