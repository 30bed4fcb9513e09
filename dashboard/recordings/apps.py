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
