"""Portfolio filters, shared by the list page and the API (``?lever=…&owner=…&ordering=-due_date``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as df
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cem_levers.models import Lever
from cxgov.tenancy.api import TenantFilterSet
from cxgov.tenancy.models import User
from voc.models import Journey

from .models import Initiative

ALL = _("All")
DUE_CHOICES = [
    ("overdue", _("Overdue")),
    ("30", _("Due in the next 30 days")),
    ("90", _("Due in the next 90 days")),
    ("none", _("No due date")),
]
ORDERING = (
    ("title", "title"), ("status", "status"), ("priority", "priority"), ("health", "health"),
    ("due_date", "due_date"), ("owner__full_name", "owner"), ("updated_at", "updated_at"),
)


class InitiativeFilter(TenantFilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"))
    status = df.ChoiceFilter(choices=Initiative.Status.choices, label=_("Status"), empty_label=ALL)
    lever = df.ModelChoiceFilter(field_name="levers", queryset=Lever.objects.all(), label=_("Lever"), empty_label=ALL)
    journey = df.ModelChoiceFilter(
        field_name="journeys", queryset=Journey.objects.all(), label=_("Journey"), empty_label=ALL
    )
    cem_step = df.ChoiceFilter(choices=Initiative.CemStep.choices, label=_("CEM step"), empty_label=ALL)
    transformation_step = df.ChoiceFilter(
        choices=Initiative.TransformationStep.choices, label=_("Transformation step"), empty_label=ALL
    )
    owner = df.ModelChoiceFilter(queryset=User.objects.none(), label=_("Owner"), empty_label=ALL)
    health = df.ChoiceFilter(choices=Initiative.Health.choices, label=_("Health"), empty_label=ALL)
    short_term_win = df.ChoiceFilter(
        choices=[("true", _("Yes")), ("false", _("No"))], method="filter_short_term_win", label=_("Short-term win"),
        empty_label=ALL,
    )
    due = df.ChoiceFilter(choices=DUE_CHOICES, method="filter_due", label=_("Due"), empty_label=ALL)

    class Meta:
        model = Initiative
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = getattr(self.request, "org", None)
        # Users are not tenant rows: offer (and accept) only this organization's members.
        self.filters["owner"].queryset = (
            User.objects.filter(memberships__organization=org).order_by("full_name", "email")
            if org is not None else User.objects.none()
        )

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(problem_statement__icontains=value))

    def filter_short_term_win(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(short_term_win=value == "true") if value in ("true", "false") else queryset

    def filter_due(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = timezone.localdate()
        closed = [Initiative.Status.DONE, Initiative.Status.CANCELLED]
        if value == "overdue":
            return queryset.filter(due_date__lt=today).exclude(status__in=closed)
        if value in ("30", "90"):
            return queryset.filter(due_date__gte=today, due_date__lte=today + dt.timedelta(days=int(value)))
        if value == "none":
            return queryset.filter(due_date__isnull=True)
        return queryset


class InitiativePageFilter(InitiativeFilter):
    """The list page's filters plus sorting (the API sorts with DRF's ``ordering`` parameter)."""

    ordering = df.OrderingFilter(fields=ORDERING, label=_("Sort by"))

    class Meta(InitiativeFilter.Meta):
        pass
