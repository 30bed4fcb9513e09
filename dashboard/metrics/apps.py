from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "dashboard.metrics"
    verbose_name = _("Metrics")

    def ready(self) -> None:
        from . import calls

        calls.install()
