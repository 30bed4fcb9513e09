from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "dashboard.recordings"
    verbose_name = "Recordings"
