from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "dashboard.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from . import jobs, tracing

        jobs.connect_signals()
        tracing.install_record_factory()
