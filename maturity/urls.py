from django.urls import path

from . import views

app_name = "maturity"
urlpatterns = [
    path("", views.MaturityOverviewView.as_view(), name="overview"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("settings/template/<slug:code>/", views.TemplateSwitchView.as_view(), name="template-switch"),
    path("levers/<int:pk>/target/", views.LeverTargetView.as_view(), name="lever-target"),
    path("assessments/", views.AssessmentListView.as_view(), name="assessment-list"),
    path("assessments/new/", views.AssessmentCreateView.as_view(), name="assessment-create"),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment-detail"),
    path("assessments/<int:pk>/answer/", views.AssessmentAnswerView.as_view(), name="assessment-answer"),
    path("assessments/<int:pk>/consensus/", views.AssessmentConsensusView.as_view(), name="assessment-consensus"),
    path("assessments/<int:pk>/hand-in/", views.AssessmentHandInView.as_view(), name="assessment-hand-in"),
    path("assessments/<int:pk>/submit/", views.AssessmentSubmitView.as_view(), name="assessment-submit"),
    path("assessments/<int:pk>/delete/", views.AssessmentDeleteView.as_view(), name="assessment-delete"),
    path("answers/<int:pk>/evidence/", views.AnswerEvidenceView.as_view(), name="answer-evidence"),
]
