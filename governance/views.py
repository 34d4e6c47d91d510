"""Governance pages: the structure (org chart, bodies, members), the RACI grid, meetings and
decisions, "My actions", the programme charter, the transformation roadmap and the CX goals.

Views are thin: forms parse, services decide, selectors read. A service's ``ValidationError`` is
shown on the form (keyed by field) and nothing is lost from what the user typed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, TemplateView

from cxgov.tenancy.roles import ObjectRule, Op, role_allows
from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import forms, selectors, services
from .models import (
    Body,
    BodyMember,
    BudgetYear,
    ChangeStakeholder,
    Decision,
    Goal,
    Meeting,
    RaciRole,
    RoadmapStep,
    SwotItem,
)


def apply_errors(form, exc: ValidationError) -> None:  # noqa: ANN001
    """Put a service's errors on the form: on the field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class CanManageMixin:
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_manage"] = role_allows(self.request.membership.role, Op.PROGRAMME_MANAGE)
        context["gov_tab"] = getattr(self, "gov_tab", "")
        return context


class ServiceFormView(CanManageMixin, OrgView, FormView):
    """A form whose valid data goes to one service call (``perform``); errors come back on the form."""

    required_op = Op.PROGRAMME_MANAGE
    template_name = "governance/form.html"
    title: str = ""
    intro: str = ""
    submit_label = gettext_lazy("Save")
    success_message: str = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["org"] = self.org
        return kwargs

    def perform(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def success_url_for(self, result: Any) -> str:
        raise NotImplementedError

    def cancel_url(self) -> str:
        return reverse("governance:body-list")

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        try:
            result = self.perform(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.success_url_for(result))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, intro=self.intro, submit_label=self.submit_label,
                       cancel_url=self.cancel_url())
        return context


class ObjectServiceFormView(TenantObjectMixin, ServiceFormView):
    """A ``ServiceFormView`` about one object of the organization (another's id answers 404)."""

    def get_object(self) -> Any:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        # TenantObjectMixin.form_valid expects a ModelForm; these forms go through a service.
        return ServiceFormView.form_valid(self, form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        return context


class ConfirmDeleteView(ObjectServiceFormView):
    """GET asks for confirmation, POST performs; a refusal by the service is shown as a message."""

    template_name = "governance/confirm.html"
    submit_label = gettext_lazy("Delete")
    form_class = forms.TenantForm

    def form_valid(self, form) -> HttpResponse:  # noqa: ANN001
        try:
            result = self.perform({})
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(self.request, message)
            return HttpResponseRedirect(self.cancel_url())
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.success_url_for(result))


# --- structure -----------------------------------------------------------------------------------


class BodyListView(CanManageMixin, OrgView, TemplateView):
    template_name = "governance/body_list.html"
    gov_tab = "structure"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        levels = selectors.bodies_by_level(org=self.org)
        context["levels"] = levels
        present = {b.kind for _level, bodies in levels for b in bodies}
        context["missing_kinds"] = [k for k in Body.Kind if k.value not in present]
        context["body_count"] = sum(len(bodies) for _level, bodies in levels)
        context["member_total"] = sum(b.member_count for _level, bodies in levels for b in bodies)
        return context


class BodiesSetupView(OrgView, TemplateView):
    """POST: create the standard bodies the organization lacks."""

    required_op = Op.PROGRAMME_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        created = services.bodies_standard_ensure(org=self.org)
        if created:
            messages.success(request, _("Created: %(names)s.") % {"names": ", ".join(b.name for b in created)})
        else:
            messages.info(request, _("The organization already has the five bodies."))
        return redirect("governance:body-list")


class BodyDetailView(CanManageMixin, OrgView, TenantObjectMixin, DetailView):
    model = Body
    template_name = "governance/body_detail.html"
    context_object_name = "body"
    gov_tab = "structure"

    def scope_queryset(self, qs):  # noqa: ANN001, ANN201
        return selectors.body_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["initiatives"] = selectors.body_sponsored_initiatives(org=self.org, body=self.object)
        context["meetings"] = list(selectors.meeting_list(org=self.org, body=self.object)[:10])
        context["decisions"] = selectors.decisions_open(org=self.org, body=self.object)
        context["today"] = selectors.today_for(self.org)
        return context


class BodyCreateView(ServiceFormView):
    form_class = forms.BodyForm
    title = gettext_lazy("New body")
    gov_tab = "structure"

    def perform(self, data: dict[str, Any]) -> Body:
        return services.body_create(org=self.org, kind=data["kind"], level=data["level"] or None, name=data["name"],
                                    mandate=data["mandate"], cadence=data["cadence"])

    def success_url_for(self, result: Body) -> str:
        return reverse("governance:body-detail", args=[result.pk])


class BodyEditView(ObjectServiceFormView):
    model = Body
    form_class = forms.BodyForm
    gov_tab = "structure"

    @property
    def title(self) -> str:
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_initial(self) -> dict[str, Any]:
        b = self.object
        return {"kind": b.kind, "level": b.level, "name": b.name, "mandate": b.mandate, "cadence": b.cadence}

    def perform(self, data: dict[str, Any]) -> Body:
        level = data["level"] or Body.DEFAULT_LEVEL[Body.Kind(data["kind"])]
        return services.body_update(org=self.org, body=self.object, kind=data["kind"], level=level,
                                    name=data["name"], mandate=data["mandate"], cadence=data["cadence"])

    def success_url_for(self, result: Body) -> str:
        return reverse("governance:body-detail", args=[result.pk])

    def cancel_url(self) -> str:
        return reverse("governance:body-detail", args=[self.object.pk])


class BodyDeleteView(ConfirmDeleteView):
    model = Body
    gov_tab = "structure"
    success_message = gettext_lazy("Body deleted.")

    @property
    def title(self) -> str:
        return _("Delete %(name)s?") % {"name": self.object.name}

    @property
    def intro(self) -> str:
        return _("Its members, meetings, decisions, goals and RACI assignments are deleted with it. "
                 "Initiatives it sponsors stay, without a sponsor body.")

    def perform(self, data: dict[str, Any]) -> None:
        services.body_delete(org=self.org, body=self.object)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:body-list")

    def cancel_url(self) -> str:
        return reverse("governance:body-detail", args=[self.object.pk])


class MemberAddView(ObjectServiceFormView):
    model = Body
    form_class = forms.MemberForm
    gov_tab = "structure"
    submit_label = gettext_lazy("Add member")

    @property
    def title(self) -> str:
        return _("Add a member to %(name)s") % {"name": self.object.name}

    def perform(self, data: dict[str, Any]) -> BodyMember:
        return services.body_member_add(
            org=self.org, body=self.object, user=data["user"], name=data["name"], title=data["title"],
            area=data["area"], role_in_body=data["role_in_body"],
        )

    def success_url_for(self, result: BodyMember) -> str:
        return reverse("governance:body-detail", args=[self.object.pk])

    def cancel_url(self) -> str:
        return reverse("governance:body-detail", args=[self.object.pk])


class MemberEditView(ObjectServiceFormView):
    model = BodyMember
    form_class = forms.MemberEditForm
    gov_tab = "structure"

    @property
    def title(self) -> str:
        return _("Edit %(name)s") % {"name": self.object.display_name}

    def get_initial(self) -> dict[str, Any]:
        m = self.object
        return {"name": m.name, "title": m.title, "area": m.area, "role_in_body": m.role_in_body}

    def perform(self, data: dict[str, Any]) -> BodyMember:
        return services.body_member_update(org=self.org, member=self.object, name=data["name"], title=data["title"],
                                           area=data["area"], role_in_body=data["role_in_body"])

    def success_url_for(self, result: BodyMember) -> str:
        return reverse("governance:body-detail", args=[self.object.body_id])

    def cancel_url(self) -> str:
        return reverse("governance:body-detail", args=[self.object.body_id])


class MemberRemoveView(ConfirmDeleteView):
    model = BodyMember
    gov_tab = "structure"
    submit_label = gettext_lazy("Remove")
    success_message = gettext_lazy("Member removed.")

    @property
    def title(self) -> str:
        return _("Remove %(person)s from %(body)s?") % {"person": self.object.display_name,
                                                       "body": self.object.body.name}

    def perform(self, data: dict[str, Any]) -> None:
        services.body_member_remove(org=self.org, member=self.object)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:body-detail", args=[self.object.body_id])

    def cancel_url(self) -> str:
        return reverse("governance:body-detail", args=[self.object.body_id])


# --- RACI ----------------------------------------------------------------------------------------


class RaciView(CanManageMixin, OrgView, TemplateView):
    """The RACI matrix: everyone may read it; a CX lead edits every cell and saves once."""

    template_name = "governance/raci.html"
    gov_tab = "raci"
    write_op = Op.PROGRAMME_MANAGE
    CELL_PREFIX = "cell__"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        columns, rows = selectors.raci_grid(org=self.org)
        posted = kwargs.get("posted")
        if posted is not None:
            for row in rows:
                row.cells = [(col, posted.get((row.key, col), role)) for col, role in row.cells]
        groups: list[tuple[str, list]] = []
        for row in rows:
            if not groups or groups[-1][0] != row.group:
                groups.append((row.group, []))
            groups[-1][1].append(row)
        context.update(columns=columns, groups=groups, row_count=len(rows), roles=RaciRole.choices,
                       errors=kwargs.get("errors", []))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not role_allows(request.membership.role, Op.PROGRAMME_MANAGE):
            raise PermissionDenied
        cells: dict[tuple[str, str], str] = {}
        for name, value in request.POST.items():
            if not name.startswith(self.CELL_PREFIX):
                continue
            row_key, sep, column_key = name[len(self.CELL_PREFIX):].partition("__")
            if sep:
                cells[(row_key, column_key)] = value
        try:
            changed = services.raci_matrix_save(org=self.org, cells=cells)
        except ValidationError as exc:
            return self.render_to_response(
                self.get_context_data(errors=exc.messages, posted=cells), status=400
            )
        messages.success(request, _("RACI matrix saved (%(n)d cells changed).") % {"n": changed})
        return redirect("governance:raci")


# --- meetings and decisions ----------------------------------------------------------------------


class MeetingCreateView(ObjectServiceFormView):
    model = Body
    form_class = forms.MeetingForm
    gov_tab = "structure"
    success_message = gettext_lazy("Meeting recorded.")

    @property
    def title(self) -> str:
        return _("New meeting of %(body)s") % {"body": self.object.name}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "body": self.object}

    def get_initial(self) -> dict[str, Any]:
        return {"date": selectors.today_for(self.org)}

    def perform(self, data: dict[str, Any]) -> Meeting:
        return services.meeting_create(org=self.org, body=self.object, date=data["date"], agenda=data["agenda"],
                                       minutes=data["minutes"], attendees=list(data["attendees"]))

    def success_url_for(self, result: Meeting) -> str:
        return reverse("governance:meeting-detail", args=[result.pk])

    def cancel_url(self) -> str:
        return reverse("governance:body-detail", args=[self.object.pk])


class MeetingDetailView(CanManageMixin, OrgView, TenantObjectMixin, DetailView):
    model = Meeting
    template_name = "governance/meeting_detail.html"
    context_object_name = "meeting"
    gov_tab = "structure"

    def scope_queryset(self, qs):  # noqa: ANN001, ANN201
        return selectors.meeting_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["today"] = selectors.today_for(self.org)
        return context


class MeetingEditView(ObjectServiceFormView):
    model = Meeting
    form_class = forms.MeetingForm
    gov_tab = "structure"

    def scope_queryset(self, qs):  # noqa: ANN001, ANN201
        return qs.select_related("body")

    @property
    def title(self) -> str:
        return _("Edit the meeting of %(date)s") % {"date": self.object.date}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "body": self.object.body}

    def get_initial(self) -> dict[str, Any]:
        m = self.object
        return {"date": m.date, "agenda": m.agenda, "minutes": m.minutes, "attendees": list(m.attendees.all())}

    def perform(self, data: dict[str, Any]) -> Meeting:
        return services.meeting_update(org=self.org, meeting=self.object, date=data["date"], agenda=data["agenda"],
                                       minutes=data["minutes"], attendees=list(data["attendees"]))

    def success_url_for(self, result: Meeting) -> str:
        return reverse("governance:meeting-detail", args=[result.pk])

    def cancel_url(self) -> str:
        return reverse("governance:meeting-detail", args=[self.object.pk])


class MeetingDeleteView(ConfirmDeleteView):
    model = Meeting
    gov_tab = "structure"
    success_message = gettext_lazy("Meeting deleted.")

    @property
    def title(self) -> str:
        return _("Delete the meeting of %(date)s?") % {"date": self.object.date}

    @property
    def intro(self) -> str:
        return _("Its decisions stay with the body.")

    def perform(self, data: dict[str, Any]) -> None:
        services.meeting_delete(org=self.org, meeting=self.object)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:body-detail", args=[self.object.body_id])

    def cancel_url(self) -> str:
        return reverse("governance:meeting-detail", args=[self.object.pk])


class DecisionListView(CanManageMixin, OrgView, TemplateView):
    """Open decisions per body, overdue first, and the most recently closed ones."""

    template_name = "governance/decision_list.html"
    gov_tab = "decisions"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        by_body = selectors.decisions_by_body(org=self.org)
        context["by_body"] = by_body
        context["overdue_total"] = sum(len(s.overdue) for _b, s in by_body)
        context["open_total"] = sum(s.open_count for _b, s in by_body)
        context["today"] = selectors.today_for(self.org)
        return context


class MyActionsView(CanManageMixin, OrgView, TemplateView):
    """The signed-in person's open actions (decisions they own), overdue first, and their goals."""

    template_name = "governance/my_actions.html"
    gov_tab = "mine"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["decisions"] = selectors.decisions_open(org=self.org, owner=user)
        goals = list(selectors.goal_list(org=self.org).filter(user=user))
        context["attainments"] = selectors.goals_attainment(org=self.org, goals=goals)
        context["today"] = selectors.today_for(self.org)
        return context


class DecisionCreateView(ServiceFormView):
    form_class = forms.DecisionForm
    title = gettext_lazy("New decision")
    gov_tab = "decisions"
    success_message = gettext_lazy("Decision recorded.")

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        meeting_id = self.request.GET.get("meeting", "")
        body_id = self.request.GET.get("body", "")
        if meeting_id.isdigit():
            meeting = Meeting.objects.for_org(self.org).filter(pk=int(meeting_id)).first()
            if meeting is not None:
                initial.update(meeting=meeting, body=meeting.body_id, due_date=None)
        elif body_id.isdigit():
            initial["body"] = Body.objects.for_org(self.org).filter(pk=int(body_id)).first()
        return initial

    def perform(self, data: dict[str, Any]) -> Decision:
        return services.decision_create(org=self.org, body=data["body"], meeting=data["meeting"], text=data["text"],
                                        owner=data["owner"], due_date=data["due_date"], status=data["status"])

    def success_url_for(self, result: Decision) -> str:
        if result.meeting_id:
            return reverse("governance:meeting-detail", args=[result.meeting_id])
        return reverse("governance:body-detail", args=[result.body_id])

    def cancel_url(self) -> str:
        return reverse("governance:decision-list")


class DecisionEditView(ObjectServiceFormView):
    model = Decision
    form_class = forms.DecisionForm
    title = gettext_lazy("Edit decision")
    gov_tab = "decisions"
    success_message = gettext_lazy("Decision saved.")

    def get_initial(self) -> dict[str, Any]:
        d = self.object
        return {"body": d.body_id, "meeting": d.meeting_id, "text": d.text, "owner": d.owner_id,
                "due_date": d.due_date, "status": d.status}

    def perform(self, data: dict[str, Any]) -> Decision:
        return services.decision_update(
            org=self.org, decision=self.object, body=data["body"], meeting=data["meeting"], text=data["text"],
            owner=data["owner"], due_date=data["due_date"], status=data["status"],
        )

    def success_url_for(self, result: Decision) -> str:
        return reverse("governance:body-detail", args=[result.body_id])

    def cancel_url(self) -> str:
        return reverse("governance:body-detail", args=[self.object.body_id])


class DecisionStatusView(ObjectServiceFormView):
    """Mark a decision done, dropped or open again (a one-button form on the lists)."""

    model = Decision
    form_class = forms.DecisionStatusForm
    template_name = "governance/confirm.html"
    gov_tab = "decisions"
    submit_label = gettext_lazy("Change status")
    # The owner of an action may close it; anyone else needs programme.manage (checked in get_object).
    required_op = Op.PROGRAMME_VIEW
    object_rules = {"get": ObjectRule.DECISION_OWNER, "post": ObjectRule.DECISION_OWNER}

    def get_object(self) -> Decision:
        decision = super().get_object()
        may_manage = role_allows(self.request.membership.role, Op.PROGRAMME_MANAGE)
        if not may_manage and decision.owner_id != self.request.user.pk:
            raise PermissionDenied
        return decision

    @property
    def title(self) -> str:
        return _("Change the status of this decision")

    @property
    def intro(self) -> str:
        return self.object.text

    def get_initial(self) -> dict[str, Any]:
        return {"status": self.request.GET.get("status") or Decision.Status.DONE}

    def perform(self, data: dict[str, Any]) -> Decision:
        return services.decision_status_set(org=self.org, decision=self.object, status=data["status"])

    def success_url_for(self, result: Decision) -> str:
        back = self.request.POST.get("next", "")
        if back in (reverse("governance:my-actions"), reverse("governance:decision-list")):
            return back
        return reverse("governance:body-detail", args=[result.body_id])

    def cancel_url(self) -> str:
        return reverse("governance:decision-list")


# --- charter -------------------------------------------------------------------------------------


class CharterView(CanManageMixin, OrgView, TemplateView):
    template_name = "governance/charter.html"
    gov_tab = "charter"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["charter"] = selectors.charter_get(org=self.org)
        lines = selectors.budget_lines(org=self.org)
        context["budget_lines"] = lines
        year = selectors.today_for(self.org).year
        context["budget_form"] = forms.BudgetYearForm(org=self.org, initial={"year": year})
        return context


class CharterEditView(ServiceFormView):
    form_class = forms.CharterForm
    title = gettext_lazy("Edit the programme charter")
    gov_tab = "charter"
    success_message = gettext_lazy("Charter saved.")

    def get_initial(self) -> dict[str, Any]:
        charter = selectors.charter_get(org=self.org)
        if charter is None:
            return {}
        return {
            "vision": charter.vision, "guidelines": charter.guidelines,
            "custom_guidelines": "\n".join(charter.custom_guidelines), "roi_indicators": charter.roi_indicators,
            "custom_roi_indicators": "\n".join(charter.custom_roi_indicators),
        }

    def perform(self, data: dict[str, Any]) -> Any:
        return services.charter_update(org=self.org, **data)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:charter")

    def cancel_url(self) -> str:
        return reverse("governance:charter")


class BudgetYearSetView(ServiceFormView):
    form_class = forms.BudgetYearForm
    title = gettext_lazy("Budget of a year")
    intro = gettext_lazy("Setting the budget of a year that already has one replaces it.")
    gov_tab = "charter"
    success_message = gettext_lazy("Budget saved.")

    def perform(self, data: dict[str, Any]) -> BudgetYear:
        return services.budget_year_set(org=self.org, year=data["year"], planned=data["planned"], note=data["note"])

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:charter")

    def cancel_url(self) -> str:
        return reverse("governance:charter")


class BudgetYearDeleteView(ConfirmDeleteView):
    model = BudgetYear
    gov_tab = "charter"
    success_message = gettext_lazy("Budget deleted.")

    @property
    def title(self) -> str:
        return _("Delete the budget of %(year)s?") % {"year": self.object.year}

    def perform(self, data: dict[str, Any]) -> None:
        services.budget_year_delete(org=self.org, budget=self.object)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:charter")

    def cancel_url(self) -> str:
        return reverse("governance:charter")


# --- roadmap -------------------------------------------------------------------------------------


class RoadmapView(CanManageMixin, OrgView, TemplateView):
    template_name = "governance/roadmap.html"
    gov_tab = "roadmap"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        steps = services.roadmap_ensure(org=self.org)
        context["steps"] = steps
        context["done_count"] = sum(1 for s in steps if s.status == RoadmapStep.Status.DONE)
        context["swot"] = selectors.swot(org=self.org)
        context["stakeholders"] = selectors.change_stakeholders(org=self.org)
        return context


class RoadmapStepEditView(ObjectServiceFormView):
    model = RoadmapStep
    form_class = forms.RoadmapStepForm
    gov_tab = "roadmap"
    success_message = gettext_lazy("Step saved.")

    @property
    def title(self) -> str:
        return str(self.object)

    def get_initial(self) -> dict[str, Any]:
        s = self.object
        return {"status": s.status, "start_date": s.start_date, "end_date": s.end_date, "evidence": s.evidence,
                "evidence_url": s.evidence_url}

    def perform(self, data: dict[str, Any]) -> RoadmapStep:
        return services.roadmap_step_update(org=self.org, step=self.object, **data)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:roadmap") + f"#step-{self.object.step}"

    def cancel_url(self) -> str:
        return reverse("governance:roadmap")


class SwotItemAddView(ServiceFormView):
    form_class = forms.SwotItemForm
    title = gettext_lazy("Add to the CX SWOT")
    gov_tab = "roadmap"
    submit_label = gettext_lazy("Add")

    def get_initial(self) -> dict[str, Any]:
        return {"quadrant": self.request.GET.get("quadrant", "")}

    def perform(self, data: dict[str, Any]) -> SwotItem:
        return services.swot_item_add(org=self.org, quadrant=data["quadrant"], text=data["text"])

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:roadmap") + "#swot"

    def cancel_url(self) -> str:
        return reverse("governance:roadmap") + "#swot"


class SwotItemDeleteView(ConfirmDeleteView):
    model = SwotItem
    gov_tab = "roadmap"

    @property
    def title(self) -> str:
        return _("Delete “%(text)s” from the SWOT?") % {"text": self.object.text}

    def perform(self, data: dict[str, Any]) -> None:
        services.swot_item_delete(org=self.org, item=self.object)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:roadmap") + "#swot"

    def cancel_url(self) -> str:
        return reverse("governance:roadmap") + "#swot"


class StakeholderAddView(ServiceFormView):
    form_class = forms.StakeholderForm
    title = gettext_lazy("Add a person to the map of the change")
    gov_tab = "roadmap"
    submit_label = gettext_lazy("Add")

    def perform(self, data: dict[str, Any]) -> ChangeStakeholder:
        return services.change_stakeholder_add(org=self.org, **data)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:roadmap") + "#stakeholders"

    def cancel_url(self) -> str:
        return reverse("governance:roadmap") + "#stakeholders"


class StakeholderEditView(ObjectServiceFormView):
    model = ChangeStakeholder
    form_class = forms.StakeholderForm
    gov_tab = "roadmap"

    @property
    def title(self) -> str:
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_initial(self) -> dict[str, Any]:
        s = self.object
        return {"name": s.name, "area": s.area, "stance": s.stance, "influence": s.influence, "note": s.note}

    def perform(self, data: dict[str, Any]) -> ChangeStakeholder:
        return services.change_stakeholder_update(org=self.org, stakeholder=self.object, **data)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:roadmap") + "#stakeholders"

    def cancel_url(self) -> str:
        return reverse("governance:roadmap") + "#stakeholders"


class StakeholderDeleteView(ConfirmDeleteView):
    model = ChangeStakeholder
    gov_tab = "roadmap"

    @property
    def title(self) -> str:
        return _("Remove %(name)s from the map?") % {"name": self.object.name}

    def perform(self, data: dict[str, Any]) -> None:
        services.change_stakeholder_delete(org=self.org, stakeholder=self.object)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:roadmap") + "#stakeholders"

    def cancel_url(self) -> str:
        return reverse("governance:roadmap") + "#stakeholders"


# --- accountability ------------------------------------------------------------------------------


class GoalListView(CanManageMixin, OrgView, TemplateView):
    template_name = "governance/goal_list.html"
    gov_tab = "goals"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        attainments = selectors.goals_attainment(org=self.org)
        context["attainments"] = attainments
        context["counts"] = {
            state: sum(1 for a in attainments if a.state == state) for state in ("on", "off", "no_data")
        }
        return context


class _GoalFormMixin:
    def perform_kwargs(self, data: dict[str, Any]) -> dict[str, Any]:
        return {k: data[k] for k in ("user", "body", "metric", "touchpoint", "journey", "period_kind",
                                     "period_start", "target")}

    def success_url_for(self, result: Goal) -> str:
        return reverse("governance:goal-list")

    def cancel_url(self) -> str:
        return reverse("governance:goal-list")


class GoalCreateView(_GoalFormMixin, ServiceFormView):
    form_class = forms.GoalForm
    title = gettext_lazy("New CX goal")
    gov_tab = "goals"
    success_message = gettext_lazy("Goal saved.")

    def get_initial(self) -> dict[str, Any]:
        return {"period_start": selectors.today_for(self.org)}

    def perform(self, data: dict[str, Any]) -> Goal:
        return services.goal_create(org=self.org, **self.perform_kwargs(data))


class GoalEditView(_GoalFormMixin, ObjectServiceFormView):
    model = Goal
    form_class = forms.GoalForm
    title = gettext_lazy("Edit CX goal")
    gov_tab = "goals"
    success_message = gettext_lazy("Goal saved.")

    def get_initial(self) -> dict[str, Any]:
        g = self.object
        return {"user": g.user_id, "body": g.body_id, "metric": g.metric_id, "touchpoint": g.touchpoint_id,
                "journey": g.journey_id, "period_kind": g.period_kind, "period_start": g.period_start,
                "target": g.target}

    def perform(self, data: dict[str, Any]) -> Goal:
        return services.goal_update(org=self.org, goal=self.object, **self.perform_kwargs(data))


class GoalDeleteView(ConfirmDeleteView):
    model = Goal
    gov_tab = "goals"
    success_message = gettext_lazy("Goal deleted.")

    @property
    def title(self) -> str:
        return _("Delete this goal?")

    def perform(self, data: dict[str, Any]) -> None:
        services.goal_delete(org=self.org, goal=self.object)

    def success_url_for(self, result: Any) -> str:
        return reverse("governance:goal-list")

    def cancel_url(self) -> str:
        return reverse("governance:goal-list")
