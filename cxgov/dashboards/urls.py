from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("integrations/", views.IntegratorView.as_view(), name="integrator-home"),
    path("dashboard/executive/", views.ExecutiveDashboardView.as_view(), name="dashboard-executive"),
    path("reports/executive/", views.ExecutiveReportPickView.as_view(), name="report-executive"),
    re_path(r"^reports/executive/(?P<year>\d{4})-(?P<month>\d{2})/$", views.ExecutiveReportView.as_view(),
            name="report-executive-month"),
    re_path(r"^reports/executive/(?P<year>\d{4})-(?P<month>\d{2})\.pdf$", views.ExecutiveReportPdfView.as_view(),
            name="report-executive-pdf"),
    path("programme/", views.ProgrammeView.as_view(), name="programme"),
]
