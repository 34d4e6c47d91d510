"""Maturity's reactions to other apps: a new organization's catalogue, and recomputing scores when
their evidence changes (an initiative finishes, rollups move KPI values). Those apps sit lower in
the dependency order and cannot import maturity, so they send signals and maturity listens."""

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from cxgov.tenancy.services import organization_created
from initiatives.models import Initiative
from initiatives.signals import initiative_status_changed
from voc.signals import rollups_refreshed


@receiver(organization_created, dispatch_uid="maturity_install_default_catalogue")
def install_default_catalogue(sender: Any, organization: Any, **kwargs: Any) -> None:
    from .services import catalogue_install_default

    catalogue_install_default(org=organization)


@receiver(initiative_status_changed, dispatch_uid="maturity_recompute_on_initiative")
def recompute_on_initiative(sender: Any, org_id: int, old_status: str, new_status: str, **kwargs: Any) -> None:
    """Delivered initiatives are evidence: entering or leaving *done* changes a lever's score."""
    if Initiative.Status.DONE in (old_status, new_status):
        from .tasks import recompute_scores

        transaction.on_commit(lambda: recompute_scores.delay(org_id=org_id))


@receiver(rollups_refreshed, dispatch_uid="maturity_recompute_on_rollups")
def recompute_on_rollups(sender: Any, org_id: int, **kwargs: Any) -> None:
    """KPI targets met are evidence, and KPI values come from rollups."""
    from .tasks import recompute_scores

    transaction.on_commit(lambda: recompute_scores.delay(org_id=org_id))
