from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "dashboard.usage"
    verbose_name = _("Usage")

    def ready(self) -> None:
        from . import sync  # noqa: F401  (listens for a lifted stop: dashboard.credentials.blocking.unblocked)
