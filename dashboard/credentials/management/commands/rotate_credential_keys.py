"""Re-encrypt every stored secret (vendor credentials, storage bucket keys) with the newest key
of CREDENTIAL_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from dashboard.audit.log import record
from dashboard.credentials import crypto
from dashboard.credentials.models import VendorAccount
from dashboard.recordings.models import StorageTarget


class Command(BaseCommand):
    help = (
        "Re-encrypt all vendor credentials and storage bucket keys with the first key in CREDENTIAL_KEYS. "
        "Put a new key first, run this, then remove the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated, failed = self._rotate(VendorAccount, "credentials_ciphertext", "account")
        buckets, failed_buckets = self._rotate(StorageTarget, "keys_ciphertext", "storage bucket")
        failed += failed_buckets
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
            raise CommandError("some secrets could not be decrypted; keep the old keys until they are fixed")

    def _rotate(self, model: type[models.Model], field: str, noun: str) -> tuple[int, int]:
        rotated = failed = 0
        for pk in model._default_manager.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                row = model._default_manager.select_for_update().get(pk=pk)
                try:
                    setattr(row, field, crypto.rotate(getattr(row, field)))
                except crypto.UndecryptableCredentials:
                    failed += 1
                    self.stderr.write(f"{noun} {row.pk} ({row}): no configured key opens it")
                    continue
                row.save(update_fields=[field])
                rotated += 1
        return rotated, failed
