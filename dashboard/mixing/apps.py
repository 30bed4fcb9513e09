from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MixingConfig(AppConfig):
    name = "dashboard.mixing"
    verbose_name = _("Mixed-stream layouts")
