"""The audit log: who, what, when, outcome, request id; append-only; scoped like everything else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.audit.log import record
from dashboard.audit.models import AuditEntry

from .conftest import HTMX, World2, logged_in


@pytest.fixture
def entries(two_tenants: World2) -> World2:
    w = two_tenants
    record(
        w.acme_admin, "account.test", vendor_account=w.acme_account, target="Acme Aliyun", vendor_request_id="REQ-A1"
    )
    record(
        w.acme_admin,
        "account.test",
        vendor_account=w.acme_account,
        outcome="failure",
        error_code="SignatureDoesNotMatch",
        message="bad signature",
        vendor_request_id="REQ-A2",
    )
    record(w.harbor_admin, "account.update", vendor_account=w.harbor_account, vendor_request_id="REQ-H1")
    record(None, "credentials.rotate_keys", detail={"rotated": 2, "failed": 0})
    return w


def test_entries_cannot_be_edited_or_deleted(entries: World2) -> None:
    entry = AuditEntry.objects.first()
    entry.outcome = "success"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


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


def test_unknown_actions_are_refused(two_tenants: World2) -> None:
    with pytest.raises(ValueError):
        record(two_tenants.acme_admin, "made.up")


def rows(page: str) -> str:
    return page[page.index("<tbody>") : page.index("</tbody>")] if "<tbody>" in page else ""


def test_tenant_admin_sees_their_tenants_entries_only(entries: World2) -> None:
    page = rows(logged_in(entries.acme_admin).get(reverse("audit:tenant_audit", args=["acme"])).content.decode())
    assert "REQ-A1" in page and "REQ-A2" in page and "SignatureDoesNotMatch" in page
    assert "REQ-H1" not in page and "Credential keys rotated" not in page
    assert "Connection tested" in page and "acme-admin" in page


def test_viewers_do_not_read_the_audit_log(entries: World2) -> None:
    assert logged_in(entries.acme_viewer).get(reverse("audit:tenant_audit", args=["acme"])).status_code == 403
    # acme-admin is only a viewer of harbor
    assert logged_in(entries.acme_admin).get(reverse("audit:tenant_audit", args=["harbor"])).status_code == 403


def test_staff_see_every_entry_with_its_tenant(entries: World2) -> None:
    page = rows(logged_in(entries.staff).get(reverse("staff:all_audit")).content.decode())
    for text in ("REQ-A1", "REQ-H1", "Credential keys rotated", "Blue Harbor", "Acme Rooms", "system"):
        assert text in page


@pytest.mark.parametrize(
    "query,shown,hidden",
    [
        ({"outcome": "failure"}, ["REQ-A2"], ["REQ-A1", "REQ-H1"]),
        ({"action": "account.update"}, ["REQ-H1"], ["REQ-A1"]),
        ({"q": "REQ-A1"}, ["REQ-A1"], ["REQ-A2"]),
        ({"since": "2999-01-01"}, [], ["REQ-A1"]),
        ({"until": "2999-01-01", "action": "nonsense", "since": "not-a-date"}, ["REQ-A1", "REQ-H1"], []),
    ],
)
def test_filters(entries: World2, query: dict, shown: list[str], hidden: list[str]) -> None:
    fragment = logged_in(entries.staff).get(reverse("staff:all_audit"), query, headers=HTMX).content.decode()
    assert "<html" not in fragment
    page = rows(fragment)
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page
    if not shown:
        assert "No entry matches these filters." in fragment


def test_empty_log_says_what_writes_the_first_entry(two_tenants: World2) -> None:
    page = logged_in(two_tenants.acme_admin).get(reverse("audit:tenant_audit", args=["acme"])).content.decode()
    assert "Nothing has been changed yet" in page
