from django.urls import path

from . import views

app_name = "portability"
urlpatterns = [
    path("", views.DataOverviewView.as_view(), name="overview"),
    path("exports/<int:pk>/download/", views.DataExportDownloadView.as_view(), name="export-download"),
    path("delete/", views.OrganizationDeleteView.as_view(), name="delete"),
]
