"""Re-encrypt every stored credential with the newest key of CREDENTIAL_KEYS."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dashboard.audit.log import record
from dashboard.credentials import crypto
from dashboard.credentials.models import VendorAccount
from dashboard.recordings.models import StorageTarget


class Command(BaseCommand):
    help = (
        "Re-encrypt all vendor credentials with the first key in CREDENTIAL_KEYS. Put a new key first, "
        "run this, then remove the old key."
    )

    def handle(self, *args: object, **options: object) -> None:
        rotated = failed = 0
        for account_id in VendorAccount.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                account = VendorAccount.objects.select_for_update().get(pk=account_id)
                try:
                    account.credentials_ciphertext = crypto.rotate(account.credentials_ciphertext)
                except crypto.UndecryptableCredentials:
                    failed += 1
                    self.stderr.write(f"account {account.pk} ({account.label}): no configured key opens it")
                    continue
                account.save(update_fields=["credentials_ciphertext"])
                rotated += 1
        buckets = 0
        for target_id in StorageTarget.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                target = StorageTarget.objects.select_for_update().get(pk=target_id)
                try:
                    target.keys_ciphertext = crypto.rotate(target.keys_ciphertext)
                except crypto.UndecryptableCredentials:
                    failed += 1
                    self.stderr.write(f"storage bucket {target.pk} ({target.name}): no configured key opens it")
                    continue
                target.save(update_fields=["keys_ciphertext"])
                buckets += 1
        record(
            None,
            "credentials.rotate_keys",
            detail={"rotated": rotated, "storage_buckets": buckets, "failed": failed},
            outcome="success" if not failed else "failure",
        )
        self.stdout.write(
            f"Re-encrypted {rotated} vendor account(s) and {buckets} storage bucket(s) with the newest key; "
            f"{failed} could not be opened."
        )
        if failed:
            raise CommandError("some credentials could not be decrypted; keep the old keys until they are fixed")
