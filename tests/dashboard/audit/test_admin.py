"""dashboard/audit/admin.py: the admin site shows entries read-only."""

from __future__ import annotations

from django.urls import reverse

from dashboard.audit.models import AuditEntry
from tests.dashboard.conftest import World2, logged_in


def test_admin_site_shows_entries_read_only(entries: World2) -> None:
    entries.staff.is_superuser = True
    entries.staff.save()
    client = logged_in(entries.staff)
    entry = AuditEntry.objects.first()
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"outcome": "success"})
    assert AuditEntry.objects.get(pk=entry.pk).outcome == entry.outcome
