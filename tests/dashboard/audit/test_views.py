"""dashboard/audit/views.py: the audit log, scoped like everything else, filtered, explained when empty."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.dashboard.conftest import HTMX, World2, logged_in


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


def test_a_vendor_request_id_finds_its_entries_exactly(entries: World2) -> None:
    admin = logged_in(entries.acme_admin)
    page = rows(admin.get(reverse("audit:tenant_audit", args=["acme"]), {"request_id": "REQ-A2"}).content.decode())
    assert "REQ-A2" in page and "REQ-A1" not in page
    assert rows(admin.get(reverse("audit:tenant_audit", args=["acme"]), {"request_id": "REQ-A"}).content.decode()) == ""
    # Each request id links to the entries that carry it.
    full = admin.get(reverse("audit:tenant_audit", args=["acme"])).content.decode()
    assert 'href="?request_id=REQ-A1"' in full
    # Another tenant's request id finds nothing here.
    assert "REQ-H1" not in rows(
        admin.get(reverse("audit:tenant_audit", args=["acme"]), {"request_id": "REQ-H1"}).content.decode()
    )


def test_the_csv_holds_the_filtered_entries_formula_safe(entries: World2) -> None:
    from dashboard.audit.log import record

    w = entries
    record(
        w.acme_admin,
        "account.test",
        vendor_account=w.acme_account,
        target='=HYPERLINK("http://evil")',
        message="+1 bad",
        vendor_request_id="REQ-A3",
    )
    admin = logged_in(w.acme_admin)
    page = admin.get(reverse("audit:tenant_audit", args=["acme"]), {"outcome": "success"}).content.decode()
    assert f'href="{reverse("audit:tenant_audit_csv", args=["acme"])}?outcome=success"' in page
    response = admin.get(reverse("audit:tenant_audit_csv", args=["acme"]), {"outcome": "success"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-acme-')
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Time (UTC),Who,Tenant")
    assert "REQ-A1" in text and "REQ-A3" in text
    assert "REQ-A2" not in text and "REQ-H1" not in text  # failed entries filtered out, other tenant never
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    # Viewers read no audit log, and no export of it; staff export every tenant's.
    assert logged_in(w.acme_viewer).get(reverse("audit:tenant_audit_csv", args=["acme"])).status_code == 403
    everything = logged_in(w.staff).get(reverse("staff:all_audit_csv")).content.decode("utf-8-sig")
    assert "REQ-H1" in everything and "REQ-A2" in everything
