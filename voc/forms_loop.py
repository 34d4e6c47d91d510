"""Forms of closing the loop: case filters and actions, root causes, insights and stakeholders.

Forms only parse input; the rules live in ``voc.services`` (transitions, root-cause checks, evidence).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.forms import TenantForm
from cxgov.tenancy.models import User

from . import selectors
from .models import FollowUpCase, Journey, Rollup, RootCause, Touchpoint


def _members(org) -> Any:
    return User.objects.filter(memberships__organization=org, is_active=True).order_by("email")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


AGE_CHOICES = [
    ("", _("Any age")),
    ("0-2", _("0–2 days")),
    ("3-7", _("3–7 days")),
    ("8-30", _("8–30 days")),
    ("31+", _("More than 30 days")),
]


class CaseFilterForm(TenantForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *FollowUpCase.Status.choices])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Mine only"), required=False)
    journey = forms.ModelChoiceField(label=_("Journey"), required=False, queryset=Journey.objects.all(),
                                     empty_label=_("Any journey"))
    touchpoint = forms.ModelChoiceField(label=_("Touchpoint"), required=False,
                                        queryset=Touchpoint.objects.select_related("journey"),
                                        empty_label=_("Any touchpoint"))
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)


class CaseContactForm(TenantForm):
    note = forms.CharField(label=_("Note (what was said)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CaseCloseForm(TenantForm):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(FollowUpCase.Status.RESOLVED, _("Resolved")),
                 (FollowUpCase.Status.CLOSED, _("Closed without resolution"))],
    )
    root_cause = forms.ModelChoiceField(label=_("Root cause"), required=False, queryset=RootCause.objects.all(),
                                        empty_label=_("Choose the root cause…"))
    resolution = forms.CharField(label=_("Resolution or reason"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, org, **kwargs: Any) -> None:
        super().__init__(*args, org=org, **kwargs)
        # Only active causes are offered; the service refuses an inactive one with a clear message.
        self.fields["root_cause"].queryset = selectors.root_causes_active(org=org)


class CaseAssignForm(TenantForm):
    owner = MemberChoiceField(label=_("New owner"), queryset=User.objects.none())

    def __init__(self, *args: Any, org, **kwargs: Any) -> None:
        super().__init__(*args, org=org, **kwargs)
        self.fields["owner"].queryset = _members(org)


class CaseDueForm(TenantForm):
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))


class RootCauseForm(TenantForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class RootCauseRenameForm(TenantForm):
    name = forms.CharField(label=_("New name"), max_length=200)


class InitiativeFromRootCauseForm(TenantForm):
    root_cause = forms.ModelChoiceField(queryset=RootCause.objects.all())
    touchpoint = forms.ModelChoiceField(queryset=Touchpoint.objects.select_related("journey"))


class StakeholdersForm(TenantForm):
    stakeholders = MembersChoiceField(
        label=_("Stakeholders"), required=False, queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members of the organization who receive the insights distributed for this journey."),
    )

    def __init__(self, *args: Any, org, **kwargs: Any) -> None:
        super().__init__(*args, org=org, **kwargs)
        self.fields["stakeholders"].queryset = _members(org)


def _number(value) -> str:
    """A score or figure without trailing zeros or exponent (10, 4.5, 71.76)."""
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def rollup_key(rollup: Rollup) -> str:
    return f"{rollup.metric_id}|{rollup.grain}|{rollup.subject_id}|{rollup.period}|{rollup.period_start.isoformat()}"


class InsightForm(TenantForm):
    """Write an insight for one journey: touchpoints, picked comments, figures and links.

    The comments and figures offered are the recent ones of the journey's touchpoints; links are
    one per line, the address first and an optional note after a space.
    """

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Insight"), widget=forms.Textarea(attrs={"rows": 6}))
    touchpoints = forms.ModelMultipleChoiceField(
        label=_("Touchpoints"), required=False, queryset=Touchpoint.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    responses = forms.MultipleChoiceField(label=_("Customer comments as evidence"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    rollups = forms.MultipleChoiceField(label=_("Figures as evidence"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    links = forms.CharField(
        label=_("Links"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: the address, then an optional note after a space."),
    )

    def __init__(self, *args: Any, org, journey: Journey, **kwargs: Any) -> None:
        super().__init__(*args, org=org, **kwargs)
        self.journey = journey
        touchpoints = list(Touchpoint.objects.for_org(org).filter(journey=journey).order_by("position", "id"))
        self.fields["touchpoints"].queryset = Touchpoint.objects.for_org(org).filter(journey=journey)
        self.comments = selectors.recent_comments(org=org, touchpoints=touchpoints)
        self.fields["responses"].choices = [
            (str(r.pk), f"{r.touchpoint} · {r.metric.code} {_number(r.score)} · “{r.comment[:120]}”")
            for r in self.comments
        ]
        self.figures = selectors.rollup_choices(org=org, touchpoints=touchpoints)
        names = {tp.pk: tp.name for tp in touchpoints}
        self.fields["rollups"].choices = [
            (rollup_key(r), f"{r.metric.code} · {names.get(r.subject_id, _('whole organization'))} · "
                            f"{r.period_start:%Y-%m} · {_number(r.value)} (n={r.n})")
            for r in self.figures
        ]

    def clean_links(self) -> list[dict[str, str]]:
        links = []
        for line in self.cleaned_data.get("links", "").splitlines():
            line = line.strip()
            if line:
                url, _sep, note = line.partition(" ")
                links.append({"url": url, "note": note.strip()})
        return links

    def chosen_touchpoints(self) -> list[Touchpoint]:
        """The touchpoints ticked, plus those of the comments picked (so picking is enough)."""
        chosen = {tp.pk: tp for tp in self.cleaned_data.get("touchpoints", [])}
        picked = {int(i) for i in self.cleaned_data.get("responses", [])}
        for response in self.comments:
            if response.pk in picked and response.touchpoint is not None:
                chosen.setdefault(response.touchpoint_id, response.touchpoint)
        return list(chosen.values())

    def rollup_refs(self) -> list[dict[str, Any]]:
        refs = []
        for key in self.cleaned_data.get("rollups", []):
            metric_id, grain, subject_id, period, start = key.split("|")
            metric = next((r.metric for r in self.figures if r.metric_id == int(metric_id)), None)
            refs.append({"metric": metric, "grain": grain, "subject_id": int(subject_id), "period": period,
                         "period_start": start})
        return refs
