"""The home page: one dashboard per role, read-only, composed from the domain selectors."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView, View

from cxgov.tenancy.roles import Op, Role
from cxgov.tenancy.views_base import OrgView

from . import cx_lead, selectors

TEMPLATES = {
    Role.ADMIN: "dashboards/home_programme.html",
    Role.CX_LEAD: "dashboards/home_cx_lead.html",
    Role.EXECUTIVE: "dashboards/executive.html",
    Role.AMBASSADOR: "dashboards/home_ambassador.html",
    Role.INTEGRATOR: "dashboards/home_integrator.html",
}


# Pages that only read (GET, no form of their own; the selectors they call never write) run outside
# ``ATOMIC_REQUESTS``: no BEGIN / COMMIT round trips for a request that has nothing to commit.
read_only = method_decorator(transaction.non_atomic_requests, name="dispatch")


@read_only
class HomeView(OrgView, TemplateView):
    """``/``: the signed-in member's dashboard for their role in the current organization."""

    def get_template_names(self) -> list[str]:
        return [TEMPLATES[Role(self.request.membership.role)]]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        role = self.request.membership.role
        if role == Role.ADMIN:
            context.update(selectors.home_programme(org=self.org))
        elif role == Role.CX_LEAD:
            context.update(cx_lead.home_cx_lead(org=self.org, user=self.request.user))
        elif role == Role.EXECUTIVE:
            context.update(executive_context(self.request, self.org))
        elif role == Role.AMBASSADOR:
            context.update(selectors.home_ambassador(org=self.org, user=self.request.user))
        else:
            context.update(integrator_context(self.request, self.org))
        return context


@read_only
class ProgrammeView(OrgView, TemplateView):
    """``/programme/``: the programme overview (the admin's home), for the roles that run the
    programme; the CX lead's dashboard links here."""

    required_op = Op.PROGRAMME_MANAGE
    template_name = "dashboards/home_programme.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(selectors.home_programme(org=self.org))
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


@read_only
class IntegratorView(OrgView, TemplateView):
    """``/integrations/``: the integrator page for any role that holds API tokens (admins too); the
    integrator's home shows the same page."""

    required_op = Op.TOKENS_MANAGE
    template_name = "dashboards/home_integrator.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(integrator_context(self.request, self.org))
        return context


def executive_context(request, org) -> dict[str, Any]:
    """The executive dashboard's body (``executive_body``, HTML below the site chrome) for the
    request's filters, from the cache when this organization's data has not changed since (see
    ``freshness``); a bad filter gives ``filter_status`` (400 or 404) and a body explaining it."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from . import freshness

    key = executive_cache_key(request, org)
    if key is not None:
        body = freshness.cache_get(key)
        if isinstance(body, str):
            return {"executive_body": mark_safe(body), "filter_status": None}  # noqa: S308 - our own render
    figures = executive_figures(request, org)
    body = render_to_string("dashboards/_executive_body.html", figures)
    if key is not None and not figures.get("filter_error"):
        freshness.cache_set(key, str(body))
    return {"executive_body": body, "filter_status": figures.get("filter_status")}


def executive_cache_key(request, org) -> str | None:
    """Where the body for this request is cached: the organization (id and creation time, so a
    reused id never meets an old body), its data version, the filters as given, this month (the
    default period and "month in progress" follow it), the language, time zone and role. None when
    it cannot be cached: a filter that will be refused, or the cache unreachable. Reads no table."""
    from django.utils import timezone, translation

    from . import executive, freshness

    raw_period = (request.GET.get("period") or "").strip()
    this_month = executive.org_month(org)
    period = executive.parse_month(raw_period) if raw_period else this_month
    ids = []
    for name in ("journey", "segment"):
        raw = (request.GET.get(name) or "").strip()
        if raw and not (raw.isdigit() and len(raw) < 19):
            return None
        ids.append(str(int(raw)) if raw else "")
    if period is None or not freshness.body_cache_enabled():
        return None
    version = freshness.org_version(org.pk)
    if version is None:
        return None
    parts = [
        "cxgov:dash:executive", str(org.pk), str(int(org.created_at.timestamp() * 1_000_000)), str(version),
        period.isoformat(), *ids, this_month.isoformat(), translation.get_language() or "",
        timezone.get_current_timezone_name(), str(request.membership.role),
    ]
    return ":".join(parts)


def executive_figures(request, org) -> dict[str, Any]:
    """The executive dashboard's figures for the request's filters; a bad filter gives
    ``filter_error`` (message) and ``filter_status`` (400 or 404) instead of the figures."""
    from django.utils import translation

    from . import executive

    try:
        filters = executive.parse_filters(org=org, params=request.GET)
    except executive.FilterError as error:
        return {"filter_error": error.message, "filter_status": error.status,
                "filters": None, "choices": executive.dashboard_filter_choices(org=org),
                "params": request.GET}
    data = executive.executive_dashboard(org=org, filters=filters)
    separators = ",." if translation.get_language() == "es" else ".,"
    return {**data, "choices": filters.choices, "figures": executive_charts(data, separators)}


def executive_charts(data: dict[str, Any], separators: str) -> dict[str, Any]:
    """The plotly figures of the executive dashboard, labels in the active language."""
    from django.utils import dateformat
    from django.utils.translation import gettext as _

    from . import charts

    maturity = data["maturity"]
    rows = maturity["rows"]
    by_status = data["portfolio"]["by_status"]
    figures: dict[str, Any] = {
        "radar": charts.radar_figure(
            [r.lever.name for r in rows], [r.current for r in rows], [r.target for r in rows],
            [r.previous for r in rows],
            labels={"current": _("This period"), "target": _("Target"), "previous": _("Last period")},
            separators=separators,
        ) if rows else None,
        "maturity_trend": charts.line_figure(
            [(s.computed_at, s.overall) for s in maturity["history"]], name=_("Overall maturity"),
            y_range=[0.8, 5.2], separators=separators, monthly=False,
        ) if maturity["history"] else None,
        # Month names in the page's language, as categories (plotly would name dates in English).
        "volume": charts.bar_figure([dateformat.format(m, "M y") for m, _n in data["volume"]],
                                    [n for _m, n in data["volume"]], separators=separators, height=200),
        "status": charts.bar_figure(
            [row["label"] for row in by_status], [row["n"] for row in by_status],
            colors=[charts.STATUS_COLORS.get(row["value"], charts.BRAND) for row in by_status],
            separators=separators, horizontal=True,
        ),
        "budget": charts.bar_figure(
            [_("Planned"), _("Spent")], [data["portfolio"]["planned"], data["portfolio"]["actual"]],
            colors=[charts.BRAND, charts.ACCENT], separators=separators, height=200,
        ),
        "kpis": [],
    }
    for card in data["kpis"]:
        figures["kpis"].append(charts.line_figure(
            [(m, v) for m, v, _n in card.series], name=card.label, target=card.metric.target,
            target_label=_("Target"), ns=[n for _m, _v, n in card.series], separators=separators,
        ))
    for card, figure in zip(data["kpis"], figures["kpis"], strict=True):
        card.figure = figure
        card.island_id = f"kpi-{card.metric.pk}"
    return figures


@read_only
class ExecutiveDashboardView(OrgView, TemplateView):
    """``/dashboard/executive/``: maturity, headline KPIs, moments of truth, portfolio, risks and
    goals for a month, narrowed by journey or segment. Reads rollups and snapshots only."""

    required_op = Op.DASHBOARD_EXECUTIVE
    template_name = "dashboards/executive.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(executive_context(self.request, self.org))
        return context

    def render_to_response(self, context, **response_kwargs):
        response_kwargs.setdefault("status", context.get("filter_status") or 200)
        return super().render_to_response(context, **response_kwargs)


class ExecutiveReportPickView(OrgView, TemplateView):
    """``/reports/executive/``: pick a month (default the last complete one) for the monthly report."""

    required_op = Op.DASHBOARD_EXECUTIVE
    template_name = "dashboards/report_pick.html"

    def get(self, request, *args: Any, **kwargs: Any):
        from django.shortcuts import redirect

        from . import executive, report

        raw = (request.GET.get("month") or "").strip()
        error = None
        if raw:
            month = executive.parse_month(raw)
            if month is not None:
                return redirect("report-executive-month", f"{month.year:04d}", f"{month.month:02d}")
            from django.utils.translation import gettext as _

            error = _("The month must be written as YYYY-MM, for example 2026-10.")
        context = self.get_context_data(default_month=report.last_complete_month(self.org), error=error, raw=raw)
        return self.render_to_response(context, status=400 if error else 200)


class ExecutiveReportMixin(OrgView):
    required_op = Op.DASHBOARD_EXECUTIVE

    def report_context(self) -> dict[str, Any]:
        import datetime as dt

        from django.http import Http404

        from . import report

        year, month = int(self.kwargs["year"]), int(self.kwargs["month"])
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise Http404("No such month")
        period = dt.date(year, month, 1)
        return {**report.monthly_report(org=self.org, month=period), "generated_at": timezone_now()}


def timezone_now():
    from django.utils import timezone

    return timezone.now()


class ExecutiveReportView(ExecutiveReportMixin, TemplateView):
    """``/reports/executive/<yyyy>-<mm>/``: the monthly report as a printable page."""

    template_name = "dashboards/report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.report_context())
        return context


class ExecutiveReportPdfView(ExecutiveReportMixin, View):
    """``/reports/executive/<yyyy>-<mm>.pdf``: the same report rendered to PDF by WeasyPrint."""

    def get(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        from django.template.loader import render_to_string
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        context = {**self.report_context(), "for_pdf": True}
        html = render_to_string("dashboards/report_pdf.html", context, request=request)
        # The charts are inline data URIs: the report fetches nothing from the network or the disk.
        pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"executive-report-{int(self.kwargs['year']):04d}-{int(self.kwargs['month']):02d}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response
