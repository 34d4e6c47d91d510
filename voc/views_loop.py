"""Pages of closing the loop: follow-up cases (inner loop), the root-cause list, and insights (the
Distribute step). Thin: forms parse, services decide, selectors read.

The outer-loop pages (the root-cause matrix and "create initiative from this root cause") read and
create initiatives, so they live in ``initiatives.views_outer_loop``: voc never imports initiatives.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView

from cxgov.tenancy.roles import ObjectRule, Op, role_allows
from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors, services
from .forms_loop import (
    CaseAssignForm,
    CaseCloseForm,
    CaseContactForm,
    CaseDueForm,
    CaseFilterForm,
    InsightForm,
    RootCauseForm,
    RootCauseRenameForm,
    StakeholdersForm,
)
from .models import FollowUpCase, Insight, InsightRecipient, Journey, RootCause


def _form_errors_from(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: by field where the form has it, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages_ in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


# --- cases -------------------------------------------------------------------------------------

class CaseListView(OrgView, TenantObjectMixin, ListView):
    """Every member sees the cases; the filters narrow them (status, overdue, mine, where, age)."""

    model = FollowUpCase
    template_name = "voc/loop/case_list.html"
    context_object_name = "cases"
    paginate_by = 50

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.filters = CaseFilterForm(request.GET or None, org=self.org)
        self.today = selectors.org_today(org=self.org)
        return super().get(request, *args, **kwargs)

    def scope_queryset(self, qs):
        data = self.filters.cleaned_data if self.filters.is_bound and self.filters.is_valid() else {}
        return selectors.case_list(
            org=self.org, status=data.get("status") or None, overdue=bool(data.get("overdue")),
            owner=self.request.user if data.get("mine") else None, touchpoint=data.get("touchpoint"),
            journey=data.get("journey"), age=data.get("age") or None, today=self.today,
            viewer=self.request.user, viewer_role=self.request.membership.role,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filters=self.filters, today=self.today, summary=selectors.case_summary(
                org=self.org, user=self.request.user, role=self.request.membership.role, today=self.today
            ),
            query=query.urlencode(),
        )
        return context


class CaseDetailView(OrgView, TenantObjectMixin, DetailView):
    model = FollowUpCase
    object_rules = {"get": ObjectRule.CASE_READER}
    template_name = "voc/loop/case_detail.html"
    context_object_name = "case"

    def scope_queryset(self, qs):
        # Another member's case is "not found" for someone who may only see their own.
        return selectors.case_list(org=self.org, viewer=self.request.user, viewer_role=self.request.membership.role)

    def can_work(self) -> bool:
        return services.case_can_work(
            org=self.org, user=self.request.user, case=self.object, role=self.request.membership.role
        )

    def get_context_data(self, bound: dict[str, Form] | None = None, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        forms = {
            "contact_form": CaseContactForm(org=self.org),
            "close_form": CaseCloseForm(org=self.org),
            "assign_form": CaseAssignForm(org=self.org, initial={"owner": self.object.owner_id}),
            "due_form": CaseDueForm(org=self.org, initial={"due_date": self.object.due_date}),
        }
        forms.update(bound or {})
        context.update(forms)
        context.update(
            events=selectors.case_events(org=self.org, case=self.object), can_work=self.can_work(),
            is_final=self.object.status in selectors.CASE_FINAL_STATUSES,
            has_root_causes=bool(forms["close_form"].fields["root_cause"].queryset),
        )
        return context


class _RedirectGetMixin:
    """Action endpoints answer POST; a GET (a reload, a shared link) finds the object first, so
    another organization's id is a 404 like a missing one, then goes back to its page."""

    http_method_names = ["get", "post"]

    def back_url(self, obj) -> str:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponseRedirect(self.back_url(self.get_object()))


class _CaseActionView(_RedirectGetMixin, CaseDetailView):
    """POST one action on a case; on bad input the case page comes back with the form's errors."""

    object_rules = {"get": ObjectRule.CASE_READER, "post": ObjectRule.CASE_OWNER}

    def back_url(self, obj) -> str:
        return reverse("voc:case-detail", kwargs={"pk": obj.pk})
    form_class: type[Form]
    form_key: str
    done_message = ""

    def act(self, form: Form) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        if not self.can_work():
            raise PermissionDenied
        form = self.form_class(request.POST, org=self.org)
        if form.is_valid():
            try:
                self.act(form)
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, self.done_message)
                return redirect("voc:case-detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(bound={self.form_key: form}), status=400)


class CaseContactView(_CaseActionView):
    form_class, form_key = CaseContactForm, "contact_form"

    def act(self, form: Form) -> None:
        services.case_contact(org=self.org, by=self.request.user, case=self.object, note=form.cleaned_data["note"])
        self.done_message = _("Marked as contacted.")


class CaseCloseView(_CaseActionView):
    form_class, form_key = CaseCloseForm, "close_form"

    def act(self, form: Form) -> None:
        data = form.cleaned_data
        services.case_close(org=self.org, by=self.request.user, case=self.object, status=data["status"],
                            root_cause=data["root_cause"], resolution=data["resolution"])
        self.done_message = _("The case is closed.")


class CaseAssignView(_CaseActionView):
    form_class, form_key = CaseAssignForm, "assign_form"

    def act(self, form: Form) -> None:
        services.case_assign(org=self.org, by=self.request.user, case=self.object, owner=form.cleaned_data["owner"])
        self.done_message = _("The case has a new owner.")


class CaseDueView(_CaseActionView):
    form_class, form_key = CaseDueForm, "due_form"

    def act(self, form: Form) -> None:
        services.case_due_date_set(org=self.org, by=self.request.user, case=self.object,
                                   due_date=form.cleaned_data["due_date"])
        self.done_message = _("The due date is changed.")


# --- root causes ------------------------------------------------------------------------------

class RootCauseListView(OrgView, TenantObjectMixin, ListView):
    """The organization's list of root causes: add, rename, deactivate (CX leads)."""

    required_op = Op.PROGRAMME_MANAGE
    model = RootCause
    template_name = "voc/loop/rootcause_list.html"
    context_object_name = "root_causes"

    def scope_queryset(self, qs):
        return selectors.root_cause_list(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", RootCauseForm(org=self.org))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = RootCauseForm(request.POST, org=self.org)
        if form.is_valid():
            try:
                cause = services.root_cause_create(org=self.org, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                messages.success(request, _("Root cause “%(name)s” added.") % {"name": cause.name})
                return redirect("voc:rootcause-list")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RootCauseUpdateView(_RedirectGetMixin, OrgView, TenantObjectMixin, DetailView):
    """POST: rename, deactivate, reactivate or delete (only when no case uses it) one root cause."""

    required_op = Op.PROGRAMME_MANAGE
    model = RootCause

    def back_url(self, obj) -> str:
        return reverse("voc:rootcause-list")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        cause = self.get_object()
        action = request.POST.get("action", "")
        try:
            if action == "rename":
                form = RootCauseRenameForm(request.POST, org=self.org)
                if not form.is_valid():
                    raise ValidationError({"name": form.errors.get("name", [_("This field is required.")])})
                services.root_cause_update(org=self.org, root_cause=cause, name=form.cleaned_data["name"])
                messages.success(request, _("Renamed."))
            elif action in ("deactivate", "activate"):
                services.root_cause_update(org=self.org, root_cause=cause, is_active=action == "activate")
                messages.success(request, _("Saved."))
            elif action == "delete":
                services.root_cause_delete(org=self.org, root_cause=cause)
                messages.success(request, _("Deleted."))
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, f"{cause.name}: {text}")
        return redirect("voc:rootcause-list")


# --- insights ---------------------------------------------------------------------------------

class InsightListView(OrgView, TenantObjectMixin, ListView):
    model = Insight
    template_name = "voc/loop/insight_list.html"
    context_object_name = "insights"
    paginate_by = 50

    def scope_queryset(self, qs):
        return selectors.insight_list(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["journeys"] = selectors.journey_list(org=self.org)
        return context


class InsightForMeView(OrgView, TenantObjectMixin, ListView):
    model = InsightRecipient
    template_name = "voc/loop/insight_mine.html"
    context_object_name = "received"
    paginate_by = 50

    def scope_queryset(self, qs):
        return selectors.insights_for_user(org=self.org, user=self.request.user)


class InsightDetailView(OrgView, TenantObjectMixin, DetailView):
    """One insight with its evidence and recipients; opening it marks it read for a recipient."""

    model = Insight
    template_name = "voc/loop/insight_detail.html"
    context_object_name = "insight"

    def scope_queryset(self, qs):
        return qs.select_related("journey", "created_by").prefetch_related("touchpoints")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        services.insight_mark_read(org=self.org, user=self.request.user, insight=self.object)
        context.update(selectors.insight_evidence(org=self.org, insight=self.object))
        context["recipients"] = selectors.insight_recipients(org=self.org, insight=self.object)
        context["can_manage"] = role_allows(self.request.membership.role, Op.PROGRAMME_MANAGE)
        if self.object.journey_id and context["can_manage"]:
            journey = self.object.journey
            context["stakeholders_form"] = StakeholdersForm(
                org=self.org, initial={"stakeholders": list(journey.stakeholders.all())}
            )
        return context


class InsightCreateView(OrgView, TemplateView):
    """Write an insight: pick the journey first (?journey=), then touchpoints and evidence."""

    required_op = Op.PROGRAMME_MANAGE
    template_name = "voc/loop/insight_form.html"

    def _journey(self) -> Journey | None:
        """The chosen journey; another organization's id answers 404 like a missing one."""
        raw = self.request.POST.get("journey") or self.request.GET.get("journey")
        if not raw:
            return None
        journey = Journey.objects.for_org(self.org).filter(pk=int(raw)).first() if str(raw).isdigit() else None
        if journey is None:
            raise Http404
        return journey

    def get_context_data(self, form: InsightForm | None = None, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        journey = self._journey()
        context["journey"] = journey
        context["journeys"] = selectors.journey_list(org=self.org)
        if journey is not None:
            context["form"] = form or InsightForm(org=self.org, journey=journey)
            context["stakeholders_form"] = StakeholdersForm(
                org=self.org, initial={"stakeholders": list(journey.stakeholders.all())}
            )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        journey = self._journey()
        if journey is None:
            raise Http404
        form = InsightForm(request.POST, org=self.org, journey=journey)
        if form.is_valid():
            data = form.cleaned_data
            try:
                insight = services.insight_create(
                    org=self.org, by=request.user, title=data["title"], body=data["body"], journey=journey,
                    touchpoints=form.chosen_touchpoints(), response_ids=[int(i) for i in data["responses"]],
                    rollups=form.rollup_refs(), links=data["links"],
                )
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                if request.POST.get("distribute"):
                    try:
                        sent = services.insight_distribute(org=self.org, by=request.user, insight=insight)
                        messages.success(request, _("Insight saved and sent to %(n)d stakeholders.") % {"n": len(sent)})
                    except ValidationError as exc:
                        messages.warning(request, " ".join(exc.messages))
                else:
                    messages.success(request, _("Insight saved."))
                return redirect("voc:insight-detail", pk=insight.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class InsightDistributeView(_RedirectGetMixin, OrgView, TenantObjectMixin, DetailView):
    required_op = Op.PROGRAMME_MANAGE
    model = Insight

    def back_url(self, obj) -> str:
        return reverse("voc:insight-detail", kwargs={"pk": obj.pk})

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        insight = self.get_object()
        try:
            sent = services.insight_distribute(org=self.org, by=request.user, insight=insight)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if sent:
                messages.success(request, _("Sent to %(n)d stakeholders.") % {"n": len(sent)})
            else:
                messages.info(request, _("Every stakeholder of the journey has already received it."))
        return redirect("voc:insight-detail", pk=insight.pk)


class JourneyStakeholdersView(_RedirectGetMixin, OrgView, TenantObjectMixin, DetailView):
    """POST: set a journey's stakeholders (members only); back to the page it came from."""

    required_op = Op.PROGRAMME_MANAGE
    model = Journey

    def back_url(self, obj) -> str:
        return reverse("voc:insight-create") + f"?journey={obj.pk}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        journey = self.get_object()
        form = StakeholdersForm(request.POST, org=self.org)
        if form.is_valid():
            try:
                services.journey_stakeholders_set(
                    org=self.org, journey=journey, users=form.cleaned_data["stakeholders"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Stakeholders of %(journey)s saved.") % {"journey": journey.name})
        else:
            messages.error(request, _("Choose members of the organization only."))
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/"):
            back = reverse("voc:insight-list")
        return HttpResponseRedirect(back)
