"""rotate_credential_keys: every secret re-encrypted with the newest key."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.core.management import call_command

from dashboard.alerts.models import Destination
from dashboard.audit.models import AuditEntry
from dashboard.credentials import crypto
from dashboard.credentials.models import VendorAccount
from dashboard.recordings.models import StorageTarget
from tests.dashboard.conftest import CANARY_SECRET, World2


def test_rotate_keys_reencrypts_everything_with_the_newest_key(two_tenants: World2, settings) -> None:
    old_key = settings.CREDENTIAL_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.CREDENTIAL_KEYS = [new_key, old_key]
    assert not crypto.uses_newest_key(two_tenants.acme_account.credentials_ciphertext)
    bucket = StorageTarget(tenant=two_tenants.acme, name="Archive", provider=1, region=0, bucket="b")
    bucket.set_keys("AKIAROTATE", "bucket-secret")
    bucket.save()
    hook = Destination(tenant=two_tenants.acme, name="Hook", kind="webhook")
    hook.set_secrets("https://hooks.example.com/x", "hook-signing-secret")
    hook.save()
    Destination.objects.create(tenant=two_tenants.acme, name="Mail", kind="email", emails="a@example.com")
    call_command("rotate_credential_keys")
    settings.CREDENTIAL_KEYS = [new_key]  # the old key can now be dropped
    for account in VendorAccount.objects.all():
        assert crypto.uses_newest_key(account.credentials_ciphertext)
    assert VendorAccount.objects.get(pk=two_tenants.acme_account.pk).credentials()["access_key_secret"] == CANARY_SECRET
    entry = AuditEntry.objects.get(action="credentials.rotate_keys")
    bucket.refresh_from_db()
    assert crypto.uses_newest_key(bucket.keys_ciphertext) and bucket.keys()["secret_key"] == "bucket-secret"
    hook.refresh_from_db()
    assert crypto.uses_newest_key(hook.secrets_ciphertext) and hook.secrets()["signing_secret"] == "hook-signing-secret"
    assert entry.detail == {"rotated": 2, "storage_buckets": 1, "alert_destinations": 1, "failed": 0}
    assert entry.actor_name == "system"
