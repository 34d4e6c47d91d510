"""Forms of the framework editor: plain fields; the services validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.forms import TenantForm

from .models import LeverGroup


class TextsForm(TenantForm):
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=200, required=False)
    description_en = forms.CharField(label=_("Description (English)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    description_es = forms.CharField(label=_("Description (Spanish)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if not (data.get("name_en", "").strip() or data.get("name_es", "").strip()):
            self.add_error("name_en", _("Give a name in English or Spanish."))
        return data


class GroupForm(TextsForm):
    pass


class LeverForm(TextsForm):
    # unscoped() only to declare the field: TenantForm narrows it to the form's organization.
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=LeverGroup.objects.unscoped().filter(is_active=True).order_by("position"),
        help_text=_("Choosing another group moves the lever to the end of that group."),
    )
    is_active = forms.BooleanField(label=_("Active (part of the framework and of assessments)"), required=False,
                                   initial=True)


class PracticeForm(TextsForm):
    is_active = forms.BooleanField(label=_("Active (asked in assessments)"), required=False, initial=True)


class MoveForm(TenantForm):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
