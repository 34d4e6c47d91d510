from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation: ``manage.py seed_demo``. Holds no models."""

    name = "cxgov.demo"
    label = "demo"
    verbose_name = "Demo data"
