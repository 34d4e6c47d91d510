from django.urls import path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("integrations/", views.IntegratorView.as_view(), name="integrator-home"),
]
