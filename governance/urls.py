from django.urls import path

from . import views

app_name = "governance"
urlpatterns = [
    path("", views.BodyListView.as_view(), name="body-list"),
    path("bodies/<int:pk>/", views.BodyDetailView.as_view(), name="body-detail"),
]
