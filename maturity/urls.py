from django.urls import path

from . import views

app_name = "maturity"
urlpatterns = [
    path("", views.MaturityOverviewView.as_view(), name="overview"),
    path("assessments/", views.AssessmentListView.as_view(), name="assessment-list"),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment-detail"),
]
