from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RtcConfig(AppConfig):
    name = "dashboard.rtc"
    verbose_name = _("RTC apps")

    def ready(self) -> None:
        from dashboard.audit.links import register

        from .audit_links import account_links

        register(["account", "apps", "app"], account_links)
