"""The header's tenant and vendor-account menus say how many there are when they hold only the first ones."""

from __future__ import annotations

from django.urls import reverse

from dashboard.credentials.models import VendorAccount
from dashboard.tenancy import context_processors
from dashboard.tenancy.models import Tenant
from tests.dashboard.conftest import World2, logged_in


def test_the_tenant_menu_says_how_many_tenants_there_are_when_cut(two_tenants: World2, monkeypatch) -> None:
    staff = logged_in(two_tenants.staff)
    page = reverse("credentials:account_list", args=["acme"])
    total = Tenant.objects.count()
    monkeypatch.setattr(context_processors, "TENANTS_IN_MENU", total)
    assert "data-shown-of" not in staff.get(page).content.decode()
    Tenant.objects.bulk_create(Tenant(name=f"zz {n}", slug=f"zz-{n}") for n in range(3))
    html = staff.get(page).content.decode()
    assert f'data-shown-of="{total}/{total + 3}"' in html
    assert f"{total} of {total + 3} tenants — see the tenant list" in html
    assert f'href="{reverse("tenancy:tenant_list")}" data-shown-of' in html


def test_the_current_tenant_past_the_menu_cut_is_still_named(two_tenants: World2, monkeypatch) -> None:
    monkeypatch.setattr(context_processors, "TENANTS_IN_MENU", 1)
    Tenant.objects.bulk_create(Tenant(name=f"aa {n}", slug=f"aa-{n}") for n in range(3))
    html = logged_in(two_tenants.staff).get(reverse("credentials:account_list", args=["harbor"])).content.decode()
    assert f"<strong>{two_tenants.harbor.name}</strong>" in html


def test_the_account_menu_says_how_many_accounts_there_are_when_cut(two_tenants: World2, monkeypatch) -> None:
    admin = logged_in(two_tenants.acme_admin)
    page = reverse("credentials:account_list", args=["acme"])
    count = VendorAccount.objects.filter(tenant=two_tenants.acme).count()
    monkeypatch.setattr(context_processors, "ACCOUNTS_IN_MENU", count)
    assert "data-shown-of" not in admin.get(page).content.decode()
    VendorAccount.objects.bulk_create(
        VendorAccount(tenant=two_tenants.acme, vendor="aliyun", label=f"Extra {n}", endpoint="http://x.sim")
        for n in range(2)
    )
    html = admin.get(page).content.decode()
    assert f'data-shown-of="{count}/{count + 2}"' in html and f"{count} of {count + 2} vendor accounts" in html
