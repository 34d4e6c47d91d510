"""The subscription form: URL, events, name and active flag. Validation is the service's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Event


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False,
                           help_text=_("For you, e.g. the system that receives the events."))
    url = forms.CharField(label=_("Endpoint URL"), max_length=500,
                          widget=forms.URLInput(attrs={"placeholder": "https://example.com/cxgov/webhooks"}),
                          help_text=_("cxgov POSTs signed JSON to this address."))
    events = forms.MultipleChoiceField(label=_("Events"), choices=Event.choices,
                                       widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
