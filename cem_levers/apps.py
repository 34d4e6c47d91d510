from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CemLeversConfig(AppConfig):
    name = "cem_levers"
    verbose_name = _("CEM framework")
