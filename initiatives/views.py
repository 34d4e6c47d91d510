"""Pages of the CX PMO (read-only for now): the initiative list and one initiative."""

from __future__ import annotations

from typing import Any

from django.views.generic import DetailView, ListView

from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors
from .models import Initiative


class InitiativeListView(OrgView, TenantObjectMixin, ListView):
    model = Initiative
    template_name = "initiatives/initiative_list.html"
    context_object_name = "initiatives"
    paginate_by = 50

    def scope_queryset(self, qs):
        status = self.request.GET.get("status", "")
        return selectors.initiative_list(
            org=self.org, status=status if status in Initiative.Status.values else None
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        context["status_choices"] = Initiative.Status.choices
        context["current_status"] = status if status in Initiative.Status.values else ""
        return context


class InitiativeDetailView(OrgView, TenantObjectMixin, DetailView):
    model = Initiative
    template_name = "initiatives/initiative_detail.html"
    context_object_name = "initiative"

    def scope_queryset(self, qs):
        return selectors.initiative_detail_queryset(org=self.org)
