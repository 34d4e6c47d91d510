"""Pages of the maturity map (read-only for now): stages and latest scores, assessments."""

from __future__ import annotations

from typing import Any

from django.views.generic import DetailView, ListView, TemplateView

from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors
from .models import Assessment


class MaturityOverviewView(OrgView, TemplateView):
    template_name = "maturity/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        snapshot = selectors.snapshot_latest(org=self.org)
        stages = list(selectors.stage_list(org=self.org))
        context.update(
            stages=stages,
            snapshot=snapshot,
            rows=selectors.lever_maturity(org=self.org, snapshot=snapshot, stages=stages),
        )
        return context


class AssessmentListView(OrgView, TenantObjectMixin, ListView):
    model = Assessment
    template_name = "maturity/assessment_list.html"
    context_object_name = "assessments"
    paginate_by = 50

    def scope_queryset(self, qs):
        return selectors.assessment_list(org=self.org)


class AssessmentDetailView(OrgView, TenantObjectMixin, DetailView):
    model = Assessment
    template_name = "maturity/assessment_detail.html"
    context_object_name = "assessment"

    def scope_queryset(self, qs):
        return selectors.assessment_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["levers"] = selectors.assessment_answers_by_lever(org=self.org, assessment=self.object)
        context["snapshot"] = self.object.snapshots.filter(organization=self.org).order_by("-computed_at").first()
        return context
