"""The home page: one dashboard per role, read-only, composed from the domain selectors."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.views.generic import TemplateView

from cxgov.tenancy.roles import Op, Role
from cxgov.tenancy.views_base import OrgView

from . import selectors

TEMPLATES = {
    Role.ADMIN: "dashboards/home_programme.html",
    Role.CX_LEAD: "dashboards/home_programme.html",
    Role.EXECUTIVE: "dashboards/home_executive.html",
    Role.AMBASSADOR: "dashboards/home_ambassador.html",
    Role.INTEGRATOR: "dashboards/home_integrator.html",
}


class HomeView(OrgView, TemplateView):
    """``/``: the signed-in member's dashboard for their role in the current organization."""

    def get_template_names(self) -> list[str]:
        return [TEMPLATES[Role(self.request.membership.role)]]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        role = self.request.membership.role
        if role in (Role.ADMIN, Role.CX_LEAD):
            context.update(selectors.home_programme(org=self.org))
        elif role == Role.EXECUTIVE:
            context.update(selectors.home_executive(org=self.org))
        elif role == Role.AMBASSADOR:
            context.update(selectors.home_ambassador(org=self.org, user=self.request.user))
        else:
            context.update(integrator_context(self.request, self.org))
        return context


def integrator_context(request, org) -> dict[str, Any]:
    """What the integrator page shows: tokens, API activity, webhooks, and where the API lives."""
    api_base = request.build_absolute_uri(reverse("api-root"))
    return {
        **selectors.home_integrator(org=org, user=request.user),
        "api_base": api_base,
        "api_example": f"{api_base}levers/",
        "api_docs": request.build_absolute_uri(reverse("api-docs")),
    }


class IntegratorView(OrgView, TemplateView):
    """``/integrations/``: the integrator page for any role that holds API tokens (admins too); the
    integrator's home shows the same page."""

    required_op = Op.TOKENS_MANAGE
    template_name = "dashboards/home_integrator.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(integrator_context(self.request, self.org))
        return context
