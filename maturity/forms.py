"""Forms of the maturity pages: plain fields; the services validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.forms import TenantForm

TARGET_CHOICES = [("", _("No target"))] + [(str(i), str(i)) for i in range(1, 6)]


class AssessmentCreateForm(TenantForm):
    title = forms.CharField(label=_("Title"), max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. Maturity review, spring")}))


class WeightsForm(TenantForm):
    weight_assessment = forms.DecimalField(label=_("Weight of the assessment"), min_value=0, max_value=1,
                                           decimal_places=2, max_digits=3)
    weight_evidence = forms.DecimalField(label=_("Weight of the evidence"), min_value=0, max_value=1,
                                         decimal_places=2, max_digits=3,
                                         help_text=_("The two weights add up to 1."))


class LeverTargetForm(TenantForm):
    target_level = forms.TypedChoiceField(label=_("Target stage"), choices=TARGET_CHOICES, coerce=int,
                                          required=False, empty_value=None)
    target_date = forms.DateField(label=_("Target date"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        if stages:
            self.fields["target_level"].choices = [("", _("No target"))] + [
                (str(s.level), f"{s.level} · {s.name}") for s in stages
            ]
