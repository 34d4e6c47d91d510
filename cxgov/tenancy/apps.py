from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "cxgov.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the cross-organization guard for M2M)
