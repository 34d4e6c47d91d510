from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortabilityConfig(AppConfig):
    name = "cxgov.portability"
    label = "portability"
    verbose_name = _("Data ownership")
