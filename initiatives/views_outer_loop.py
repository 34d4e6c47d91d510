"""The outer loop's pages: recurring root causes per touchpoint, turned into initiatives in one step.

They live here rather than in voc because they read and create initiatives (initiatives sits above
voc in the dependency order); they read voc through its selectors and forms only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from cxgov.tenancy.roles import Op, role_allows
from cxgov.tenancy.views_base import OrgView
from voc import selectors
from voc.forms_loop import InitiativeFromRootCauseForm

from .outer_loop import initiative_create_from_root_cause, initiative_impact, initiatives_from_root_causes


class RootCauseMatrixView(OrgView, TemplateView):
    """The outer loop: closed cases per touchpoint × root cause, recurring ones highlighted, the
    initiatives created from each pair and, once delivered, their impact."""

    template_name = "voc/loop/rootcause_matrix.html"
    months = 6

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        matrix = selectors.root_cause_matrix(org=self.org, months=self.months)
        created = initiatives_from_root_causes(org=self.org)
        pairs = []
        for initiatives in created.values():
            for initiative in initiatives:
                pairs.append({
                    "initiative": initiative, "impact": initiative_impact(org=self.org, initiative=initiative),
                })
        for row in matrix["rows"]:
            for cell in row["cells"]:
                cell["initiatives"] = created.get((row["touchpoint"].pk, cell["root_cause"].pk), [])
        recurring = [
            {"touchpoint": row["touchpoint"], **cell}
            for row in matrix["rows"] for cell in row["cells"] if cell["recurring"]
        ]
        recurring.sort(key=lambda c: -c["n"])
        context.update(
            matrix=matrix, recurring=recurring, created=pairs, months=self.months,
            can_create=role_allows(self.request.membership.role, Op.PROGRAMME_MANAGE),
        )
        return context


class InitiativeFromRootCauseView(OrgView, View):
    """POST: one step from a recurring root cause at a touchpoint to an initiative (status idea)."""

    required_op = Op.PROGRAMME_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = InitiativeFromRootCauseForm(request.POST, org=self.org)
        if not form.is_valid():
            raise Http404  # an id of another organization is answered like a missing one
        try:
            initiative = initiative_create_from_root_cause(
                org=self.org, by=request.user, root_cause=form.cleaned_data["root_cause"],
                touchpoint=form.cleaned_data["touchpoint"],
            )
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            return redirect("outer_loop:rootcause-matrix")
        messages.success(request, _("Initiative created from the root cause; complete its plan."))
        return HttpResponseRedirect(reverse("initiatives:initiative-detail", kwargs={"pk": initiative.pk}))
