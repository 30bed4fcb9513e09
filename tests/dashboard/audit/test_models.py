"""dashboard/audit/models.py: entries are append-only."""

from __future__ import annotations

import pytest

from dashboard.audit.models import AuditEntry
from tests.dashboard.conftest import World2


def test_entries_cannot_be_edited_or_deleted(entries: World2) -> None:
    entry = AuditEntry.objects.first()
    entry.outcome = "success"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
