from django.urls import path  # noqa: F401

app_name = "cem_levers"
urlpatterns: list = []
