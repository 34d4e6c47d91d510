from django.urls import path

from . import views

app_name = "cem_levers"
urlpatterns = [
    path("", views.LeverListView.as_view(), name="lever-list"),
    path("<int:pk>/", views.LeverDetailView.as_view(), name="lever-detail"),
]
