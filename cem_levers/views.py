"""Pages of the CEM framework (read-only for now): levers by group, and one lever."""

from __future__ import annotations

from typing import Any

from django.views.generic import DetailView, TemplateView

from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors
from .models import Lever


class LeverListView(OrgView, TemplateView):
    template_name = "cem_levers/lever_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["groups"] = selectors.lever_groups_with_levers(org=self.org)
        return context


class LeverDetailView(OrgView, TenantObjectMixin, DetailView):
    model = Lever
    template_name = "cem_levers/lever_detail.html"
    context_object_name = "lever"

    def scope_queryset(self, qs):
        return selectors.lever_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(selectors.lever_links(org=self.org, lever=self.object))
        return context
