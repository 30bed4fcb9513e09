from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "dashboard.live"
    verbose_name = _("Live channels")

    def ready(self) -> None:
        from dashboard.audit.links import register

        from .audit_links import channel_pages

        register(["live"], channel_pages)
