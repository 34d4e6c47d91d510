from django.urls import path

from . import views

app_name = "cem_levers"
urlpatterns = [
    path("", views.LeverListView.as_view(), name="lever-list"),
    path("<int:pk>/", views.LeverDetailView.as_view(), name="lever-detail"),
    path("<int:pk>/edit/", views.LeverEditView.as_view(), name="lever-edit"),
    path("<int:pk>/move/", views.LeverMoveView.as_view(), name="lever-move"),
    path("<int:pk>/practices/new/", views.PracticeCreateView.as_view(), name="practice-create"),
    path("groups/new/", views.GroupCreateView.as_view(), name="group-create"),
    path("groups/<int:pk>/edit/", views.GroupEditView.as_view(), name="group-edit"),
    path("groups/<int:pk>/move/", views.GroupMoveView.as_view(), name="group-move"),
    path("groups/<int:pk>/levers/new/", views.LeverCreateView.as_view(), name="lever-create"),
    path("practices/<int:pk>/edit/", views.PracticeEditView.as_view(), name="practice-edit"),
    path("practices/<int:pk>/move/", views.PracticeMoveView.as_view(), name="practice-move"),
]
