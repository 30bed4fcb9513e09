"""Re-encrypt every stored secret (vendor credentials, storage bucket keys: crypto.SEALED_FIELDS)
with the newest key of CREDENTIAL_KEYS."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dashboard.audit.log import record
from dashboard.credentials import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt all vendor credentials and storage bucket keys with the first key in CREDENTIAL_KEYS. "
        "Put a new key first, run this, then remove the old key."
    )

    def handle(self, *args: object, **options: object) -> None:
        counts: dict[str, int] = {}
        failed = 0
        for sealed in crypto.SEALED_FIELDS:
            counts[sealed.count_key], failed_here = self._rotate(sealed)
            failed += failed_here
        record(
            None,
            "credentials.rotate_keys",
            detail={**counts, "failed": failed},
            outcome="success" if not failed else "failure",
        )
        done = " and ".join(f"{counts[sealed.count_key]} {sealed.noun}(s)" for sealed in crypto.SEALED_FIELDS)
        self.stdout.write(f"Re-encrypted {done} with the newest key; {failed} could not be opened.")
        if failed:
            raise CommandError("some secrets could not be decrypted; keep the old keys until they are fixed")

    def _rotate(self, sealed: crypto.SealedField) -> tuple[int, int]:
        model = apps.get_model(sealed.model)
        rotated = failed = 0
        # An empty field holds no secret (an email destination has no webhook address): nothing to rotate.
        sealed_rows = model._default_manager.exclude(**{sealed.field: ""})
        for pk in sealed_rows.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                row = model._default_manager.select_for_update().get(pk=pk)
                try:
                    setattr(row, sealed.field, crypto.rotate(getattr(row, sealed.field)))
                except crypto.UndecryptableCredentials:
                    failed += 1
                    self.stderr.write(f"{sealed.noun} {row.pk} ({row}): no configured key opens it")
                    continue
                row.save(update_fields=[sealed.field])
                rotated += 1
        return rotated, failed
