"""URLs of the outer loop, mounted by the project under /voc/root-causes/ (namespace ``outer_loop``)."""

from django.urls import path

from . import views_outer_loop

app_name = "outer_loop"
urlpatterns = [
    path("", views_outer_loop.RootCauseMatrixView.as_view(), name="rootcause-matrix"),
    path("initiative/", views_outer_loop.InitiativeFromRootCauseView.as_view(), name="rootcause-initiative"),
]
