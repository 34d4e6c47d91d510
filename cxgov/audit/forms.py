"""The filter form of the audit trail page (GET)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cxgov.tenancy.models import Organization

from . import selectors


class AuditFilterForm(forms.Form):
    model = forms.TypedChoiceField(label=_("What"), required=False, coerce=int, empty_value=None)
    actor = forms.ModelChoiceField(label=_("Who"), required=False, queryset=None, empty_label=_("Anyone"))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("Everything")), *selectors.audit_model_choices()]
        self.fields["actor"].queryset = selectors.audit_actor_choices(org=org)
        self.fields["actor"].label_from_instance = lambda u: f"{u.full_name} <{u.email}>" if u.full_name else u.email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
