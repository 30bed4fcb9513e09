"""In a real browser: staff and a tenant admin land on the home page, and every figure there is
the figure of the page it opens; search finds a live user by id from the header (focused with
"/") and opens the channel they are in."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import BROWSER, PASSWORD, World2
from tests.dashboard.home.conftest import LIVE_USER, seed_cockpit
from tests.dashboard.home.figures import Figure, number, on_page

pytestmark = BROWSER


@pytest.fixture
def cockpit(two_tenants: World2) -> World2:
    return seed_cockpit(two_tenants)


def log_in(page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def follow_every_figure(page, home_url: str) -> int:
    """Click each linked figure of the home page and compare it with what the opened page shows."""
    links = page.locator("#home a[data-figure]")
    count = links.count()
    for index in range(count):
        page.goto(home_url)
        link = page.locator("#home a[data-figure]").nth(index)
        figure = Figure(link.get_attribute("data-figure"), link.inner_text(), link.get_attribute("href"), None)
        figure.account = link.get_attribute("data-account")
        link.click()
        page.wait_for_load_state()
        assert number(figure.text) == on_page(figure, page.content()), (figure, page.url)
    return count


def test_staff_and_a_tenant_admin_land_on_home_and_its_figures_agree(
    transactional_db, browser_page, cockpit: World2
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    log_in(page, cockpit.staff.username)
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    expect(page.locator("#tenant-figures tbody tr").first).to_have_attribute("data-tenant", "harbor")
    assert follow_every_figure(page, "/") == 2 * 10

    page.context.clear_cookies()
    log_in(page, cockpit.harbor_admin.username)  # one tenant: that tenant's home
    expect(page).to_have_url(re.compile(r"/t/harbor/$"))
    expect(page.locator("#accounts")).to_contain_text("connection test failed")
    assert follow_every_figure(page, "/t/harbor/") >= 6


def test_search_finds_a_live_user_from_the_header_and_opens_the_channel(
    transactional_db, browser_page, cockpit: World2
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    log_in(page, cockpit.acme_admin.username)
    expect(page.locator("#home")).to_be_visible()
    page.locator("main h1").click()  # the page, not a field, has the focus
    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type(LIVE_USER)
    page.keyboard.press("Enter")
    live = page.locator("#user-live")
    expect(live).to_contain_text("acme-room-1")
    expect(page.locator("#user-seen")).to_contain_text("acme-quiet")
    live.get_by_role("link", name="acme-room-1").click()
    expect(page).to_have_url(re.compile(rf"/t/acme/channels/{cockpit.acme_live.pk}/$"))
    expect(page.get_by_role("heading", name=re.compile("acme-room-1"))).to_be_visible()
