"""The tenant's vendor accounts, every field, as a part of a stored page's version (dashboard/core/page_cache.py)."""

from __future__ import annotations

from typing import Any

from dashboard.core.prepared import all_columns, prepared

from .models import VendorAccount

_ACCOUNTS = prepared(
    lambda tenant: (
        VendorAccount.objects.filter(tenant_id=tenant).order_by("pk").values_list(*all_columns(VendorAccount))
    )
)


def accounts_version(tenant_pk: int) -> list[tuple[Any, ...]]:
    return _ACCOUNTS.rows(tenant_pk)
