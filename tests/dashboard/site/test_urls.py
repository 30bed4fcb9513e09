"""The URL conventions: app namespaces, one include for the tenant's pages, sign-in required unless
a view is marked public, and the main menu marking where the user is."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from dashboard.live.models import Channel
from dashboard.recordings.models import Recording
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.site.test_isolation import kwargs_for, named_patterns

# Marked @login_not_required; every other view sends an anonymous visitor to the login page.
PUBLIC_VIEWS = {
    "people:login",
    "people:sso_start",  # single sign-on: off (404) until configured
    "people:sso_callback",
    "people:logout",  # a session that already ended may still press "Log out"
    "ops:healthz",
    "ops:readyz",
    "metrics:metrics",  # Prometheus: a bearer token or an address allow-list instead
    "hooks:recording_callback",
    "hooks:recording_callback_bound",
    "admin:login",  # Django's own
}


def public_views() -> set[str]:
    return {
        name
        for name, pattern in named_patterns(skip_admin=False)
        if not getattr(pattern.callback, "login_required", True)
    }


def test_the_public_views_are_exactly_the_expected_ones() -> None:
    assert public_views() == PUBLIC_VIEWS


def test_every_route_has_a_namespace_and_the_tenant_routes_sit_under_one_include() -> None:
    names = [name for name, _pattern in named_patterns()]
    assert len(names) == len(set(names)) and all(":" in name for name in names), names
    top = get_resolver().url_patterns
    tenant_includes = [p for p in top if "tenant_slug" in str(p.pattern)]
    assert len(tenant_includes) == 1 and isinstance(tenant_includes[0], URLResolver)
    assert str(tenant_includes[0].pattern) == "t/<slug:tenant_slug>/"
    for name, pattern in named_patterns():
        in_tenant = str(pattern.pattern).startswith("t/<slug:tenant_slug>/")
        assert in_tenant == ("tenant_slug" in pattern.pattern.converters), name


@pytest.mark.parametrize(
    "name", [*sorted(name for name, _pattern in named_patterns() if name not in PUBLIC_VIEWS), "admin:index"]
)
def test_anonymous_is_sent_to_the_login_page_by_every_other_view(two_tenants: World2, name: str) -> None:
    if name == "admin:index":  # Django's admin sends to its own login page, as before
        url, login = reverse(name), reverse("admin:login")
    else:
        pattern = dict(named_patterns())[name]
        url, login = (
            reverse(name, kwargs=kwargs_for(pattern, two_tenants, two_tenants.acme.slug)),
            reverse("people:login"),
        )
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302, f"{method.upper()} {url}: {response.status_code}"
        assert response["Location"].startswith(f"{login}?next="), response["Location"]


def test_public_views_answer_an_anonymous_visitor_themselves(two_tenants: World2) -> None:
    client = Client()
    assert client.get(reverse("people:login")).status_code == 200
    assert client.get(reverse("ops:healthz")).status_code == 200
    assert client.get(reverse("ops:readyz")).status_code in (200, 503)
    assert client.post(reverse("people:logout"))["Location"] == reverse("people:login")
    assert client.get(reverse("admin:login")).status_code == 200
    callback = client.post(reverse("hooks:recording_callback", args=["not-a-signed-account"]), "{}", "application/json")
    assert callback.status_code in (400, 403, 404)


class MainMenu(HTMLParser):
    """The items of the main menu that say they are current: (aria-current, class, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_menu = False
        self.current: list[list[str]] = []
        self.open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "nav" and attributes.get("aria-label") == "Main":
            self.in_menu = True
        elif self.in_menu and "aria-current" in attributes and "dropdown-item" not in (attributes.get("class") or ""):
            self.open = [attributes["aria-current"] or "", attributes.get("class") or "", ""]
            self.current.append(self.open)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.in_menu = False
        if tag in ("a", "button"):
            self.open = None

    def handle_data(self, data: str) -> None:
        if self.open is not None:
            self.open[2] += data.strip()


def current_items(client: Client, url: str) -> list[tuple[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    menu = MainMenu()
    menu.feed(response.content.decode())
    for _current, classes, _text in menu.current:
        assert "active" in classes.split()
    return [(text, current) for current, _classes, text in menu.current]


def test_the_menu_marks_the_section_of_the_page_and_its_own_page(two_tenants: World2) -> None:
    world = two_tenants
    channel = Channel.objects.create(app=world.acme_manual_app, channel_id="menu-room")
    recording = Recording.objects.create(channel=channel, recording_id="menu-recording")
    admin = logged_in(world.acme_admin)
    account = world.acme_account.pk
    expected = {
        reverse("recordings:recording_list", args=["acme"]): [("Recordings", "page")],
        reverse("recordings:recording_detail", args=["acme", recording.pk]): [("Recordings", "true")],
        reverse("recordings:storage_list", args=["acme"]): [("Recordings", "true")],
        reverse("credentials:account_list", args=["acme"]): [("Vendor accounts", "true")],
        reverse("rtc:account_detail", args=["acme", account]): [("Vendor accounts", "true")],
        reverse("live:channel_detail", args=["acme", channel.pk]): [("Vendor accounts", "true")],
        reverse("usage:tenant_usage", args=["acme"]): [("Usage", "page")],
        reverse("usage:account_usage", args=["acme", account]): [("Usage", "true")],
        reverse("mixing:layout_list", args=["acme"]): [("Layouts", "page")],
        reverse("audit:tenant_audit", args=["acme"]): [("Audit log", "page")],
        reverse("people:preferences"): [],
        reverse("tenancy:tenant_list"): [],
    }
    for url, items in expected.items():
        assert current_items(admin, url) == items, url
    staff = logged_in(world.staff)
    # Staff pages sit under one menu ("All tenants"), lit, and the page's own item in it.
    for name, label in [
        ("staff:all_audit", "Audit (all tenants)"),
        ("staff:usage_overview", "Usage (all tenants)"),
        ("staff:ops_jobs", "Jobs"),
        ("staff:all_active_tasks", "Active tasks (all tenants)"),
    ]:
        assert current_items(staff, reverse(name)) == [("All tenants", "true")], name
        page = staff.get(reverse(name)).content.decode()
        assert f'href="{reverse(name)}" aria-current="page">{label}</a>' in page, name
    assert current_items(admin, reverse("recordings:active_tasks", args=["acme"])) == [("Active tasks", "page")]


def test_the_accounts_menu_marks_the_open_account(two_tenants: World2) -> None:
    world = two_tenants
    page = logged_in(world.acme_admin).get(reverse("rtc:account_detail", args=["acme", world.acme_account.pk]))
    menu = page.content.decode().split('aria-label="Breadcrumb"')[0]
    link = f'href="{reverse("rtc:account_detail", args=["acme", world.acme_account.pk])}" aria-current="page"'
    assert link in menu
    assert menu.count('aria-current="page"') == 1
