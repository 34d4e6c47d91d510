"""Pages of the CX PMO: portfolio list, board, timeline, risk heat map, budget, export and print;
one initiative with its schedule, risks, KPIs and status reports; their forms.

Views are thin: forms validate, ``services`` write, ``selectors`` read. Editing needs
``programme.manage`` or the initiative's team grant (``selectors.initiative_can_edit``); lists ask
once which initiatives the user may edit (``initiative_ids_editable``), never per row.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from cxgov.tenancy.roles import ObjectRule, Op, role_allows
from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import charts, selectors, services
from .filters import InitiativePageFilter
from .forms import InitiativeForm, KpiForm, MilestoneForm, RiskForm, StatusReportForm, TransitionForm, apply_errors
from .models import HIGH_EXPOSURE, Initiative, InitiativeKpi, Milestone, Risk
from .outer_loop import initiative_impact

SORTABLE = ["title", "status", "priority", "health", "due_date", "owner"]


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _moves(initiative: Initiative, *, can_reopen: bool) -> list[tuple[str, str]]:
    labels = dict(Initiative.Status.choices)
    return [
        (status, str(labels[status])) for status in services.TRANSITIONS[initiative.status]
        if can_reopen or initiative.status not in services.REOPEN_FROM
    ]


class _Portfolio(OrgView):
    """Shared context of the portfolio pages: the tabs, and what the user may do."""

    tab = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tab"] = self.tab
        context["can_manage"] = role_allows(self.request.membership.role, Op.PROGRAMME_MANAGE)
        return context


# --- portfolio -----------------------------------------------------------------------------------

class InitiativeListView(_Portfolio, TenantObjectMixin, ListView):
    model = Initiative
    template_name = "initiatives/initiative_list.html"
    context_object_name = "initiatives"
    paginate_by = 50
    tab = "list"

    def scope_queryset(self, qs):
        self.filterset = InitiativePageFilter(
            self.request.GET or None, queryset=selectors.initiative_list(org=self.org), request=self.request
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["initiatives"] = selectors.portfolio_flags(list(context["object_list"]))
        context["filter"] = self.filterset
        params = self.request.GET.copy()
        params.pop("page", None)
        current = params.get("ordering", "")
        sort_links = {}
        for name in SORTABLE:
            sort_params = params.copy()
            sort_params["ordering"] = f"-{name}" if current == name else name
            sort_links[name] = {
                "url": "?" + sort_params.urlencode(),
                "dir": "asc" if current == name else "desc" if current == f"-{name}" else "",
            }
        context["sort"] = sort_links
        context["query"] = params.urlencode()
        context["filtered"] = any(v for k, v in params.items() if k != "ordering")
        return context


class InitiativeBoardView(_Portfolio, TemplateView):
    template_name = "initiatives/initiative_board.html"
    tab = "board"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        role = self.request.membership.role
        editable = selectors.initiative_ids_editable(org=self.org, user=self.request.user, role=role)
        can_reopen = role_allows(role, Op.PROGRAMME_MANAGE)
        columns = selectors.initiative_board(org=self.org)
        for column in columns:
            for card in column.cards:
                card.moves = _moves(card, can_reopen=can_reopen) if card.pk in editable else []
        context["columns"] = columns
        context["transitions"] = {k: list(v) for k, v in services.TRANSITIONS.items()}
        return context


class InitiativeTimelineView(_Portfolio, TemplateView):
    template_name = "initiatives/initiative_timeline.html"
    tab = "timeline"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = selectors.timeline_portfolio(org=self.org, today=today)
        context["rows"] = rows
        context["figure"] = charts.gantt_figure(rows, today=today) if rows else None
        return context


class RiskHeatmapView(_Portfolio, TemplateView):
    template_name = "initiatives/risk_heatmap.html"
    tab = "risks"

    def _rating(self, name: str) -> int | None:
        value = self.request.GET.get(name, "")
        return int(value) if value in {"1", "2", "3", "4", "5"} else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        probability, impact = self._rating("probability"), self._rating("impact")
        context["grid"] = charts.heatmap_grid(selectors.risk_counts(org=self.org), high=HIGH_EXPOSURE)
        context["risks"] = list(selectors.risk_list(org=self.org, probability=probability, impact=impact)[:500])
        context["probability"], context["impact"] = probability, impact
        context["high_exposure"] = HIGH_EXPOSURE
        return context


class BudgetView(_Portfolio, TemplateView):
    template_name = "initiatives/budget.html"
    tab = "budget"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        years = selectors.budget_by_year(org=self.org)
        year_param = self.request.GET.get("year", "")
        year = int(year_param) if year_param.isdigit() and any(r["year"] == int(year_param) for r in years) else None
        context["years"] = years
        context["year"] = year
        context["levers"] = selectors.budget_by_lever(org=self.org, year=year)
        context["totals"] = {
            key: sum((r[key] for r in years), 0) for key in ("initiatives", "planned", "actual", "benefit")
        }
        return context


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_safe(value: Any) -> str:
    """A cell value that a spreadsheet will not run as a formula: text starting with = + - @ (or a
    tab / carriage return) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class PortfolioCsvView(OrgView, View):
    """The portfolio (the list's filters apply) as a streaming CSV, safe against formula injection."""

    def get(self, request: HttpRequest) -> StreamingHttpResponse:
        org = self.org
        filterset = InitiativePageFilter(
            request.GET or None, queryset=selectors.initiative_list(org=org), request=request
        )
        head = [
            _("id"), _("title"), _("status"), _("health"), _("priority"), _("owner"), _("levers"), _("journeys"),
            _("CEM step"), _("transformation step"), _("kind of change"), _("short-term win"), _("start date"),
            _("due date"), _("planned cost"), _("actual cost"), _("expected benefit"), _("benefit metric"),
            _("ROI %"), _("last status report"), _("overdue milestones"),
        ]

        def rows():
            writer = csv.writer(_Echo())
            yield "\ufeff" + writer.writerow(head)
            for initiative in filterset.qs.iterator(chunk_size=500):
                yield writer.writerow([csv_safe(v) for v in (
                    initiative.pk, initiative.title, initiative.get_status_display(), initiative.get_health_display(),
                    initiative.get_priority_display(), initiative.owner or "",
                    "; ".join(lever.name for lever in initiative.lever_list),
                    "; ".join(j.name for j in initiative.journey_list),
                    initiative.get_cem_step_display(), initiative.get_transformation_step_display(),
                    initiative.get_change_kind_display(), _("yes") if initiative.short_term_win else _("no"),
                    initiative.start_date or "", initiative.due_date or "", initiative.planned_cost,
                    initiative.actual_cost, initiative.expected_benefit, initiative.benefit_metric,
                    "" if initiative.roi_percent is None else initiative.roi_percent,
                    initiative.last_report_on or "", initiative.overdue_milestones,
                )])

        stamp = timezone.localdate().isoformat()
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="portfolio-{org.slug}-{stamp}.csv"'
        return response


class PortfolioReportView(_Portfolio, TemplateView):
    """A printable portfolio report (print stylesheet in initiatives.css)."""

    template_name = "initiatives/portfolio_report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        initiatives = selectors.portfolio_flags(list(selectors.initiative_list(org=self.org)))
        context["initiatives"] = initiatives
        context["summary"] = selectors.initiative_summary(org=self.org)
        context["years"] = selectors.budget_by_year(org=self.org)
        context["risks"] = selectors.risks_high(org=self.org)
        context["today"] = timezone.localdate()
        return context


# --- one initiative ------------------------------------------------------------------------------

class InitiativeDetailView(OrgView, TenantObjectMixin, DetailView):
    model = Initiative
    template_name = "initiatives/initiative_detail.html"
    context_object_name = "initiative"

    def scope_queryset(self, qs):
        return selectors.initiative_detail_queryset(org=self.org).annotate(
            last_report_on=selectors.last_report_on_subquery(self.org)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        initiative = self.object
        today = timezone.localdate()
        role = self.request.membership.role
        initiative.overdue_milestones = sum(1 for m in initiative.milestone_list if m.is_overdue(today))
        selectors.portfolio_flags([initiative], today=today)
        for milestone in initiative.milestone_list:
            milestone.overdue = milestone.is_overdue(today)
            milestone.blocked = any(d.done_at is None for d in milestone.dependency_list)
        can_edit = selectors.initiative_can_edit(org=self.org, user=self.request.user, initiative=initiative, role=role)
        context["can_edit"] = can_edit
        context["moves"] = _moves(initiative, can_reopen=role_allows(role, Op.PROGRAMME_MANAGE)) if can_edit else []
        rows = selectors.timeline_initiative(initiative=initiative, today=today)
        context["gantt"] = charts.gantt_figure(rows, today=today) if rows else None
        for kpi in initiative.kpi_list:
            kpi.initiative = initiative
        kpis = selectors.kpi_list_with_values(org=self.org, kpis=list(initiative.kpi_list))
        for kpi in kpis:
            kpi.island_id = f"kpi-{kpi.pk}"
            kpi.figure = charts.kpi_figure(
                kpi.values.series, start=initiative.start_date, target=kpi.target, baseline=kpi.baseline,
                min_n=kpi.metric.min_n, title=kpi.metric.name,
            ) if kpi.values.series else None
            kpi.low_n = kpi.values.current is not None and kpi.values.current.n < kpi.metric.min_n
        context["kpis"] = kpis
        context["trend"] = charts.health_trend(initiative.report_list)
        # The outer loop's check (initiatives.outer_loop): did the touchpoint it came from improve?
        context["impact"] = (
            initiative_impact(org=self.org, initiative=initiative) if initiative.origin_touchpoint_id else None
        )
        context["high_exposure"] = HIGH_EXPOSURE
        context["today"] = today
        return context


class InitiativeCreateView(OrgView, FormView):
    required_op = Op.PROGRAMME_MANAGE
    template_name = "initiatives/initiative_form.html"
    form_class = InitiativeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["org"] = self.org
        kwargs.setdefault("initial", {})["owner"] = self.request.user.pk
        return kwargs

    def form_valid(self, form: InitiativeForm) -> HttpResponse:
        data = {k: form.cleaned_data[k] for k in services.INITIATIVE_FIELDS if k in form.cleaned_data}
        try:
            initiative = services.initiative_create(
                org=self.org, by=self.request.user, team=list(form.cleaned_data.get("team") or []), **data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Initiative created."))
        return redirect("initiatives:initiative-detail", pk=initiative.pk)


class _EditObjectView(OrgView, TenantObjectMixin, SingleObjectMixin, FormView):
    """An edit form on an initiative or one of its rows; 403 unless the user may edit the initiative."""

    object_rules = {"get": ObjectRule.INITIATIVE_TEAM, "post": ObjectRule.INITIATIVE_TEAM}
    template_name = "initiatives/form.html"
    anchor = ""
    heading = ""
    submit = ""

    def initiative(self) -> Initiative:
        return self.object if isinstance(self.object, Initiative) else self.object.initiative

    def load(self) -> None:
        self.object = self.get_object()
        allowed = selectors.initiative_can_edit(
            org=self.org, user=self.request.user, initiative=self.initiative(), role=self.request.membership.role
        )
        if not allowed:
            raise PermissionDenied

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        return super().post(request, *args, **kwargs)

    def get_success_url(self) -> str:
        return reverse("initiatives:initiative-detail", args=[self.initiative().pk]) + self.anchor

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["initiative"] = self.initiative()
        context["heading"] = self.heading
        context["submit"] = self.submit or _("Save")
        context["cancel_url"] = self.get_success_url()
        return context

    def save(self, form: Any) -> Any:
        raise NotImplementedError

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            self.save(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(self.get_success_url())


class InitiativeUpdateView(_EditObjectView):
    model = Initiative
    form_class = InitiativeForm
    template_name = "initiatives/initiative_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        kwargs["can_manage_team"] = role_allows(self.request.membership.role, Op.PROGRAMME_MANAGE)
        return kwargs

    def save(self, form: InitiativeForm) -> Any:
        data = {k: form.cleaned_data[k] for k in services.INITIATIVE_FIELDS if k in form.cleaned_data}
        services.initiative_update(org=self.org, initiative=self.object, by=self.request.user, **data)
        if not form.fields["team"].disabled:
            services.initiative_team_set(org=self.org, initiative=self.object, team=list(form.cleaned_data["team"]))


class MilestoneCreateView(_EditObjectView):
    model = Initiative
    form_class = MilestoneForm
    anchor = "#schedule"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "initiative": self.object}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "heading": _("Add a milestone or task"), "submit": _("Add")}

    def save(self, form: MilestoneForm) -> Any:
        data = dict(form.cleaned_data)
        services.milestone_create(org=self.org, initiative=self.object, **data)


class MilestoneUpdateView(_EditObjectView):
    model = Milestone
    form_class = MilestoneForm
    anchor = "#schedule"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.object, "initiative": self.object.initiative}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "heading": _("Edit milestone")}

    def save(self, form: MilestoneForm) -> Any:
        services.milestone_update(org=self.org, milestone=self.object, **form.cleaned_data)


class RiskCreateView(_EditObjectView):
    model = Initiative
    form_class = RiskForm
    anchor = "#risks"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "heading": _("Register a risk or issue"), "submit": _("Add")}

    def save(self, form: RiskForm) -> Any:
        services.risk_create(org=self.org, initiative=self.object, **form.cleaned_data)


class RiskUpdateView(_EditObjectView):
    model = Risk
    form_class = RiskForm
    anchor = "#risks"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "heading": _("Edit risk")}

    def save(self, form: RiskForm) -> Any:
        services.risk_update(org=self.org, risk=self.object, **form.cleaned_data)


class KpiCreateView(_EditObjectView):
    model = Initiative
    form_class = KpiForm
    anchor = "#kpis"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "heading": _("Add a KPI"), "submit": _("Add")}

    def save(self, form: KpiForm) -> Any:
        services.kpi_create(org=self.org, initiative=self.object, **form.cleaned_data)


class KpiUpdateView(_EditObjectView):
    model = InitiativeKpi
    form_class = KpiForm
    anchor = "#kpis"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "heading": _("Edit KPI")}

    def save(self, form: KpiForm) -> Any:
        data = {k: v for k, v in form.cleaned_data.items() if k != "metric"}
        services.kpi_update(org=self.org, kpi=self.object, **data)


class StatusReportCreateView(_EditObjectView):
    model = Initiative
    form_class = StatusReportForm
    anchor = "#reports"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "heading": _("File a status report"), "submit": _("File report")}

    def save(self, form: StatusReportForm) -> Any:
        services.status_report_create(org=self.org, initiative=self.object, by=self.request.user, **form.cleaned_data)


class _EditActionView(OrgView, TenantObjectMixin, SingleObjectMixin, View):
    """A POST-only action on an initiative or one of its rows (403 unless the user may edit it)."""

    object_rules = {"post": ObjectRule.INITIATIVE_TEAM}
    http_method_names = ["get", "post"]
    anchor = ""

    def initiative(self) -> Initiative:
        return self.object if isinstance(self.object, Initiative) else self.object.initiative

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Another organization's id answers 404 like a missing one, whatever the method; for an
        # object of this organization, GET is simply not what this address does.
        self.get_object()
        return HttpResponseNotAllowed(["POST"])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        initiative = self.initiative()
        if not selectors.initiative_can_edit(org=self.org, user=request.user, initiative=initiative,
                                             role=request.membership.role):
            if _wants_json(request):
                return JsonResponse({"detail": _("You may not change this initiative.")}, status=403)
            raise PermissionDenied
        try:
            result = self.act(request)
        except ValidationError as exc:
            message = " ".join(m for ms in exc.message_dict.values() for m in ms) if hasattr(exc, "error_dict") \
                else " ".join(exc.messages)
            if _wants_json(request):
                return JsonResponse({"detail": message, "errors": getattr(exc, "message_dict", {})}, status=400)
            messages.error(request, message)
            return self.back(initiative)
        if _wants_json(request) and isinstance(result, dict):
            return JsonResponse(result)
        return self.back(initiative)

    def act(self, request: HttpRequest) -> Any:
        raise NotImplementedError

    def back(self, initiative: Initiative) -> HttpResponse:
        target = self.request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()},
                                                      require_https=self.request.is_secure()):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(reverse("initiatives:initiative-detail", args=[initiative.pk]) + self.anchor)


class InitiativeTransitionView(_EditActionView):
    """Move an initiative to another status: the board's drag-and-drop (JSON) and its no-JS form."""

    model = Initiative

    def act(self, request: HttpRequest) -> dict[str, Any]:
        form = TransitionForm(request.POST)
        if not form.is_valid():
            raise ValidationError({"status": [_("Choose a status.")]})
        initiative = services.initiative_transition(
            org=self.org, initiative=self.object, status=form.cleaned_data["status"], by=request.user
        )
        if not _wants_json(request):
            messages.success(request, _("“%(title)s” moved to %(status)s.") % {
                "title": initiative.title, "status": initiative.get_status_display()})
        can_reopen = role_allows(request.membership.role, Op.PROGRAMME_MANAGE)
        return {
            "id": initiative.pk, "status": initiative.status, "label": initiative.get_status_display(),
            "moves": _moves(initiative, can_reopen=can_reopen),
        }


class MilestoneDoneView(_EditActionView):
    model = Milestone
    anchor = "#schedule"

    def act(self, request: HttpRequest) -> None:
        services.milestone_set_done(org=self.org, milestone=self.object, done=request.POST.get("done") == "1")


class MilestoneDeleteView(_EditActionView):
    model = Milestone
    anchor = "#schedule"

    def act(self, request: HttpRequest) -> None:
        services.milestone_delete(org=self.org, milestone=self.object)
        messages.success(request, _("Milestone deleted."))


class RiskDeleteView(_EditActionView):
    model = Risk
    anchor = "#risks"

    def act(self, request: HttpRequest) -> None:
        services.risk_delete(org=self.org, risk=self.object)
        messages.success(request, _("Risk removed."))


class KpiDeleteView(_EditActionView):
    model = InitiativeKpi
    anchor = "#kpis"

    def act(self, request: HttpRequest) -> None:
        services.kpi_delete(org=self.org, kpi=self.object)
        messages.success(request, _("KPI removed."))

