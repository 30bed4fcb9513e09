"""The home pages: every figure agrees with the page it links to, worst tenant first, refreshed
as a fragment, each reader seeing only their tenants."""

from __future__ import annotations

from django.urls import reverse

from tests.dashboard.conftest import HTMX, World2, logged_in

from .figures import figures_in, number, on_page

# Figures that are sums or counts of the linked rows beside them, not links themselves.
UNLINKED_ON_TENANT_HOME = {
    "live-channels",
    "live-members",
    "minutes-week-average",
    "troubled-accounts",
    "open-alerts",
    "running-pushes",
}


def check_links(client, html: str) -> int:
    checked = 0
    for figure in figures_in(html):
        if figure.href is None:
            continue
        target = client.get(figure.href, follow=True)
        assert target.status_code == 200, figure
        assert number(figure.text) == on_page(figure, target.content.decode()), figure
        checked += 1
    return checked


def test_staff_home_figures_agree_with_their_pages_and_the_worst_tenant_comes_first(cockpit: World2) -> None:
    client = logged_in(cockpit.staff)
    html = client.get(reverse("home:home")).content.decode()
    assert html.index('data-tenant="harbor"') < html.index('data-tenant="acme"')  # a failing account
    assert check_links(client, html) == 2 * 10
    # Every figure of the tenant table links; the alerts panel's count is the length of its list.
    assert [f.name for f in figures_in(html) if f.href is None] == ["open-alerts"]


def test_tenant_home_figures_agree_with_their_pages(cockpit: World2) -> None:
    client = logged_in(cockpit.acme_admin)
    html = client.get(reverse("home:tenant_home", args=["acme"])).content.decode()
    shown = {f.name: number(f.text) for f in figures_in(html)}
    assert shown["live-channels"] == 2 and shown["live-members"] == 9
    assert shown["minutes-today"] == 111 and shown["minutes-yesterday"] == 113
    assert shown["minutes-week"] == sum(100 + back + 10 + back + 1 for back in range(1, 8))
    assert shown["minutes-week-average"] == round(shown["minutes-week"] / 7)
    assert shown["recordings-attention"] == 1 and shown["running-recordings"] == 1
    assert shown["running-pushes"] == 1 and shown["troubled-accounts"] == 0 and shown["open-alerts"] == 0
    assert check_links(client, html) >= 6
    unlinked = {f.name for f in figures_in(html) if f.href is None}
    assert unlinked <= UNLINKED_ON_TENANT_HOME
    assert "acme-task-1" in html and "no disk" in html  # the push and why the recording needs attention


def test_live_totals_are_the_sum_of_the_accounts(cockpit: World2) -> None:
    html = logged_in(cockpit.staff).get(reverse("home:tenant_home", args=["acme"])).content.decode()
    found = figures_in(html)
    rows = sum(number(f.text) for f in found if f.name == "account-live-members")
    assert rows == next(number(f.text) for f in found if f.name == "live-members")


def test_an_account_in_trouble_is_named_with_why(cockpit: World2) -> None:
    html = logged_in(cockpit.harbor_admin).get(reverse("home:tenant_home", args=["harbor"])).content.decode()
    assert f'data-troubled-account="{cockpit.harbor_account.pk}"' in html
    assert "connection test failed" in html


def test_the_refresh_is_the_fragment_polled_while_visible(cockpit: World2, settings) -> None:
    settings.HOME_REFRESH_SECONDS = 17
    client = logged_in(cockpit.staff)
    for url in (reverse("home:home"), reverse("home:tenant_home", args=["acme"])):
        response = client.get(url, headers=HTMX)
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="home" data-live-poll') and "<html" not in html
        assert 'hx-trigger="every 17s, live-changed from:body"' in html


def test_each_reader_sees_only_their_tenants(cockpit: World2) -> None:
    harbor = logged_in(cockpit.harbor_admin).get(reverse("home:home"), follow=True).content.decode()
    assert "Blue Harbor" in harbor and "Acme" not in harbor and "acme-" not in harbor
    # Admin of Acme, viewer of Harbor: both tenants, but only Acme's audit entries.
    both = logged_in(cockpit.acme_admin).get(reverse("home:home")).content.decode()
    assert 'data-tenant="acme"' in both and 'data-tenant="harbor"' in both
    assert "acme-target" in both and "harbor-target" not in both
    # A viewer reads no audit log, on the home page either.
    viewer = logged_in(cockpit.acme_viewer).get(reverse("home:tenant_home", args=["acme"])).content.decode()
    assert "latest-actions" not in viewer and "acme-target" not in viewer
    staff = logged_in(cockpit.staff).get(reverse("home:home")).content.decode()
    assert "acme-target" in staff and "harbor-target" in staff


def test_someone_with_no_tenant_is_told_what_to_do(db) -> None:
    from tests.dashboard.conftest import make_user

    html = logged_in(make_user("loner")).get(reverse("home:home")).content.decode()
    assert "You are not a member of any tenant yet." in html


def test_open_alerts_are_shown_to_their_tenant_only_and_link_to_what_they_are_about(cockpit: World2) -> None:
    from django.utils import timezone

    from dashboard.alerts.models import AlertRule, Incident, Kind

    rule = AlertRule.objects.filter(tenant=cockpit.acme, kind=Kind.CHANNEL_MEMBERS_OVER).first()
    rule = rule or AlertRule.objects.create(tenant=cockpit.acme, kind=Kind.CHANNEL_MEMBERS_OVER, threshold=10)
    now = timezone.now()
    Incident.objects.create(
        rule=rule,
        tenant=cockpit.acme,
        subject="channel:crowd",
        title="Channel crowd-7 has 46 members",
        link="/t/acme/channels/",
        opened_at=now,
        last_seen_at=now,
    )
    acme = logged_in(cockpit.acme_admin).get(reverse("home:tenant_home", args=["acme"])).content.decode()
    assert "Channel crowd-7 has 46 members" in acme and 'href="/t/acme/channels/"' in acme
    staff = logged_in(cockpit.staff).get(reverse("home:home")).content.decode()
    assert "Channel crowd-7 has 46 members" in staff
    harbor = logged_in(cockpit.harbor_admin).get(reverse("home:home"), follow=True).content.decode()
    assert "crowd-7" not in harbor
