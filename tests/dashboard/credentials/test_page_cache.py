"""The accounts page's stored render (dashboard/credentials/views.py): kept while nothing it
shows changes; a connection test's outcome, an account renamed, a tenant added to the header's
menu each make a new page; never another tenant's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from dashboard.credentials import views
from dashboard.credentials.models import VendorAccount
from dashboard.tenancy.models import Tenant
from tests.dashboard.conftest import World2, logged_in

pytestmark = pytest.mark.usefixtures("english")

URL = reverse("credentials:account_list", args=["acme"])


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    rendered: list[int] = []
    real = views.paginate

    def counted(*args: Any, **kwargs: Any) -> Any:
        rendered.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "paginate", counted)
    return rendered


def test_kept_until_what_it_shows_changes(two_tenants: World2, renders: list[int]) -> None:
    client = logged_in(two_tenants.staff)
    client.get(URL)  # the CSRF cookie: this first page is not kept
    page = client.get(URL).content.decode()
    # the same page but for its CSRF tokens (a fresh mask of the cookie on every answer)
    assert untokened(client.get(URL).content.decode()) == untokened(page) and len(renders) == 2
    VendorAccount.objects.filter(pk=two_tenants.acme_account.pk).update(
        last_check_outcome="failed", last_check_error="signature mismatch"
    )
    assert "signature mismatch" in client.get(URL).content.decode() and len(renders) == 3
    VendorAccount.objects.filter(pk=two_tenants.acme_account.pk).update(label="Acme renamed")
    assert "Acme renamed" in client.get(URL).content.decode() and len(renders) == 4
    Tenant.objects.create(name="Zebra Calls", slug="zebra")
    assert "Zebra Calls" in client.get(URL).content.decode() and len(renders) == 5


def test_never_another_tenants_or_users_page(two_tenants: World2, renders: list[int]) -> None:
    admin = logged_in(two_tenants.acme_admin)
    admin.get(URL)
    assert "Add vendor account" in admin.get(URL).content.decode()
    viewer = logged_in(two_tenants.acme_viewer)
    viewer.get(URL)
    page = viewer.get(URL).content.decode()
    assert "Add vendor account" not in page and two_tenants.acme_viewer.username in page
    assert logged_in(two_tenants.harbor_admin).get(URL).status_code == 404


def untokened(page: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "", page)
