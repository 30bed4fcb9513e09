from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "dashboard.usage"
    verbose_name = _("Usage")

    def ready(self) -> None:
        # Their receivers: a lifted stop (credentials.blocking.unblocked), an account change
        # (credentials.jobs.account_changed), a refreshed app list (rtc.tasks.apps_listed), a
        # deleted app (its account's roll-ups).
        from . import jobs, rollups, sync  # noqa: F401
