from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "dashboard.recordings"
    verbose_name = "Recordings"

    def ready(self) -> None:
        from dashboard.audit.links import register
        from dashboard.credentials.crypto import register_sealed_field

        from .audit_links import recording_links

        # Bucket keys are sealed with the vendor credentials' keys, and rotated with them.
        register_sealed_field(
            "recordings.StorageTarget", "keys_ciphertext", noun="storage bucket", count_key="storage_buckets"
        )
        register(["recording", "storage"], recording_links)
        # The live page shows what runs on its channel (the running_on_channel tag): a push or a
        # recording starting, changing or ending is a new version of that page.
        from dashboard.core.page_cache import add_version_part

        from .active import running_on_channel_version

        add_version_part("live:channel_detail", running_on_channel_version)
