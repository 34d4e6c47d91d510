from django.urls import path

from . import views

app_name = "voc"
urlpatterns = [
    path("journeys/", views.JourneyListView.as_view(), name="journey-list"),
    path("journeys/<int:pk>/", views.JourneyMapView.as_view(), name="journey-map"),
    path("metrics/", views.MetricListView.as_view(), name="metric-list"),
    path("sources/", views.DataSourceListView.as_view(), name="datasource-list"),
]
