"""Install the default catalogue whenever an organization is created."""

from typing import Any

from django.dispatch import receiver

from cxgov.tenancy.services import organization_created


@receiver(organization_created, dispatch_uid="maturity_install_default_catalogue")
def install_default_catalogue(sender: Any, organization: Any, **kwargs: Any) -> None:
    from .services import catalogue_install_default

    catalogue_install_default(org=organization)
