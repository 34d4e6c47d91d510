"""What invalidates the cached executive dashboard: every change to data it shows bumps the
organization's data version (``freshness.bump_org_version``).

Connected in ``DashboardsConfig.ready``. The dashboards app sits on top of the dependency order, so
it may listen to every lower app. Feedback responses, follow-up cases, imports and API logs are not
listened to: they change constantly, and responses reach the dashboard only through the rollups,
whose refresh sends ``voc.signals.rollups_refreshed``. Rollups and lever scores are not listened to
either: they are written in bulk (raw SQL, ``bulk_create``), covered by that signal and by the
maturity snapshot they belong to, and a delete receiver on them would turn their bulk deletes into
row-by-row ones.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from cxgov.tenancy.models import TenantScoped

from .freshness import bump_org_version

# Every tenant model of these apps (except SKIPPED), and the VoC models the dashboard reads.
ALL_MODELS_OF = ("cem_levers", "initiatives", "governance", "maturity")
VOC_MODELS = ("Segment", "Product", "Journey", "JourneyStage", "Touchpoint", "Metric")
SKIPPED = {("maturity", "LeverScore")}
# A user's name shows on the dashboard (a goal's owner); logging in only touches last_login.
USER_FIELDS_IGNORED = frozenset({"last_login"})


def tracked_models() -> list[type[TenantScoped]]:
    models: list[type[TenantScoped]] = []
    for label in ALL_MODELS_OF:
        for model in apps.get_app_config(label).get_models():
            if issubclass(model, TenantScoped) and (label, model.__name__) not in SKIPPED:
                models.append(model)
    models.extend(apps.get_model("voc", name) for name in VOC_MODELS)
    return models


def _tenant_changed(sender: Any, instance: TenantScoped, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    bump_org_version(instance.organization_id)


def _links_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, TRACKED):
        bump_org_version(instance.organization_id)


def _organization_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    bump_org_version(instance.pk)


def _user_changed(sender: Any, instance: Any, update_fields: Any = None, created: bool = False,
                  **kwargs: Any) -> None:
    if created or kwargs.get("raw") or (update_fields is not None and set(update_fields) <= USER_FIELDS_IGNORED):
        return
    for org_id in instance.memberships.values_list("organization_id", flat=True):
        bump_org_version(org_id)


def _rollups_refreshed(sender: Any, org_id: int, **kwargs: Any) -> None:
    bump_org_version(org_id)


def _initiative_status_changed(sender: Any, org_id: int, **kwargs: Any) -> None:
    bump_org_version(org_id)


TRACKED: tuple[type, ...] = ()


def connect() -> None:
    global TRACKED
    from cxgov.tenancy.models import Organization, User
    from initiatives.signals import initiative_status_changed
    from voc.signals import rollups_refreshed

    models = tracked_models()
    TRACKED = tuple(models)
    for model in models:
        uid = f"dashboards_fresh_{model._meta.label_lower}"
        post_save.connect(_tenant_changed, sender=model, dispatch_uid=f"{uid}_save")
        post_delete.connect(_tenant_changed, sender=model, dispatch_uid=f"{uid}_delete")
    m2m_changed.connect(_links_changed, dispatch_uid="dashboards_fresh_m2m")
    post_save.connect(_organization_changed, sender=Organization, dispatch_uid="dashboards_fresh_org")
    post_save.connect(_user_changed, sender=User, dispatch_uid="dashboards_fresh_user")
    rollups_refreshed.connect(_rollups_refreshed, dispatch_uid="dashboards_fresh_rollups")
    initiative_status_changed.connect(_initiative_status_changed, dispatch_uid="dashboards_fresh_status")
