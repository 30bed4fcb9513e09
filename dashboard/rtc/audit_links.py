"""Audit entries of vendor accounts and their apps link to the account's page (apps are listed there)."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.credentials.models import VendorAccount


def account_links(entries: Sequence[AuditEntry]) -> dict[int, str]:
    # An entry keeps its account's id until the account is deleted (SET_NULL); the scope
    # check is the account's own tenant, so a link never leads to another tenant's page.
    existing = set(
        VendorAccount.objects.filter(pk__in={entry.vendor_account_id for entry in entries}).values_list(
            "pk", "tenant_id"
        )
    )
    return {
        entry.pk: reverse("rtc:account_detail", args=[entry.tenant.slug, entry.vendor_account_id])
        for entry in entries
        if entry.tenant is not None and (entry.vendor_account_id, entry.tenant_id) in existing
    }
