"""Form base: every model choice offers only the current organization's objects."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Organization, TenantScoped


class TenantFormMixin:
    """Takes ``org`` and narrows each model-choice field to that organization's objects.

    The field's own queryset is narrowed (not replaced), so ``limit_choices_to`` or a queryset a
    form declares keeps applying; a choice of another organization is then refused by the field
    exactly like a missing one.
    """

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.org = org
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and issubclass(queryset.model, TenantScoped):
                field.queryset = queryset.filter(organization=org)
        instance = getattr(self, "instance", None)
        if instance is not None and isinstance(instance, TenantScoped) and instance.organization_id is None:
            instance.organization = org


class TenantModelForm(TenantFormMixin, forms.ModelForm):
    """ModelForm of a tenant model.

    ``organization`` is not a form field, and Django skips every unique constraint that names a
    field missing from the form, so ``(organization, code)`` would only be caught by the database
    (an IntegrityError, a 500). Keeping ``organization`` in the validation turns it into a form error.
    """

    def _get_validation_exclusions(self) -> set[str]:
        exclude = super()._get_validation_exclusions()
        exclude.discard("organization")
        return exclude


class TenantForm(TenantFormMixin, forms.Form):
    pass
