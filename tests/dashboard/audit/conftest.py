"""Audit fixtures: entries of two tenants and one of no tenant."""

from __future__ import annotations

import pytest

from dashboard.audit.log import record
from tests.dashboard.conftest import World2


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
