"""HTML forms of the CX PMO. They validate input and offer choices; services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.forms import TenantModelForm
from voc.models import Metric, Touchpoint

from .models import Initiative, InitiativeKpi, Milestone, Risk, StatusReport
from .selectors import member_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RATING = [(i, str(i)) for i in range(1, 6)]


class TouchpointChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Touchpoint) -> str:
        return f"{obj.journey.name} · {obj.name}"


class InitiativeForm(TenantModelForm):
    """Create or edit an initiative. The team is editable only with ``programme.manage``."""

    class Meta:
        model = Initiative
        fields = [
            "title", "problem_statement", "levers", "cem_step", "transformation_step", "change_kind",
            "journeys", "touchpoints", "owner", "sponsor_body", "team", "priority", "short_term_win",
            "prototype_fidelity", "start_date", "due_date", "report_every_days", "planned_cost", "actual_cost",
            "expected_benefit", "benefit_metric",
        ]
        widgets = {
            "problem_statement": forms.Textarea(attrs={"rows": 4}),
            "levers": forms.CheckboxSelectMultiple,
            "journeys": forms.CheckboxSelectMultiple,
            "team": forms.CheckboxSelectMultiple,
            "start_date": DATE,
            "due_date": DATE,
        }
        field_classes = {"touchpoints": TouchpointChoiceField}

    def __init__(self, *args: Any, can_manage_team: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = member_choices(org=self.org)
        self.fields["owner"].queryset = members
        self.fields["team"].queryset = members
        self.fields["levers"].queryset = self.fields["levers"].queryset.order_by("position", "id")
        self.fields["journeys"].queryset = self.fields["journeys"].queryset.order_by("name")
        self.fields["touchpoints"].queryset = (
            self.fields["touchpoints"].queryset.select_related("journey").order_by("journey__name", "position", "id")
        )
        self.fields["touchpoints"].widget.attrs["size"] = 8
        self.fields["prototype_fidelity"].help_text = _("Only for initiatives that test a prototype.")
        if not can_manage_team:
            self.fields["team"].disabled = True
            self.fields["team"].help_text = _("Only a CX lead or an administrator may change the team.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", _("The due date cannot be before the start date."))
        return data


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Initiative.Status.choices, label=_("Move to"))


class MilestoneForm(TenantModelForm):
    """A milestone or task; dependencies are offered among the same initiative's other milestones."""

    class Meta:
        model = Milestone
        fields = ["title", "kind", "assignee", "start_date", "due_date", "depends_on"]
        widgets = {"start_date": DATE, "due_date": DATE, "depends_on": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = member_choices(org=self.org)
        siblings = self.fields["depends_on"].queryset.filter(initiative=initiative)
        siblings = siblings.order_by("due_date", "position", "id")
        if self.instance.pk:
            siblings = siblings.exclude(pk=self.instance.pk)
        self.fields["depends_on"].queryset = siblings

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", _("The due date cannot be before the start date."))
        return data

    def _post_clean(self) -> None:
        # Dependencies and cycles are the service's to check; skip the model's own full_clean of
        # an instance whose many-to-many cannot be validated before it is saved.
        pass


class RiskForm(TenantModelForm):
    probability = forms.TypedChoiceField(choices=RATING, coerce=int, label=_("Probability (1–5)"))
    impact = forms.TypedChoiceField(choices=RATING, coerce=int, label=_("Impact (1–5)"))

    class Meta:
        model = Risk
        fields = ["description", "probability", "impact", "owner", "status", "mitigation", "contingency"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "mitigation": forms.Textarea(attrs={"rows": 2}),
            "contingency": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_choices(org=self.org)

    def _post_clean(self) -> None:
        pass


class KpiForm(TenantModelForm):
    class Meta:
        model = InitiativeKpi
        fields = ["metric", "baseline", "target", "target_date"]
        widgets = {"target_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = Metric.objects.for_org(self.org).filter(is_active=True).order_by("code")
        if self.instance.pk:
            self.fields["metric"].disabled = True

    def _post_clean(self) -> None:
        pass


class StatusReportForm(TenantModelForm):
    class Meta:
        model = StatusReport
        fields = ["reported_on", "health", "summary", "next_steps"]
        widgets = {
            "reported_on": DATE,
            "health": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reported_on"].initial = timezone.localdate()
        self.fields["reported_on"].required = False

    def _post_clean(self) -> None:
        pass


def apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


__all__ = ["InitiativeForm", "TransitionForm", "MilestoneForm", "RiskForm", "KpiForm", "StatusReportForm",
           "apply_errors"]
