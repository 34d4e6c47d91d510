"""HTML forms of governance. They only parse and offer the organization's choices; the rules are
in ``services`` (views call them and show their errors on the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.forms import TenantForm
from cxgov.tenancy.models import User
from voc.models import Journey, Metric, Touchpoint

from .models import (
    Body,
    BodyMember,
    ChangeStakeholder,
    Decision,
    Goal,
    Guideline,
    Level,
    Meeting,
    RoadmapStep,
    RoiIndicator,
    SwotItem,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):  # noqa: ANN001
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _user_field(org, *, label, required: bool = False) -> forms.ModelChoiceField:  # noqa: ANN001
    from .selectors import organization_users

    return forms.ModelChoiceField(
        queryset=organization_users(org=org), required=required, label=label,
        empty_label=_("— nobody —") if not required else "—",
    )


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class BodyForm(TenantForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Body.Kind.choices)
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("The usual level of its kind")), *Level.choices], required=False
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    mandate = forms.CharField(label=_("Mandate"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    cadence = forms.CharField(
        label=_("Meeting cadence"), max_length=100, required=False, help_text=_("For example: monthly, quarterly.")
    )


class MemberForm(TenantForm):
    user = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("User"))
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False,
        help_text=_("For a person without a login; leave empty when you choose a user."),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    area = forms.CharField(label=_("Area"), max_length=200, required=False)
    role_in_body = forms.ChoiceField(
        label=_("Role"), choices=BodyMember.RoleInBody.choices, initial=BodyMember.RoleInBody.MEMBER
    )

    def __init__(self, *args, org, **kwargs):  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, org=org, **kwargs)
        self.fields["user"] = _user_field(org, label=_("User"))


class MemberEditForm(TenantForm):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    area = forms.CharField(label=_("Area"), max_length=200, required=False)
    role_in_body = forms.ChoiceField(label=_("Role"), choices=BodyMember.RoleInBody.choices)


class MeetingForm(TenantForm):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    attendees = forms.ModelMultipleChoiceField(
        queryset=BodyMember.objects.none(), required=False, label=_("Attendees"),
        widget=forms.CheckboxSelectMultiple,
    )
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}), required=False)

    def __init__(self, *args, org, body: Body, **kwargs):  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, org=org, **kwargs)
        self.fields["attendees"].queryset = (
            BodyMember.objects.for_org(org).filter(body=body).select_related("user").order_by("role_in_body", "name")
        )
        self.fields["attendees"].label_from_instance = lambda m: m.display_name


class DecisionForm(TenantForm):
    body = forms.ModelChoiceField(queryset=Body.objects.none(), label=_("Body"))
    meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.none(), required=False, label=_("Taken in meeting"), empty_label=_("— none —")
    )
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Owner"))
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=Decision.Status.choices, initial=Decision.Status.OPEN)

    def __init__(self, *args, org, **kwargs):  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, org=org, **kwargs)
        self.fields["body"].queryset = Body.objects.for_org(org).order_by("position", "id")
        self.fields["meeting"].queryset = Meeting.objects.for_org(org).select_related("body").order_by("-date")
        self.fields["owner"] = _user_field(org, label=_("Owner"))


class DecisionStatusForm(TenantForm):
    status = forms.ChoiceField(label=_("Status"), choices=Decision.Status.choices)


class CharterForm(TenantForm):
    vision = forms.CharField(
        label=_("Vision statement"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    guidelines = forms.MultipleChoiceField(
        label=_("Guidelines"), choices=Guideline.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    custom_guidelines = forms.CharField(
        label=_("Guidelines of our own"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("One per line."),
    )
    roi_indicators = forms.MultipleChoiceField(
        label=_("ROI indicators"), choices=RoiIndicator.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    custom_roi_indicators = forms.CharField(
        label=_("ROI indicators of our own"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("One per line."),
    )

    def clean_custom_guidelines(self) -> list[str]:
        return _lines(self.cleaned_data.get("custom_guidelines", ""))

    def clean_custom_roi_indicators(self) -> list[str]:
        return _lines(self.cleaned_data.get("custom_roi_indicators", ""))


class BudgetYearForm(TenantForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    planned = forms.DecimalField(label=_("Planned budget"), min_value=0, max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RoadmapStepForm(TenantForm):
    status = forms.ChoiceField(label=_("Status"), choices=RoadmapStep.Status.choices)
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput())
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    evidence_url = forms.CharField(label=_("Evidence link"), max_length=200, required=False)


class SwotItemForm(TenantForm):
    quadrant = forms.ChoiceField(label=_("Quadrant"), choices=SwotItem.Quadrant.choices)
    text = forms.CharField(label=_("Text"), max_length=300)


class StakeholderForm(TenantForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    area = forms.CharField(label=_("Area"), max_length=200, required=False)
    stance = forms.ChoiceField(label=_("Stance"), choices=ChangeStakeholder.Stance.choices)
    influence = forms.ChoiceField(
        label=_("Influence"), choices=ChangeStakeholder.Influence.choices, initial=ChangeStakeholder.Influence.MEDIUM
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class GoalForm(TenantForm):
    user = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Person"))
    body = forms.ModelChoiceField(
        queryset=Body.objects.none(), required=False, label=_("or body"), empty_label=_("— none —")
    )
    metric = forms.ModelChoiceField(queryset=Metric.objects.none(), label=_("Metric"))
    target = forms.DecimalField(label=_("Target"), max_digits=12, decimal_places=4)
    period_kind = forms.ChoiceField(label=_("Period"), choices=Goal.PeriodKind.choices, initial=Goal.PeriodKind.QUARTER)
    period_start = forms.DateField(
        label=_("Starting"), widget=DateInput(),
        help_text=_("Any day of the period: the goal covers the whole year, quarter or month that contains it."),
    )
    touchpoint = forms.ModelChoiceField(
        queryset=Touchpoint.objects.none(), required=False, label=_("Only at touchpoint"),
        empty_label=_("— whole organization —"),
    )
    journey = forms.ModelChoiceField(
        queryset=Journey.objects.none(), required=False, label=_("or only on journey"),
        empty_label=_("— whole organization —"),
    )

    def __init__(self, *args, org, **kwargs):  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, org=org, **kwargs)
        self.fields["user"] = _user_field(org, label=_("Person"))
        self.fields["user"].empty_label = _("— none —")
        self.fields["body"].queryset = Body.objects.for_org(org).order_by("position", "id")
        self.fields["metric"].queryset = Metric.objects.for_org(org).filter(is_active=True).order_by("code")
        self.fields["touchpoint"].queryset = (
            Touchpoint.objects.for_org(org).select_related("journey").order_by("journey__name", "position")
        )
        self.fields["touchpoint"].label_from_instance = lambda t: f"{t.journey} · {t.name}"
        self.fields["journey"].queryset = Journey.objects.for_org(org).order_by("name")

    def clean(self):  # noqa: ANN201
        data = super().clean()
        if data.get("user") is None and data.get("body") is None and not self.has_error("user"):
            self.add_error("user", _("Choose either a person or a body."))
        return data
