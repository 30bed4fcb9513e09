from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MixingConfig(AppConfig):
    name = "dashboard.mixing"
    verbose_name = _("Mixed-stream layouts")

    def ready(self) -> None:
        from dashboard.audit.links import register

        from .audit_links import push_links

        register(["mixing"], push_links)
