"""Pages of the governance structure (read-only for now): the org chart and one body."""

from __future__ import annotations

from typing import Any

from django.views.generic import DetailView, TemplateView

from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors
from .models import Body


class BodyListView(OrgView, TemplateView):
    template_name = "governance/body_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["levels"] = selectors.bodies_by_level(org=self.org)
        return context


class BodyDetailView(OrgView, TenantObjectMixin, DetailView):
    model = Body
    template_name = "governance/body_detail.html"
    context_object_name = "body"

    def scope_queryset(self, qs):
        return selectors.body_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["initiatives"] = selectors.body_sponsored_initiatives(org=self.org, body=self.object)
        return context
