"""The home page: one dashboard per role, read-only, composed from the domain selectors."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.views.generic import TemplateView

from cxgov.tenancy.roles import Role
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
            api_base = self.request.build_absolute_uri(reverse("api-root"))
            context.update(
                api_base=api_base,
                api_example=f"{api_base}levers/",
                api_docs=self.request.build_absolute_uri(reverse("api-docs")),
            )
        return context
