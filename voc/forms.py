"""Forms of the customer map and the measurement model: they only collect and type the input; the
rules live in ``voc.services`` (views call the service and put its errors back on the form)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cem_levers.models import Lever
from cxgov.tenancy.forms import TenantForm

from . import selectors
from .models import Channel, DataSource, Journey, JourneyStage, Metric, Product, Segment
from .services import METRIC_KIND_METHODS


class SegmentForm(TenantForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_persona = forms.BooleanField(
        label=_("This is a buyer persona"), required=False,
        help_text=_("A persona describes one archetypal customer; a segment, a group of customers."),
    )


class ProductForm(TenantForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class JourneyForm(TenantForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    segment = forms.ModelChoiceField(
        label=_("Segment or persona"), queryset=Segment.objects.all(), required=False, empty_label=_("— none —"),
    )
    product = forms.ModelChoiceField(
        label=_("Product or service"), queryset=Product.objects.all(), required=False,
        empty_label=_("— none —"),
    )
    version = forms.ChoiceField(
        label=_("Version"), choices=Journey.Version.choices, initial=Journey.Version.AS_IS,
        help_text=_("Map the journey as it is first; the to-be version is created from it."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The version is fixed at creation; the to-be copy is made from the as-is journey.
            del self.fields["version"]


class JourneyToBeForm(TenantForm):
    name = forms.CharField(
        label=_("Name of the to-be journey"), max_length=200,
        help_text=_("The same name is fine: the two versions are told apart by their version."),
    )


class StageForm(TenantForm):
    name = forms.CharField(label=_("Stage name"), max_length=200)


class TouchpointForm(TenantForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    stage = forms.ModelChoiceField(
        label=_("Stage"), queryset=JourneyStage.objects.all(), required=False,
        empty_label=_("— not placed in a stage —"),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.OTHER)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=None, required=False, empty_label=_("— nobody yet —"),
        help_text=_("The member of the organization accountable for this touchpoint."),
    )
    is_moment_of_truth = forms.BooleanField(
        label=_("Moment of truth"), required=False,
        help_text=_("An interaction that decides how the customer feels about the whole relationship."),
    )
    position = forms.IntegerField(
        label=_("Position"), min_value=0, required=False,
        help_text=_("Order within the stage; leave empty to place it last."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, journey: Journey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = self.fields["stage"].queryset.filter(journey=journey).order_by("position")
        self.fields["owner"].queryset = selectors.organization_members(org=self.org)
        self.fields["owner"].label_from_instance = lambda user: user.full_name or user.email


class MetricForm(TenantForm):
    code = forms.SlugField(
        label=_("Code"), max_length=50,
        help_text=_("How imports and the API refer to the metric, e.g. nps. Fixed once feedback is recorded."),
    )
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Metric.Kind.choices)
    method = forms.ChoiceField(
        label=_("Calculation method"), choices=Metric.Method.choices,
        help_text=_("NPS: % promoters − % detractors. CSAT: top two boxes. CES: mean or % agree − % disagree. "
                    "Mean: mean. Median and duration: median or mean. Rate: share. Count: sum."),
    )
    scale_min = forms.DecimalField(label=_("Scale minimum"), required=False, max_digits=12, decimal_places=4)
    scale_max = forms.DecimalField(label=_("Scale maximum"), required=False, max_digits=12, decimal_places=4)
    unit = forms.ChoiceField(label=_("Unit"), choices=Metric.Unit.choices, required=False)
    higher_is_better = forms.TypedChoiceField(
        label=_("Which direction is good"), coerce=lambda v: v == "1", initial="1",
        choices=[("1", _("Higher is better")), ("0", _("Lower is better"))],
    )
    target = forms.DecimalField(
        label=_("Target"), required=False, max_digits=12, decimal_places=4,
        help_text=_("In the metric's own terms: NPS points, CSAT %, a CES mean…"),
    )
    min_n = forms.IntegerField(
        label=_("Minimum responses to show"), min_value=1, initial=30,
        help_text=_("Below this, a figure is shown greyed with a warning, never as a clean number."),
    )
    follow_up_threshold = forms.DecimalField(
        label=_("Follow-up threshold"), required=False, max_digits=12, decimal_places=4,
        help_text=_("A response scoring at or below this opens a follow-up case."),
    )
    lever = forms.ModelChoiceField(label=_("Lever"), queryset=Lever.objects.all(), required=False,
                                   empty_label=_("— none —"))
    description_en = forms.CharField(label=_("Description (English)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    description_es = forms.CharField(label=_("Description (Spanish)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lever"].queryset = self.fields["lever"].queryset.order_by("position")
        # voc.js narrows the method list to the chosen kind (the service checks it either way).
        self.fields["method"].widget.attrs["data-kind-methods"] = json.dumps(
            {kind: list(methods) for kind, methods in METRIC_KIND_METHODS.items()}
        )
        self.fields["kind"].widget.attrs["data-kind-select"] = ""


class DataSourceForm(TenantForm):
    code = forms.SlugField(
        label=_("Code"), max_length=50,
        help_text=_("How imports and the API refer to the source. Fixed once feedback is recorded."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=DataSource.Kind.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


def initial_from(obj: Any, form_class: type[forms.Form]) -> dict[str, Any]:
    """The form's initial values read from the object being edited."""
    initial = {}
    for name in form_class.base_fields:
        if hasattr(obj, name):
            value = getattr(obj, name)
            initial[name] = ("1" if value else "0") if name == "higher_is_better" else value
    return initial
