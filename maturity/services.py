"""Maturity writes."""

from django.db import transaction

from cxgov.tenancy.models import Organization


@transaction.atomic
def catalogue_install_default(*, org: Organization) -> None:
    """Install the default catalogue (levers, practices, stages, metrics, data sources) in ``org``."""
    from .catalogue import install

    install(org=org)
