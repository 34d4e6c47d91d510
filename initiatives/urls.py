from django.urls import path

from . import views

app_name = "initiatives"
urlpatterns = [
    path("", views.InitiativeListView.as_view(), name="initiative-list"),
    path("<int:pk>/", views.InitiativeDetailView.as_view(), name="initiative-detail"),
]
