"""dashboard/audit/filters.py: the audit filters are the page's address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.audit.log import record
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.filter_bars import filter_bar, names, pushes_the_address

pytestmark = pytest.mark.usefixtures("english")


def test_the_audit_filters_are_the_address_and_a_bookmark_restores_them(two_tenants: World2) -> None:
    w = two_tenants
    record(w.acme_admin, "account.test", vendor_account=w.acme_account, target="Acme Aliyun", vendor_request_id="R-1")
    record(w.acme_admin, "account.update", vendor_account=w.acme_account, vendor_request_id="R-2")
    client = logged_in(w.acme_admin)
    url = reverse("audit:tenant_audit", args=["acme"])
    query = {
        "q": "R-",
        "request_id": "R-2",
        "action": "account.update",
        "outcome": "success",
        "since": "2000-01-01",
        "until": "2099-12-31",
    }
    page = client.get(url, query).content.decode()
    form = filter_bar(page)
    pushes_the_address(form, "#entries")
    assert names(form) == set(query)
    for key, value in query.items():
        assert f'name="{key}" value="{value}"' in form or f'<option value="{value}" selected>' in form, key
    entries = page[page.index('<div id="entries">') :]
    assert "R-2" in entries and "R-1" not in entries
    # A refused value is said beside its input and left out: the other filters still apply.
    refused = client.get(url, query | {"since": "2024-02-30"}).content.decode()
    assert 'aria-describedby="filter-since_error"' in refused and "Enter a date as YYYY-MM-DD." in refused
    assert "R-2" in refused[refused.index('<div id="entries">') :]
