from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaturityConfig(AppConfig):
    name = "maturity"
    verbose_name = _("Maturity")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (installs the default catalogue for new organizations)
