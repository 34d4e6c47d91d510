from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "cxgov.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # Discovered now, when every app's models are loaded: a model another app adds tomorrow to
        # an audited app is registered without anyone editing this list.
        from .registry import register_all

        register_all()
