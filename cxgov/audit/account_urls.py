"""Account pages under /accounts/ (next to sign-in): changing one's password."""

from django.urls import path

from . import views

urlpatterns = [path("password/", views.PasswordChangeView.as_view(), name="password-change")]
