"""Pages of the Voice of the Customer (read-only for now): journeys and their maps, metrics,
data sources."""

from __future__ import annotations

from typing import Any

from django.views.generic import DetailView, ListView

from cxgov.tenancy.views_base import OrgView, TenantObjectMixin

from . import selectors
from .models import DataSource, Journey, Metric


class JourneyListView(OrgView, TenantObjectMixin, ListView):
    model = Journey
    template_name = "voc/journey_list.html"
    context_object_name = "journeys"

    def scope_queryset(self, qs):
        return selectors.journey_list(org=self.org)


class JourneyMapView(OrgView, TenantObjectMixin, DetailView):
    model = Journey
    template_name = "voc/journey_map.html"
    context_object_name = "journey"

    def scope_queryset(self, qs):
        return selectors.journey_detail_queryset(org=self.org)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(selectors.journey_map(org=self.org, journey=self.object))
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
