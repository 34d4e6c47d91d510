"""Form base: every model choice offers only the current organization's objects."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Organization, TenantScoped


class TenantFormMixin:
    """Takes ``org`` and narrows each model-choice field to that organization's objects."""

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.org = org
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and issubclass(queryset.model, TenantScoped):
                field.queryset = queryset.model.objects.for_org(org)
        instance = getattr(self, "instance", None)
        if instance is not None and isinstance(instance, TenantScoped) and instance.organization_id is None:
            instance.organization = org


class TenantModelForm(TenantFormMixin, forms.ModelForm):
    pass


class TenantForm(TenantFormMixin, forms.Form):
    pass
