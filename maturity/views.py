"""Pages of the maturity map: the map (current vs target, trend, radar), settings and framework
templates, lever targets, and assessments (questionnaire per assessor, consensus, submission)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from cem_levers.models import Lever
from cxgov.tenancy.roles import ObjectRule, Op, role_allows
from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import charts, selectors, services
from .catalogue import TEMPLATES
from .forms import AssessmentCreateForm, LeverTargetForm, WeightsForm
from .models import EVIDENCE_EXTENSIONS, EVIDENCE_MAX_BYTES, Answer, Assessment, FrameworkTemplate


def _can(request: HttpRequest, op: str) -> bool:
    return role_allows(request.membership.role, op)


def _errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class MaturityOverviewView(OrgView, TemplateView):
    """The maturity map: per lever current vs target, the gap and the initiatives planned to close
    it; the overall trend from snapshots and a radar of current vs target."""

    template_name = "maturity/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        data = selectors.maturity_map(org=self.org)
        rows, history, stages = data["rows"], data["history"], data["stages"]
        context.update(data)
        context.update(
            settings=selectors.maturity_settings_get(org=self.org),
            can_manage=_can(self.request, Op.PROGRAMME_MANAGE),
            trend_json=(charts.trend_figure(
                [(s.computed_at, s.overall) for s in history], label=_("Overall score"),
                stage_names=[s.name for s in stages],
            )) if history else None,
            radar_json=(charts.radar_figure(
                [r.lever.name for r in rows], [r.current for r in rows],
                [r.target.target_level if r.target else None for r in rows],
                current_label=_("Current"), target_label=_("Target"),
            )) if len(rows) >= 3 and (data["snapshot"] or any(r.target for r in rows)) else None,
            history_rows=list(reversed(history)),
        )
        return context


class LeverTargetView(OrgView, TenantObjectMixin, SingleObjectMixin, View):
    """Set a lever's target stage and date (programme managers)."""

    model = Lever
    required_op = Op.PROGRAMME_MANAGE
    template_name = "maturity/lever_target.html"

    def scope_queryset(self, qs):
        return qs.filter(is_active=True).select_related("group")

    def _form(self, data=None) -> LeverTargetForm:
        target = self.object.maturity_targets.filter(organization=self.org).first()
        initial = {"target_level": target.target_level if target else None,
                   "target_date": target.target_date if target else None}
        return LeverTargetForm(data, org=self.org, initial=initial, stages=list(selectors.stage_list(org=self.org)))

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return render(request, self.template_name, {"lever": self.object, "form": self._form()})

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.lever_target_set(org=self.org, lever=self.object,
                                          target_level=form.cleaned_data["target_level"],
                                          target_date=form.cleaned_data["target_date"])
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Target saved."))
                return HttpResponseRedirect(reverse("maturity:overview") + f"#lever-{self.object.pk}")
        return render(request, self.template_name, {"lever": self.object, "form": form}, status=400)


class SettingsView(OrgView, TemplateView):
    """The scoring weights and the framework template (read by all, changed by programme managers)."""

    template_name = "maturity/settings.html"
    write_op = Op.PROGRAMME_MANAGE

    def get_context_data(self, form: WeightsForm | None = None, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        settings = selectors.maturity_settings_get(org=self.org)
        context.update(
            settings=settings,
            can_manage=_can(self.request, Op.PROGRAMME_MANAGE),
            form=form or WeightsForm(org=self.org, initial={"weight_assessment": settings.weight_assessment,
                                                            "weight_evidence": settings.weight_evidence}),
            templates=[{"code": code, "label": label, "levers": sum(len(g.levers) for g in TEMPLATES[code].groups),
                        "active": code == settings.template} for code, label in FrameworkTemplate.choices],
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _can(request, Op.PROGRAMME_MANAGE):
            raise PermissionDenied
        form = WeightsForm(request.POST, org=self.org)
        if form.is_valid():
            try:
                services.maturity_settings_update(org=self.org, **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Weights saved. The scores are being recomputed."))
                return HttpResponseRedirect(reverse("maturity:settings"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TemplateSwitchView(OrgView, TemplateView):
    """Confirmation page, then the switch to another framework template."""

    required_op = Op.PROGRAMME_MANAGE
    template_name = "maturity/template_switch.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if kwargs["code"] not in TEMPLATES:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        code = kwargs["code"]
        framework = TEMPLATES[code]
        settings = selectors.maturity_settings_get(org=self.org)
        context.update(
            code=code, label=FrameworkTemplate(code).label, framework=framework, settings=settings,
            current_label=settings.get_template_display(),
            stage_names=[t.name_es if self.request.LANGUAGE_CODE.startswith("es") else t.name_en
                         for _level, t in framework.stages],
            open_assessments=list(selectors.assessment_list(org=self.org).exclude(status=Assessment.Status.SUBMITTED)),
            spanish=self.request.LANGUAGE_CODE.startswith("es"),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.framework_template_switch(org=self.org, template=kwargs["code"])
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
            return HttpResponseRedirect(reverse("maturity:template-switch", args=[kwargs["code"]]))
        label = FrameworkTemplate(kwargs["code"]).label
        messages.success(request, _("The framework now follows “%(name)s”.") % {"name": label})
        return HttpResponseRedirect(reverse("cem_levers:lever-list"))


# --- assessments ----------------------------------------------------------------------------------

class AssessmentListView(OrgView, TenantObjectMixin, ListView):
    model = Assessment
    template_name = "maturity/assessment_list.html"
    context_object_name = "assessments"
    paginate_by = 50

    def scope_queryset(self, qs):
        return selectors.assessment_list(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(can_manage=_can(self.request, Op.PROGRAMME_MANAGE),
                       form=kwargs.get("form") or AssessmentCreateForm(org=self.org))
        return context


class AssessmentCreateView(OrgView, View):
    required_op = Op.PROGRAMME_MANAGE
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponseRedirect(reverse("maturity:assessment-list"))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AssessmentCreateForm(request.POST, org=self.org)
        if form.is_valid():
            try:
                assessment = services.assessment_create(org=self.org, title=form.cleaned_data["title"],
                                                        created_by=request.user)
            except ValidationError as exc:
                form.add_error("title", exc.message_dict.get("title", exc.messages))
            else:
                messages.success(request, _("Assessment opened. Assessors can now answer it."))
                return HttpResponseRedirect(reverse("maturity:assessment-detail", args=[assessment.pk]))
        view = AssessmentListView()
        view.setup(request, *args, **kwargs)
        view.org = self.org
        view.object_list = view.get_queryset()
        return render(request, view.template_name, view.get_context_data(form=form), status=400)


class AssessmentDetailView(OrgView, TenantObjectMixin, DetailView):
    model = Assessment
    template_name = "maturity/assessment_detail.html"
    context_object_name = "assessment"

    def scope_queryset(self, qs):
        return selectors.assessment_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        assessment = self.object
        can_manage = _can(self.request, Op.PROGRAMME_MANAGE)
        can_assess = _can(self.request, Op.MATURITY_ASSESS)
        visible = selectors.others_visible(org=self.org, assessment=assessment, user=self.request.user,
                                           can_manage=can_manage)
        progress = selectors.assessment_progress(org=self.org, assessment=assessment)
        mine = next((row for row in progress["assessors"] if row["user"].pk == self.request.user.pk), None)
        context.update(
            can_manage=can_manage, can_assess=can_assess, others_visible=visible, progress=progress, mine=mine,
            is_open=assessment.status != Assessment.Status.SUBMITTED,
            levers=selectors.assessment_answers_by_lever(org=self.org, assessment=assessment) if visible else [],
            snapshot=assessment.snapshots.filter(organization=self.org).order_by("-computed_at").first(),
        )
        return context


class _SheetView(OrgView, TenantObjectMixin, SingleObjectMixin, View):
    """The questionnaire, one lever at a time: radio buttons with the stage descriptors, evidence
    and comment per practice; every save keeps what was typed (errors shown next to the practice).

    ``consensus`` False: the signed-in assessor's own answers (hidden from the other assessors until
    they hand theirs in). True: the CX lead's consensus, with every assessor's answer shown and
    disagreements (spread ≥ 2 stages) highlighted; the stage is prefilled with the median.
    """

    model = Assessment
    template_name = "maturity/assessment_sheet.html"
    consensus = False

    def scope_queryset(self, qs):
        return qs.select_related("created_by")

    def _sections(self):
        assessor = None if self.consensus else self.request.user
        with_individual = self.consensus
        return selectors.assessment_sheet(org=self.org, assessment=self.object, assessor=assessor,
                                          with_individual=with_individual)

    def _current(self, sections, lever_id: str | None):
        for index, section in enumerate(sections):
            if str(section.lever.pk) == (lever_id or ""):
                return index
        return 0

    def _locked_reason(self) -> str:
        if self.object.status == Assessment.Status.SUBMITTED:
            return _("This assessment is submitted; its answers can no longer change.")
        if not self.consensus and services.assessor_has_submitted(
            org=self.org, assessment=self.object, assessor=self.request.user
        ):
            return _("You handed in your answers; they can no longer change.")
        return ""

    def _render(self, sections, index: int, status: int = 200) -> HttpResponse:
        stages = list(selectors.stage_list(org=self.org))
        for section in sections:
            for row in section.practices:
                if not hasattr(row, "form"):
                    answer = row.answer
                    row.form = {
                        "stage": row.selected, "evidence": answer.evidence if answer else "",
                        "evidence_url": answer.evidence_url if answer else "",
                        "comment": answer.comment if answer else "",
                    }
                    row.errors = []
        section = sections[index] if sections else None
        context = {
            "assessment": self.object, "sections": sections, "section": section, "index": index,
            "previous_section": sections[index - 1] if index > 0 else None,
            "next_section": sections[index + 1] if index + 1 < len(sections) else None,
            "stages": stages, "consensus": self.consensus, "locked": self._locked_reason(),
            "answered": sum(s.answered for s in sections),
            "total": sum(len(s.practices) for s in sections),
            "disagreements": sum(s.disagreements for s in sections) if self.consensus else 0,
            "accept": ",".join(f".{ext}" for ext in EVIDENCE_EXTENSIONS),
            "max_mb": EVIDENCE_MAX_BYTES // (1024 * 1024),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        sections = self._sections()
        return self._render(sections, self._current(sections, request.GET.get("lever")))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        sections = self._sections()
        index = self._current(sections, request.POST.get("lever"))
        ajax = request.headers.get("X-Requested-With") == "fetch"
        locked = self._locked_reason()
        if locked:
            if ajax:
                return JsonResponse({"detail": locked}, status=400)
            messages.error(request, locked)
            return self._render(sections, index, status=400)
        section = sections[index] if sections else None
        saved, failed = 0, {}
        for row in section.practices if section else []:
            key = f"p{row.practice.pk}"
            posted = {
                "stage": request.POST.get(f"{key}-stage", ""),
                "evidence": request.POST.get(f"{key}-evidence", ""),
                "evidence_url": request.POST.get(f"{key}-evidence_url", ""),
                "comment": request.POST.get(f"{key}-comment", ""),
            }
            upload = request.FILES.get(f"{key}-evidence_file")
            clear = request.POST.get(f"{key}-clear_file") == "1"
            row.form, row.errors = {**posted, "stage": int(posted["stage"]) if posted["stage"].isdigit() else None}, []
            if not posted["stage"]:
                if any(posted[k].strip() for k in ("evidence", "evidence_url", "comment")) or upload:
                    row.errors = [_("Choose a stage to save this answer.")]
                continue
            try:
                row.answer = services.answer_set(
                    org=self.org, assessment=self.object, practice=row.practice,
                    stage_level=int(posted["stage"]) if posted["stage"].isdigit() else posted["stage"],
                    assessor=None if self.consensus else request.user,
                    evidence=posted["evidence"], evidence_url=posted["evidence_url"], comment=posted["comment"],
                    evidence_file=upload, clear_evidence_file=clear,
                )
                saved += 1
            except ValidationError as exc:
                row.errors = exc.messages
                failed[row.practice.pk] = exc.messages
        if ajax:
            return JsonResponse({"saved": saved, "errors": {str(k): v for k, v in failed.items()},
                                 "answered": sum(s.answered for s in sections)},
                                status=400 if failed else 200)
        if failed or any(r.errors for r in (section.practices if section else [])):
            messages.error(request, _("Some answers could not be saved; see the practices marked below."))
            return self._render(sections, index, status=400)
        messages.success(request, _("Answers saved."))
        go = request.POST.get("go")
        base = reverse(f"maturity:{'assessment-consensus' if self.consensus else 'assessment-answer'}",
                       args=[self.object.pk])
        if go == "next" and index + 1 < len(sections):
            return HttpResponseRedirect(f"{base}?lever={sections[index + 1].lever.pk}")
        if go == "review":
            return HttpResponseRedirect(reverse("maturity:assessment-detail", args=[self.object.pk]))
        return HttpResponseRedirect(f"{base}?lever={section.lever.pk}" if section else base)


class AssessmentAnswerView(_SheetView):
    required_op = Op.MATURITY_ASSESS
    consensus = False


class AssessmentConsensusView(_SheetView):
    required_op = Op.PROGRAMME_MANAGE
    consensus = True


class _AssessmentAction(OrgView, TenantObjectMixin, SingleObjectMixin, View):
    """An action on an assessment (POST); errors come back as a message on the assessment page.
    A GET (a bookmarked or reloaded URL) just shows the assessment."""

    model = Assessment
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return HttpResponseRedirect(reverse("maturity:assessment-detail", args=[self.object.pk]))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        try:
            url = self.act()
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
            return HttpResponseRedirect(reverse("maturity:assessment-detail", args=[self.object.pk]))
        return HttpResponseRedirect(url)

    def act(self) -> str:  # pragma: no cover - every subclass implements it
        raise NotImplementedError


class AssessmentHandInView(_AssessmentAction):
    required_op = Op.MATURITY_ASSESS

    def act(self) -> str:
        services.assessor_answers_submit(org=self.org, assessment=self.object, assessor=self.request.user)
        messages.success(self.request, _("Your answers are handed in. You can now see the other assessors' answers."))
        return reverse("maturity:assessment-detail", args=[self.object.pk])


class AssessmentSubmitView(_AssessmentAction):
    required_op = Op.PROGRAMME_MANAGE

    def act(self) -> str:
        services.assessment_submit(org=self.org, assessment=self.object)
        messages.success(self.request, _("Assessment submitted. The maturity scores are being recomputed."))
        return reverse("maturity:overview")


class AssessmentDeleteView(_AssessmentAction):
    required_op = Op.PROGRAMME_MANAGE

    def act(self) -> str:
        services.assessment_delete(org=self.org, assessment=self.object)
        messages.success(self.request, _("Assessment deleted."))
        return reverse("maturity:assessment-list")


class AnswerEvidenceView(OrgView, TenantObjectMixin, SingleObjectMixin, View):
    """Download an answer's evidence file, for those who may see the answer."""

    model = Answer
    object_rules = {"get": ObjectRule.ANSWER_READER}

    def scope_queryset(self, qs):
        return selectors.answer_detail_queryset(org=self.org)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answer = self.get_object()
        own = answer.assessor_id == request.user.pk
        visible = answer.is_consensus or own or selectors.others_visible(
            org=self.org, assessment=answer.assessment, user=request.user,
            can_manage=_can(request, Op.PROGRAMME_MANAGE),
        )
        if not visible:
            raise PermissionDenied
        if not answer.evidence_file:
            messages.info(request, _("This answer has no evidence file."))
            return HttpResponseRedirect(reverse("maturity:assessment-detail", args=[answer.assessment_id]))
        try:
            handle = answer.evidence_file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=answer.evidence_file.name.rsplit("/", 1)[-1])
