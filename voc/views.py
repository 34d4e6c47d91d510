"""Pages of the Voice of the Customer: the customer map (segments, products, journeys with their
stages and touchpoints, as-is and to-be), the journey map with each touchpoint's current figures,
a page per touchpoint, and the measurement model (metrics, data sources). Every read goes through
``voc.selectors`` and every write through ``voc.services``; the CX lead (programme.manage) edits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView, View
from django.views.generic.detail import SingleObjectMixin

from cxgov.tenancy.roles import Op, role_allows
from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import charts, forms, selectors, services
from .models import DataSource, Journey, JourneyStage, Metric, Product, Segment, Touchpoint


class JourneyListView(OrgView, TenantObjectMixin, ListView):
    model = Journey
    template_name = "voc/journey_list.html"
    context_object_name = "journeys"

    def scope_queryset(self, qs):
        return selectors.journey_list(org=self.org)


class JourneyMapView(OrgView, TenantObjectMixin, DetailView):
    """Stages as columns, touchpoints under them with last full month's NPS / CSAT / CES; with
    ``?compare=1`` the as-is and to-be versions side by side. Reads rollups only."""

    model = Journey
    template_name = "voc/journey_map.html"
    context_object_name = "journey"

    def scope_queryset(self, qs):
        return selectors.journey_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        journey = self.object
        period_start, period_end = selectors.map_period(org=self.org)
        context.update(period_start=period_start, period_end=period_end)
        compare = self.request.GET.get("compare") == "1" and journey.counterpart is not None
        context["compare"] = compare
        if compare:
            as_is, to_be = (
                (journey, journey.counterpart) if journey.version == Journey.Version.AS_IS
                else (journey.counterpart, journey)
            )
            context["versions"] = [
                {"journey": j, **selectors.journey_map(org=self.org, journey=j, period_start=period_start)}
                for j in (as_is, to_be)
            ]
        else:
            context.update(selectors.journey_map(org=self.org, journey=journey, period_start=period_start))
        return context


class MetricListView(OrgView, TenantObjectMixin, ListView):
    model = Metric
    template_name = "voc/metric_list.html"
    context_object_name = "metrics"

    def scope_queryset(self, qs):
        return selectors.metric_list(org=self.org)


class DataSourceListView(OrgView, TenantObjectMixin, ListView):
    model = DataSource
    template_name = "voc/datasource_list.html"
    context_object_name = "sources"

    def scope_queryset(self, qs):
        return selectors.data_source_list(org=self.org)


class SegmentListView(OrgView, TemplateView):
    """Segments and personas, products and services: who the journeys are mapped for."""

    template_name = "voc/segment_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["segments"] = selectors.segment_list(org=self.org)
        context["products"] = selectors.product_list(org=self.org)
        return context


class TouchpointDetailView(OrgView, TenantObjectMixin, DetailView):
    """One touchpoint: its metrics' monthly trend (from rollups) and its latest comments."""

    model = Touchpoint
    template_name = "voc/touchpoint_detail.html"
    context_object_name = "touchpoint"

    def scope_queryset(self, qs):
        return selectors.touchpoint_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        trend = selectors.touchpoint_trend(org=self.org, touchpoint=self.object, months=charts.TREND_MONTHS)
        context["trends"] = [
            {
                "metric": item["metric"],
                "figure": charts.metric_trend_figure(**charts.trend_input(item["metric"], item["rows"])),
                "rows": [
                    {"rollup": r, "display": selectors.format_value(method=item["metric"].method, value=r.value),
                     "status": selectors.rollup_status(r, item["metric"])}
                    for r in item["rows"]
                ],
                "element_id": f"trend-{item['metric'].pk}",
            }
            for item in trend
        ]
        context["can_read_feedback"] = role_allows(self.request.membership.role, Op.FEEDBACK_VIEW)
        if context["can_read_feedback"]:
            context["comments"] = selectors.touchpoint_recent_comments(org=self.org, touchpoint=self.object)
        return context


# --- editing (programme.manage) ---------------------------------------------------------------

def _errors_to_form(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: known fields by name, the rest on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ManageView(OrgView):
    required_op = Op.PROGRAMME_MANAGE


class ServiceFormView(ManageView, FormView):
    """A form whose valid data goes to one service call; the service's errors go back on the form."""

    template_name = "voc/form.html"
    form_class: type = forms.SegmentForm
    title: Any = ""
    submit_label: Any = gettext_lazy("Save")
    success_message: Any = gettext_lazy("Saved.")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["org"] = self.org
        return kwargs

    def perform(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def success_url_for(self, obj: Any) -> str:
        raise NotImplementedError

    def cancel_url(self) -> str:
        return self.success_url_for(getattr(self, "object", None))

    def form_valid(self, form) -> HttpResponse:
        try:
            obj = self.perform(form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.success_url_for(obj))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, submit_label=self.submit_label, cancel_url=self.cancel_url())
        return context


class ObjectFormView(TenantObjectMixin, SingleObjectMixin, ServiceFormView):
    """A ServiceFormView about one object of ``model`` (the one edited, or the parent of a new one);
    another organization's object answers 404 like a missing one."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET":
            kwargs.setdefault("initial", {}).update(self.get_initial())
        return kwargs

    def form_valid(self, form) -> HttpResponse:
        return ServiceFormView.form_valid(self, form)


class EditFormView(ObjectFormView):
    """Edit ``self.object``; the form starts from its current values."""

    def get_initial(self) -> dict[str, Any]:
        return forms.initial_from(self.object, self.form_class)


class ServiceDeleteView(ManageView, TenantObjectMixin, SingleObjectMixin, TemplateView):
    """Confirm, then delete through the service; a refusal (e.g. feedback recorded) is shown as is."""

    template_name = "voc/confirm_delete.html"
    delete_service: Any = None
    explanation: Any = ""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        try:
            self.delete()
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(self.cancel_url())
        messages.success(request, _("Deleted “%(name)s”.") % {"name": self.object})
        return redirect(self.success_url())

    def delete(self) -> None:
        raise NotImplementedError

    def cancel_url(self) -> str:
        raise NotImplementedError

    def success_url(self) -> str:
        raise NotImplementedError

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(cancel_url=self.cancel_url(), explanation=self.explanation, target=self.object)
        return context


def _segments_url(_obj: Any = None) -> str:
    return reverse("voc:segment-list")


class SegmentCreateView(ServiceFormView):
    form_class = forms.SegmentForm
    title = gettext_lazy("New segment or persona")

    def perform(self, data):
        return services.segment_create(org=self.org, **data)

    success_url_for = staticmethod(_segments_url)


class SegmentUpdateView(EditFormView):
    model = Segment
    form_class = forms.SegmentForm
    title = gettext_lazy("Edit segment or persona")

    def perform(self, data):
        return services.segment_update(org=self.org, segment=self.object, data=data)

    success_url_for = staticmethod(_segments_url)


class SegmentDeleteView(ServiceDeleteView):
    model = Segment
    explanation = gettext_lazy("A segment that journeys are mapped for cannot be deleted.")

    def delete(self):
        services.segment_delete(org=self.org, segment=self.object)

    cancel_url = success_url = staticmethod(_segments_url)


class ProductCreateView(ServiceFormView):
    form_class = forms.ProductForm
    title = gettext_lazy("New product or service")

    def perform(self, data):
        return services.product_create(org=self.org, **data)

    success_url_for = staticmethod(_segments_url)


class ProductUpdateView(EditFormView):
    model = Product
    form_class = forms.ProductForm
    title = gettext_lazy("Edit product or service")

    def perform(self, data):
        return services.product_update(org=self.org, product=self.object, data=data)

    success_url_for = staticmethod(_segments_url)


class ProductDeleteView(ServiceDeleteView):
    model = Product
    explanation = gettext_lazy("A product that journeys are mapped for cannot be deleted.")

    def delete(self):
        services.product_delete(org=self.org, product=self.object)

    cancel_url = success_url = staticmethod(_segments_url)


def _map_url(journey: Journey) -> str:
    return reverse("voc:journey-map", args=[journey.pk])


class JourneyCreateView(ServiceFormView):
    form_class = forms.JourneyForm
    title = gettext_lazy("New journey")

    def perform(self, data):
        return services.journey_create(org=self.org, **data)

    def success_url_for(self, obj):
        return _map_url(obj) if obj is not None else reverse("voc:journey-list")


class JourneyUpdateView(EditFormView):
    model = Journey
    form_class = forms.JourneyForm
    title = gettext_lazy("Edit journey")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["editing"] = True
        return kwargs

    def perform(self, data):
        return services.journey_update(org=self.org, journey=self.object, data=data)

    def success_url_for(self, obj):
        return _map_url(self.object)


class JourneyDeleteView(ServiceDeleteView):
    model = Journey
    explanation = gettext_lazy(
        "Its stages and touchpoints are deleted with it. A journey with feedback recorded at its "
        "touchpoints cannot be deleted."
    )

    def delete(self):
        services.journey_delete(org=self.org, journey=self.object)

    def cancel_url(self):
        return _map_url(self.object)

    def success_url(self):
        return reverse("voc:journey-list")


class JourneyToBeCreateView(ObjectFormView):
    """Create the to-be version of an as-is journey: a copy of its stages and touchpoints."""

    model = Journey
    form_class = forms.JourneyToBeForm
    title = gettext_lazy("Create the to-be version")
    submit_label = gettext_lazy("Create the to-be version")
    success_message = gettext_lazy("The to-be version was created from the as-is journey; redesign it here.")

    def get_initial(self):
        return {"name": self.object.name}

    def perform(self, data):
        return services.journey_to_be_create(org=self.org, journey=self.object, name=data["name"])

    def success_url_for(self, obj):
        return f"{_map_url(obj)}?compare=1" if obj is not None else _map_url(self.object)

    def cancel_url(self):
        return _map_url(self.object)


class StageCreateView(ObjectFormView):
    model = Journey
    form_class = forms.StageForm
    title = gettext_lazy("Add a stage")

    def get_initial(self):
        return {}

    def perform(self, data):
        return services.journey_stage_create(org=self.org, journey=self.object, name=data["name"])

    def success_url_for(self, obj):
        return _map_url(self.object)


class StageUpdateView(EditFormView):
    model = JourneyStage
    form_class = forms.StageForm
    title = gettext_lazy("Rename stage")

    def scope_queryset(self, qs):
        return selectors.journey_stage_queryset(org=self.org)

    def perform(self, data):
        return services.journey_stage_update(org=self.org, stage=self.object, data=data)

    def success_url_for(self, obj):
        return _map_url(self.object.journey)


class StageDeleteView(ServiceDeleteView):
    model = JourneyStage
    explanation = gettext_lazy("Its touchpoints stay in the journey, not placed in a stage.")

    def scope_queryset(self, qs):
        return selectors.journey_stage_queryset(org=self.org)

    def delete(self):
        services.journey_stage_delete(org=self.org, stage=self.object)

    def cancel_url(self):
        return _map_url(self.object.journey)

    success_url = cancel_url


class StageMoveView(ManageView, TenantObjectMixin, SingleObjectMixin, View):
    """Move a stage one column left or right (POST ``direction``); GET goes back to the map."""

    model = JourneyStage

    def scope_queryset(self, qs):
        return selectors.journey_stage_queryset(org=self.org)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(_map_url(self.get_object().journey))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        stage = self.get_object()
        offsets = {"left": -1, "right": 1}
        if request.POST.get("direction") not in offsets:
            messages.error(request, _("Choose left or right."))
        else:
            services.journey_stage_move(org=self.org, stage=stage, offset=offsets[request.POST["direction"]])
        return redirect(f"{_map_url(stage.journey)}#stage-{stage.pk}")


class TouchpointCreateView(ObjectFormView):
    model = Journey
    form_class = forms.TouchpointForm
    title = gettext_lazy("Add a touchpoint")

    def get_initial(self):
        stage = self.request.GET.get("stage", "")
        return {"stage": int(stage)} if stage.isdigit() else {}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["journey"] = self.object
        return kwargs

    def perform(self, data):
        return services.touchpoint_create(org=self.org, journey=self.object, **data)

    def success_url_for(self, obj):
        return _map_url(self.object)


class TouchpointUpdateView(EditFormView):
    model = Touchpoint
    form_class = forms.TouchpointForm
    title = gettext_lazy("Edit touchpoint")

    def scope_queryset(self, qs):
        return selectors.touchpoint_detail_queryset(org=self.org)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["journey"] = self.object.journey
        return kwargs

    def perform(self, data):
        if data.get("position") is None:
            data.pop("position", None)
        return services.touchpoint_update(org=self.org, touchpoint=self.object, data=data)

    def success_url_for(self, obj):
        return reverse("voc:touchpoint-detail", args=[self.object.pk])


class TouchpointDeleteView(ServiceDeleteView):
    model = Touchpoint
    explanation = gettext_lazy("A touchpoint with feedback recorded at it cannot be deleted.")

    def scope_queryset(self, qs):
        return selectors.touchpoint_detail_queryset(org=self.org)

    def delete(self):
        services.touchpoint_delete(org=self.org, touchpoint=self.object)

    def cancel_url(self):
        return reverse("voc:touchpoint-detail", args=[self.object.pk])

    def success_url(self):
        return _map_url(self.object.journey)


def _metrics_url(_obj: Any = None) -> str:
    return reverse("voc:metric-list")


class MetricCreateView(ServiceFormView):
    form_class = forms.MetricForm
    title = gettext_lazy("New metric")

    def perform(self, data):
        return services.metric_create(org=self.org, data=data)

    success_url_for = staticmethod(_metrics_url)


class MetricUpdateView(EditFormView):
    model = Metric
    form_class = forms.MetricForm
    title = gettext_lazy("Edit metric")

    def perform(self, data):
        return services.metric_update(org=self.org, metric=self.object, data=data)

    success_url_for = staticmethod(_metrics_url)


class MetricDeleteView(ServiceDeleteView):
    model = Metric
    explanation = gettext_lazy(
        "Its rollups are deleted with it. A metric with feedback recorded cannot be deleted; deactivate it instead."
    )

    def delete(self):
        services.metric_delete(org=self.org, metric=self.object)

    cancel_url = success_url = staticmethod(_metrics_url)


class MetricPackOmbA11View(ManageView, View):
    """Install the OMB A-11 metric pack (POST); installing it again adds nothing."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        result = services.metric_pack_omb_a11_install(org=self.org)
        if result.created:
            messages.success(request, _("Installed %(n)d OMB A-11 metrics.") % {"n": len(result.created)})
        else:
            messages.info(request, _("The OMB A-11 metrics are already installed."))
        return redirect("voc:metric-list")


def _sources_url(_obj: Any = None) -> str:
    return reverse("voc:datasource-list")


class DataSourceCreateView(ServiceFormView):
    form_class = forms.DataSourceForm
    title = gettext_lazy("New data source")

    def perform(self, data):
        source = services.data_source_create(org=self.org, code=data["code"], name=data["name"], kind=data["kind"])
        if not data.get("is_active", True):
            services.data_source_update(org=self.org, source=source, data={"is_active": False})
        return source

    success_url_for = staticmethod(_sources_url)


class DataSourceUpdateView(EditFormView):
    model = DataSource
    form_class = forms.DataSourceForm
    title = gettext_lazy("Edit data source")

    def perform(self, data):
        return services.data_source_update(org=self.org, source=self.object, data=data)

    success_url_for = staticmethod(_sources_url)


class DataSourceDeleteView(ServiceDeleteView):
    model = DataSource
    explanation = gettext_lazy("A source feedback came from cannot be deleted; deactivate it instead.")

    def delete(self):
        services.data_source_delete(org=self.org, source=self.object)

    cancel_url = success_url = staticmethod(_sources_url)
