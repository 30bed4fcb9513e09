"""dashboard/core/page_cache.py, on the usage report (the page it was made for): a render is
reused only for the same user, language, time zone, address and data; never across tenants or
users; each browser gets CSRF tokens of its own cookie; pages with messages are not kept; ETag
and If-None-Match give 304."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.core.page_cache import unmask
from dashboard.people.models import Preferences
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Membership, Role
from dashboard.usage import views
from tests.dashboard.conftest import HTMX, World2, logged_in
from tests.dashboard.usage.conftest import seed, seeded_today  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("english", "seeded_today")


@pytest.fixture
def usage(two_tenants: World2) -> World2:
    """Two apps of acme and one of harbor with a few weeks of samples (as tests/dashboard/usage)."""
    w = two_tenants
    seed(RtcApp.objects.create(vendor_account=w.acme_account, app_id="app-a", name="Alpha"), 1)
    seed(RtcApp.objects.create(vendor_account=w.harbor_account, app_id="app-h", name="Harbor app"), 7)
    return w


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The reports built (not served from the cache), by scope title."""
    built: list[str] = []
    real: Callable[..., Any] = views.complete_report

    def counted(filters: Any, apps: Any) -> Any:
        built.append(",".join(sorted(app.app_id for app in apps)))
        return real(filters, apps)

    monkeypatch.setattr(views, "complete_report", counted)
    return built


def report(tenant: str = "acme") -> str:
    return reverse("usage:tenant_usage", args=[tenant])


def browser(user: Any) -> Client:
    """A signed-in browser that has its CSRF cookie (a first page set it)."""
    client = logged_in(user)
    client.get(reverse("credentials:account_list", args=["acme" if user.username != "harbor-admin" else "harbor"]))
    return client


def test_the_same_page_for_the_same_browser_is_built_once(usage: World2, builds: list[str]) -> None:
    client = browser(usage.acme_admin)
    first = client.get(report())
    second = client.get(report())
    assert first.status_code == second.status_code == 200
    assert untokened(first.content) == untokened(second.content) and len(builds) == 1
    # the fragment and another range are other pages
    client.get(report(), headers=HTMX)
    client.get(report(), {"range": "7d"})
    client.get(report(), {"range": "7d"})
    assert len(builds) == 3


def test_never_another_tenants_or_users_render(usage: World2, builds: list[str]) -> None:
    acme = browser(usage.acme_admin).get(report()).content.decode()
    assert "Alpha" in acme
    harbor_page = browser(usage.harbor_admin).get(report("harbor"))
    harbor = harbor_page.content.decode()
    assert "Blue Harbor" in harbor and "Acme Rooms" not in harbor and "Alpha" not in harbor and "app-a" not in harbor
    # harbor's admin asking for acme's report: 404 as ever, stored renders or not
    assert browser(usage.harbor_admin).get(report()).status_code == 404
    # the viewer of the same tenant gets a page of their own (no admin buttons, their name)
    viewer = browser(usage.acme_viewer).get(report()).content.decode()
    assert usage.acme_viewer.username in viewer and usage.acme_admin.username not in viewer
    assert usage.acme_admin.username in acme
    assert len(builds) == 3


def tokens(page: bytes) -> list[str]:
    """The CSRF tokens a page carries (its forms' hidden fields and htmx's header)."""
    found = re.findall(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', page)
    found += re.findall(rb'"X-CSRFToken": "([A-Za-z0-9]+)"', page)
    return [token.decode() for token in found]


def untokened(page: bytes) -> bytes:
    """A page without its CSRF tokens (a fresh mask of the browser's cookie on every answer)."""
    return re.sub(rb"[A-Za-z0-9]{64}", b"", page)


def test_another_browser_of_the_same_user_gets_the_render_with_its_own_csrf_token(
    usage: World2, builds: list[str]
) -> None:
    one, two = browser(usage.acme_admin), browser(usage.acme_admin)
    first, second = one.get(report()), two.get(report())
    assert len(builds) == 1  # one render for the user's two browsers
    assert one.cookies["csrftoken"].value != two.cookies["csrftoken"].value
    for client, page in ((one, first), (two, second)):
        found = tokens(page.content)
        assert found and {unmask(token.encode()) for token in found} == {client.cookies["csrftoken"].value}
        assert b"\x00" not in page.content
    # the same page apart from the tokens
    assert untokened(first.content) == untokened(second.content)
    # and a POST with the stored page's token passes the CSRF check in that browser
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = two.cookies
    posted = strict.post(reverse("people:logout"), {"csrfmiddlewaretoken": tokens(two.get(report()).content)[0]})
    assert posted.status_code == 302 and len(builds) == 1


def test_a_page_without_a_csrf_cookie_yet_is_not_kept(usage: World2, builds: list[str]) -> None:
    client = logged_in(usage.acme_admin)  # no page seen: no CSRF cookie
    client.get(report())
    client.get(report())  # has the cookie now: its own key, built again
    client.get(report())
    assert len(builds) == 2


def test_a_role_change_is_a_new_page(usage: World2, builds: list[str]) -> None:
    client = browser(usage.acme_admin)
    client.get(report())
    Membership.objects.filter(user=usage.acme_admin, tenant=usage.acme).update(role=Role.VIEWER)
    client.get(report())
    assert len(builds) == 2


def test_language_and_time_zone_are_part_of_the_page(usage: World2, builds: list[str]) -> None:
    client = browser(usage.acme_admin)
    client.get(report())
    Preferences.objects.update_or_create(user=usage.acme_admin, defaults={"time_zone": "Asia/Tokyo"})
    client.get(report())
    Preferences.objects.filter(user=usage.acme_admin).update(language="zh-hans")
    page = client.get(report())
    assert len(builds) == 3 and b'lang="zh-hans"' in page.content


def test_a_page_with_a_message_is_built_each_time(usage: World2, builds: list[str]) -> None:
    client = browser(usage.acme_admin)
    for _ in range(2):
        page = client.get(report(), {"range": "custom", "from": "2026-02-30", "to": "2026-03-01"})
        assert page.status_code == 200 and b"YYYY-MM-DD" in page.content  # said every time
    assert len(builds) == 2


def test_etag_and_if_none_match(usage: World2, builds: list[str]) -> None:
    client = browser(usage.acme_admin)
    first = client.get(report(), headers=HTMX)
    etag = first["ETag"]
    assert etag.startswith('"') and "HX-Request" in first["Vary"]
    again = client.get(report(), headers={**HTMX, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert {"private", "no-store"} <= {part.strip() for part in again["Cache-Control"].split(",")}
    assert client.get(report(), headers={**HTMX, "If-None-Match": '"other"'}).status_code == 200
    assert len(builds) == 1
