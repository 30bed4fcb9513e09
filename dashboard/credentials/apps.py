from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "dashboard.credentials"
    verbose_name = _("Vendor accounts")

    def ready(self) -> None:
        from huey.contrib.djhuey import HUEY

        from .connect import close_kept_providers
        from .crypto import register_sealed_field

        register_sealed_field(
            "credentials.VendorAccount", "credentials_ciphertext", noun="vendor account", count_key="rotated"
        )
        HUEY.on_shutdown("credentials.kept_providers")(close_kept_providers)
