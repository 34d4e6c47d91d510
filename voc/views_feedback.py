"""Feedback pages: the ambassador's one-tap form, the ambassadors' grants per touchpoint, and the
CSV / Excel import (upload, mapping with preview, progress, rejected-rows report). Thin: the rules
are in ``voc.services``, ``voc.selectors`` and ``voc.ingest``."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from cxgov.tenancy.roles import ObjectRule, Op, Role
from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors, services
from .ingest import services as ingest
from .ingest.forms import FeedbackLogForm, ImportMappingForm, ImportUploadForm
from .ingest.mapping import PREVIEW_ROWS, mapping_errors
from .ingest.parsing import ImportFileError
from .models import DataSource, ImportJob, Metric

SESSION_LAST = "voc.feedback.last"
MAX_BUTTONS = 11
RECENT_ENTRIES = 20
FIRST_METRICS = ("nps", "csat", "ces")


def score_points(metric: Metric) -> list[int] | None:
    """The whole points of a metric's scale when there are at most 11 (0–10, 1–5, 1–7), else None."""
    low, high = metric.scale_min, metric.scale_max
    if low is None or high is None or low != low.to_integral_value() or high != high.to_integral_value():
        return None
    if high - low + 1 > MAX_BUTTONS:
        return None
    return list(range(int(low), int(high) + 1))


def _tone(metric: Metric, point: int) -> str:
    bounds = metric.favourable_bounds()
    if bounds is None:
        return "neutral"
    good, bad = bounds
    if Decimal(point) >= good:
        return "good" if metric.higher_is_better else "bad"
    if Decimal(point) <= bad:
        return "bad" if metric.higher_is_better else "good"
    return "mid"


class FeedbackLogView(OrgView, TemplateView):
    """The ambassador's form: touchpoint (remembered), metric (NPS first), comment, reference, and
    a score that saves in one tap. Double submits are one response (the form carries its id)."""

    required_op = Op.FEEDBACK_LOG
    object_rules = {"post": ObjectRule.TOUCHPOINT_GRANT}
    template_name = "voc/feedback/log.html"

    def _context(self, *, form: FeedbackLogForm | None = None, error: str = "") -> dict[str, Any]:
        request = self.request
        touchpoints = list(selectors.touchpoints_loggable_by(org=self.org, user=request.user))
        metrics = sorted(
            Metric.objects.for_org(self.org).filter(is_active=True),
            key=lambda m: (FIRST_METRICS.index(m.code) if m.code in FIRST_METRICS else len(FIRST_METRICS), m.code),
        )
        last = request.session.get(SESSION_LAST) or {}
        data = form.data if form is not None else {}
        wanted_tp = str(data.get("touchpoint") or last.get("touchpoint") or "")
        selected_tp = next((tp for tp in touchpoints if str(tp.pk) == wanted_tp),
                           touchpoints[0] if touchpoints else None)
        wanted_metric = data.get("metric") or last.get("metric") or "nps"
        selected_metric = next((m for m in metrics if m.code == wanted_metric), metrics[0] if metrics else None)
        blocks = []
        for metric in metrics:
            points = score_points(metric)
            blocks.append({
                "metric": metric,
                "points": [{"value": p, "tone": _tone(metric, p)} for p in points] if points else None,
                "selected": metric == selected_metric,
            })
        journeys: dict[int, tuple[Any, list]] = {}
        for tp in touchpoints:
            journeys.setdefault(tp.journey_id, (tp.journey, []))[1].append(tp)
        return {
            "touchpoint_groups": list(journeys.values()),
            "touchpoints": touchpoints,
            "selected_touchpoint": selected_tp,
            "metrics": metrics,
            "selected_metric": selected_metric,
            "blocks": blocks,
            "external_id": (form.data.get("external_id") if form is not None else None) or uuid.uuid4(),
            "comment": data.get("comment", ""),
            "customer_ref": data.get("customer_ref", ""),
            "form": form,
            "error": error,
            "recent": selectors.responses_recorded_by(org=self.org, user=request.user, limit=RECENT_ENTRIES),
            "is_ambassador": request.membership.role == Role.AMBASSADOR,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self._context())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = request.POST.copy()
        tap = data.get("tap", "")
        if tap:
            # A score button carries "<metric code>:<score>"; a Save button "<metric code>:" with the
            # score typed in that metric's own number field.
            metric, _sep, score = tap.partition(":")
            data["metric"] = metric
            typed = data.get(f"score_{metric}", "").strip()
            if "," in typed and "." not in typed:
                typed = typed.replace(",", ".")  # a decimal comma, as Spanish keyboards type it
            data["score"] = score or typed
        form = FeedbackLogForm(data)
        if not form.is_valid():
            return self._render(form, _("Check the entry: %(errors)s") % {
                "errors": " ".join(str(e) for errors in form.errors.values() for e in errors)}, status=400)
        cleaned = form.cleaned_data
        try:
            result = services.feedback_log(
                org=self.org, user=request.user, touchpoint=cleaned["touchpoint"], metric=cleaned["metric"],
                score=cleaned["score"], external_id=str(cleaned["external_id"]), comment=cleaned["comment"],
                customer_ref=cleaned["customer_ref"],
            )
        except PermissionDenied as exc:
            return self._render(form, str(exc), status=403)
        if result.errors:
            messages_ = [str(m) for entry in result.errors for msgs in entry["errors"].values() for m in msgs]
            return self._render(form, _("Not saved: %(errors)s") % {"errors": " ".join(messages_)}, status=400)
        request.session[SESSION_LAST] = {"touchpoint": cleaned["touchpoint"], "metric": cleaned["metric"]}
        if result.created:
            messages.success(request, _("Saved: %(metric)s %(score)s.") % {
                "metric": cleaned["metric"].upper(), "score": cleaned["score"]})
        else:
            messages.info(request, _("Already saved: this entry was recorded once, not twice."))
        return redirect(reverse("voc:feedback-log"))

    def _render(self, form: FeedbackLogForm, error: str, *, status: int) -> HttpResponse:
        context = {"view": self, **self._context(form=form, error=error)}
        return render(self.request, self.template_name, context, status=status)


class AmbassadorGrantsView(OrgView, TemplateView):
    """CX leads choose, per touchpoint, the ambassadors who may log feedback there: one form, one save."""

    required_op = Op.PROGRAMME_MANAGE
    template_name = "voc/feedback/ambassadors.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ambassadors = list(selectors.ambassador_list(org=self.org))
        grants = selectors.touchpoint_grants(org=self.org)
        since = timezone.now() - dt.timedelta(days=30)
        groups = selectors.touchpoints_by_journey(org=self.org, since=since)
        for _journey, touchpoints in groups:
            for tp in touchpoints:
                granted = grants.get(tp.pk, set())
                tp.grant_cells = [{"user": a, "checked": a.pk in granted} for a in ambassadors]
        context.update(ambassadors=ambassadors, groups=groups)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ambassadors = {a.pk: a for a in selectors.ambassador_list(org=self.org)}
        grants = selectors.touchpoint_grants(org=self.org)
        wanted: list[tuple[Any, set[int]]] = []
        for _journey, touchpoints in selectors.touchpoints_by_journey(org=self.org, since=timezone.now()):
            for tp in touchpoints:
                try:
                    chosen = {int(v) for v in request.POST.getlist(f"tp-{tp.pk}")}
                except ValueError:
                    chosen = {-1}
                if chosen - set(ambassadors):
                    messages.error(
                        request, _("Only the organization's ambassadors can be assigned; nothing was saved."))
                    return redirect(reverse("voc:feedback-ambassadors"))
                wanted.append((tp, chosen))
        changed = 0
        for tp, chosen in wanted:
            if chosen != grants.get(tp.pk, set()):
                services.touchpoint_ambassadors_set(
                    org=self.org, touchpoint=tp, users=[ambassadors[i] for i in sorted(chosen)])
                changed += 1
        if changed:
            messages.success(request, _("Assignments saved for %(n)d touchpoints.") % {"n": changed})
        else:
            messages.info(request, _("Nothing changed."))
        return redirect(reverse("voc:feedback-ambassadors"))


class ImportUploadView(OrgView, TemplateView):
    """Upload a CSV / Excel file; it is read whole before anything is stored."""

    required_op = Op.FEEDBACK_IMPORT
    template_name = "voc/feedback/import_upload.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportUploadForm())
        context["jobs"] = selectors.import_job_list(org=self.org)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = ingest.import_job_create(org=self.org, by=request.user, uploaded=form.cleaned_data["file"])
            except ValidationError as exc:
                for message in exc.message_dict.get("file", exc.messages):
                    form.add_error("file", message)
            else:
                return redirect(reverse("voc:feedback-import-job", args=[job.pk]))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportJobView(OrgView, TenantObjectMixin, DetailView):
    """An import: the column mapping with a preview while it waits, then its progress and result."""

    required_op = Op.FEEDBACK_IMPORT
    model = ImportJob
    template_name = "voc/feedback/import_job.html"
    context_object_name = "job"

    def _choices(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        sources = [(s.code, f"{s.name} ({s.code})")
                   for s in DataSource.objects.for_org(self.org).filter(is_active=True).order_by("name")]
        metrics = [(m.code, f"{m.name} ({m.code})")
                   for m in Metric.objects.for_org(self.org).filter(is_active=True).order_by("code")]
        return sources, metrics

    def _mapping_context(self, job: ImportJob, form: ImportMappingForm | None = None) -> dict[str, Any]:
        try:
            headers, rows = ingest.import_job_preview(org=self.org, job=job, rows=PREVIEW_ROWS)
            read_error = ""
        except (ImportFileError, OSError) as exc:
            headers, rows, read_error = ingest.import_job_headers(job), [], str(exc)
        if form is None:
            fields = ingest.import_job_fields(job)
            defaults = job.defaults or {}
            initial = {f"col_{k}": "" if v is None else str(v) for k, v in fields.items()}
            initial.update(default_source=defaults.get("source", ""), default_metric=defaults.get("metric", ""),
                           default_timezone=defaults.get("timezone") or self.org.timezone)
            sources, metrics = self._choices()
            form = ImportMappingForm(initial=initial, headers=headers, sources=sources, metrics=metrics)
        fields = ingest.import_job_fields(job)
        return {
            "form": form,
            "headers": headers,
            "preview": rows,
            "read_error": read_error,
            "derived_ids": fields.get("external_id") is None,
            "missing": mapping_errors(fields, job.defaults or {}),
            "preview_rows": PREVIEW_ROWS,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = self.object
        if job.status == ImportJob.Status.UPLOADED:
            context.update(self._mapping_context(job, kwargs.get("form")))
        context["percent"] = round(job.processed_rows * 100 / job.total_rows) if job.total_rows else 0
        context["running"] = job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = job = self.get_object()
        if job.status != ImportJob.Status.UPLOADED:
            messages.info(request, _("This import has already started."))
            return redirect(reverse("voc:feedback-import-job", args=[job.pk]))
        sources, metrics = self._choices()
        form = ImportMappingForm(request.POST, headers=ingest.import_job_headers(job), sources=sources,
                                 metrics=metrics)
        if form.is_valid():
            try:
                ingest.import_job_map(org=self.org, job=job, fields=form.mapping(), defaults=form.defaults())
                if request.POST.get("action") == "import":
                    ingest.import_job_start(org=self.org, job=job)
                    messages.success(request, _("Import started."))
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    key = f"col_{name}" if f"col_{name}" in form.fields else name if name in form.fields else None
                    for error in errors:
                        form.add_error(key, error)
            else:
                return redirect(reverse("voc:feedback-import-job", args=[job.pk]))
        job.refresh_from_db()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportJobProgressView(OrgView, TenantObjectMixin, DetailView):
    """The progress of an import as JSON, polled by static/js/feedback.js."""

    required_op = Op.FEEDBACK_IMPORT
    model = ImportJob

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        job = self.get_object()
        return JsonResponse({
            "status": job.status, "status_label": str(job.get_status_display()),
            "processed": job.processed_rows, "total": job.total_rows,
            "percent": round(job.processed_rows * 100 / job.total_rows) if job.total_rows else 0,
            "created": job.created_count, "duplicates": job.duplicate_count, "errors": job.error_count,
            "done": job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED),
        })


class ImportJobReportView(OrgView, TenantObjectMixin, DetailView):
    """The rejected rows of an import as CSV: line, reasons, original values."""

    required_op = Op.FEEDBACK_IMPORT
    model = ImportJob

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        job = self.get_object()
        filename = f"rejected-rows-{job.pk}.csv"
        if job.report:
            try:
                return FileResponse(job.report.open("rb"), as_attachment=True, filename=filename,
                                    content_type="text/csv; charset=utf-8")
            except OSError:
                pass
        # Not finished yet (or nothing stored): the header alone, so the link never breaks.
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.write("\ufeff")
        csv.writer(response).writerow(ingest.import_job_report_header(job))
        return response
