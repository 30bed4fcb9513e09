from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "dashboard.alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from dashboard.credentials.crypto import register_sealed_field
        from dashboard.tenancy.models import Tenant

        from .defaults import on_tenant_saved

        # Webhook addresses carry their platform's token and signing secrets: sealed like credentials.
        register_sealed_field(
            "alerts.Destination", "secrets_ciphertext", noun="alert destination", count_key="alert_destinations"
        )
        post_save.connect(on_tenant_saved, sender=Tenant, dispatch_uid="alerts.default_rules")
