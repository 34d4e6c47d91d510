from django.urls import path

from . import views

app_name = "initiatives"
urlpatterns = [
    path("", views.InitiativeListView.as_view(), name="initiative-list"),
    path("board/", views.InitiativeBoardView.as_view(), name="initiative-board"),
    path("timeline/", views.InitiativeTimelineView.as_view(), name="initiative-timeline"),
    path("risks/", views.RiskHeatmapView.as_view(), name="risk-heatmap"),
    path("budget/", views.BudgetView.as_view(), name="budget"),
    path("export.csv", views.PortfolioCsvView.as_view(), name="portfolio-csv"),
    path("report/", views.PortfolioReportView.as_view(), name="portfolio-report"),
    path("new/", views.InitiativeCreateView.as_view(), name="initiative-create"),
    path("<int:pk>/", views.InitiativeDetailView.as_view(), name="initiative-detail"),
    path("<int:pk>/edit/", views.InitiativeUpdateView.as_view(), name="initiative-edit"),
    path("<int:pk>/transition/", views.InitiativeTransitionView.as_view(), name="initiative-transition"),
    path("<int:pk>/milestones/new/", views.MilestoneCreateView.as_view(), name="milestone-create"),
    path("<int:pk>/risks/new/", views.RiskCreateView.as_view(), name="risk-create"),
    path("<int:pk>/kpis/new/", views.KpiCreateView.as_view(), name="kpi-create"),
    path("<int:pk>/reports/new/", views.StatusReportCreateView.as_view(), name="report-create"),
    path("milestones/<int:pk>/edit/", views.MilestoneUpdateView.as_view(), name="milestone-edit"),
    path("milestones/<int:pk>/done/", views.MilestoneDoneView.as_view(), name="milestone-done"),
    path("milestones/<int:pk>/delete/", views.MilestoneDeleteView.as_view(), name="milestone-delete"),
    path("risks/<int:pk>/edit/", views.RiskUpdateView.as_view(), name="risk-edit"),
    path("risks/<int:pk>/delete/", views.RiskDeleteView.as_view(), name="risk-delete"),
    path("kpis/<int:pk>/edit/", views.KpiUpdateView.as_view(), name="kpi-edit"),
    path("kpis/<int:pk>/delete/", views.KpiDeleteView.as_view(), name="kpi-delete"),
]
