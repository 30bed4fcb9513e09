from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "dashboard.home"
    verbose_name = "Home and search"
