from django import forms
from django.utils.translation import gettext_lazy as _


class DeleteOrganizationForm(forms.Form):
    confirm_slug = forms.CharField(
        label=_("Type the organization's slug to confirm"), max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
    )
