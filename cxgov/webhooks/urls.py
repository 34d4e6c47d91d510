from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.SubscriptionListView.as_view(), name="subscription-list"),
    path("new/", views.SubscriptionCreateView.as_view(), name="subscription-create"),
    path("<int:pk>/", views.SubscriptionDetailView.as_view(), name="subscription-detail"),
    path("<int:pk>/edit/", views.SubscriptionUpdateView.as_view(), name="subscription-update"),
    path("<int:pk>/delete/", views.SubscriptionDeleteView.as_view(), name="subscription-delete"),
    path("<int:pk>/rotate/", views.SubscriptionRotateView.as_view(), name="subscription-rotate"),
    path("<int:pk>/test/", views.SubscriptionTestView.as_view(), name="subscription-test"),
    path("<int:pk>/resume/", views.SubscriptionResumeView.as_view(), name="subscription-resume"),
]
