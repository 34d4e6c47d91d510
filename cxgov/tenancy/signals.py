"""Many-to-many links are not covered by ``TenantScoped.save()``; this guard refuses them too."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext as _


@receiver(m2m_changed, dispatch_uid="tenancy_m2m_same_org")
def refuse_cross_org_m2m(
    sender: Any, instance: Any, action: str, model: Any, pk_set: Any, **kwargs: Any
) -> None:
    from .models import TenantScoped

    if action != "pre_add" or not pk_set:
        return
    if not isinstance(instance, TenantScoped) or not issubclass(model, TenantScoped):
        return
    orgs = set(model._base_manager.filter(pk__in=pk_set).values_list("organization_id", flat=True))
    found = model._base_manager.filter(pk__in=pk_set).count()
    if orgs - {instance.organization_id} or found != len(pk_set):
        raise ValidationError(_("Not found in this organization."))
