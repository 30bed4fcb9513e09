from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dashboard.core"
    verbose_name = _("Console")

    def ready(self) -> None:
        from .converters import IdConverter

        register_converter(IdConverter, "id")  # before the URLconf is first read
