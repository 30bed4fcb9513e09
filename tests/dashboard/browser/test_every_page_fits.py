"""In a real browser, every page of the console (the URL walk of tests/dashboard/site/) at a
phone's width (390 px) and a laptop's (1280 px): no page scrolls sideways (wide tables scroll
in their own box); on the phone the menu collapses behind its button and a member's kick
button is reachable; on the laptop the staff menu has the same items on every page, wraps to
a second row rather than pushing the page wider, and leaves the search a usable width; no
button, menu item or badge has its words cut off at either width."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dashboard.audit.log import record
from dashboard.live.models import Channel, Presence
from dashboard.mixing.models import MixingTask
from dashboard.recordings.models import Recording, RecordingFile, State
from tests.dashboard.conftest import BROWSER, PASSWORD, World2
from tests.dashboard.site.test_isolation import acme_layout, kwargs_for, named_patterns
from tests.dashboard.site.test_query_params import QUERY_PARAMS

pytestmark = BROWSER

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
# Not pages: downloads, probes, the logout POST, vendors' callbacks.
NOT_PAGES = {
    "people:logout",
    "ops:healthz",
    "ops:readyz",
    "hooks:recording_callback",
    "hooks:recording_callback_bound",
    "audit:tenant_audit_csv",
    "staff:all_audit_csv",
    "recordings:recording_download",
    "recordings:recording_file",
}

# Elements whose words must show whole: a control cut off hides what it does.
CUT_CONTROLS = """() => [...document.querySelectorAll('.btn, .nav-link, .dropdown-toggle, .badge, .page-link')]
  .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
  .map(el => (el.id || el.className) + ': ' + el.textContent.trim().slice(0, 40))"""
SIDEWAYS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
# What sticks out, for the failure message: the outermost elements past the right edge.
STICKING_OUT = """() => { const w = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > w + 1
    && !(el.parentElement && el.parentElement.closest('.table-responsive, .dropdown-menu, .visually-hidden'))
    && !(el.parentElement && el.parentElement.getBoundingClientRect().right > w + 1))
  .slice(0, 4)
  .map(el => el.tagName + '.' + el.className + '#' + el.id + ' ' + Math.round(el.getBoundingClientRect().right)) }"""


def busy_world(world: World2) -> None:
    """Long ids, a member list, a running push and recording with files, audit entries: the
    widest each table gets."""
    channel = Channel.objects.get_or_create(app=world.acme_manual_app, channel_id="iso-room")[0]
    Channel.objects.filter(pk=channel.pk).update(is_live=True, member_count=3, live_since=timezone.now())
    now = timezone.now()
    for user in ("a-rather-long-user-id-0123456789", "bob", "carol"):
        Presence.objects.get_or_create(
            channel=channel, user_id=user, defaults={"first_seen_at": now, "last_seen_at": now}
        )
    recording = Recording.objects.get_or_create(channel=channel, recording_id="iso-recording")[0]
    Recording.objects.filter(pk=recording.pk).update(state=State.RECORDING, tenant=world.acme)
    RecordingFile.objects.get_or_create(
        recording=recording,
        name="a-very-long-recording-file-name-0123456789-abcdefghij.mp4",
        defaults={
            "url": "https://cdn.example.com/recordings/2026/12/01/0123456789abcdef/a.mp4",
            "size_bytes": 12345678,
        },
    )
    MixingTask.objects.get_or_create(
        channel=channel,
        task_id="iso-task",
        defaults={"stream_url": "rtmp://cdn/iso", "media_encode": 20, "task_profile": "4IN_720P"},
    )
    acme_layout(world)
    record(
        world.acme_admin,
        "live.kick",
        vendor_account=world.acme_account,
        target=f"{world.acme_manual_app.app_id} / iso-room / a-rather-long-user-id-0123456789",
        vendor_request_id="5E2C7B1A-0D34-4F0B-9E55-3C1B2A9D8E7F",
        detail={"app": world.acme_manual_app.app_id, "channel": "iso-room", "reason": "testing the width"},
    )


def every_page(world: World2) -> list[str]:
    return [
        reverse(name, kwargs=kwargs_for(pattern, world, world.acme.slug))
        for name, pattern in named_patterns()
        if name in QUERY_PARAMS and name not in NOT_PAGES  # the pages that answer GET
    ]


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def visit(page, url: str) -> bool:
    """Open a page; False when it is not a page here (a 404 for the walk's Aliyun app on a
    page of another vendor's feature, a redirect elsewhere, an htmx fragment such as a member's
    session, which is only ever shown inside its page)."""
    asked = page.request.get(url, max_redirects=0)  # asked first: a 404 page would log a console error
    if asked.status != 200 or "<html" not in asked.text():
        return False
    page.goto(url)
    return "/login/" not in page.url


def test_no_page_scrolls_sideways_on_a_phone(transactional_db, two_tenants: World2, browser_page) -> None:
    from playwright.sync_api import expect

    page = browser_page
    busy_world(two_tenants)
    page.set_viewport_size(PHONE)
    log_in(page, "staffer")
    sideways, cut, seen, no_icon = [], [], 0, []
    for url in every_page(two_tenants):
        if not visit(page, url):
            continue
        seen += 1
        if not page.evaluate("() => !!document.querySelector('link[rel=icon]')"):
            no_icon.append(url)
        scroll_width, client_width = page.evaluate(SIDEWAYS)
        if scroll_width > client_width:
            sideways.append(f"{url}: {scroll_width} > {client_width} {page.evaluate(STICKING_OUT)}")
        cut += [f"{url} {control}" for control in page.evaluate(CUT_CONTROLS)]
    assert seen >= 40, seen  # the walk reached the console's pages, not a login form
    assert not sideways, "\n".join(sideways)
    assert not cut, "\n".join(cut)
    assert not no_icon, no_icon
    icon = page.request.get(page.evaluate("() => document.querySelector('link[rel=icon]').href"))
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg")

    # The menu is behind its button, and opens.
    page.goto(reverse("credentials:account_list", args=["acme"]))
    expect(page.locator("#main-nav")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#main-nav")).to_be_visible()

    # A member's kick button is reachable: scrolled to within the table's own box, and it works.
    channel = Channel.objects.get(channel_id="iso-room")
    page.goto(reverse("live:channel_detail", args=["acme", channel.pk]))
    kick = page.locator('tr[data-user="bob"]').get_by_role("link", name="Kick")
    kick.scroll_into_view_if_needed()
    expect(kick).to_be_in_viewport()
    kick.click()
    expect(page.locator("#kick-panel")).to_contain_text("Remove 1 user from iso-room?")


def test_the_staff_menu_fits_a_laptop_with_the_same_items_on_every_page(
    transactional_db, two_tenants: World2, browser_page
) -> None:
    page = browser_page
    busy_world(two_tenants)
    page.set_viewport_size(LAPTOP)
    log_in(page, "staffer")
    menus, sideways, narrow_search, cut = {}, [], [], []
    items = """() => [...document.querySelectorAll('#main-nav > ul > li > .nav-link')]
        .map(el => el.textContent.trim().split(':')[0])"""
    search_width = "() => document.querySelector('#global-search').getBoundingClientRect().width"
    # Pages of no tenant first, while the session has chosen none: the bar has the same items then.
    for url in sorted(every_page(two_tenants), key=lambda url: url.startswith("/t/")):
        if not visit(page, url):
            continue
        menus[url] = tuple(page.evaluate(items))
        scroll_width, client_width = page.evaluate(SIDEWAYS)
        if scroll_width > client_width:
            sideways.append(f"{url}: {scroll_width} > {client_width} {page.evaluate(STICKING_OUT)}")
        if (width := page.evaluate(search_width)) < 200:  # the bar once squeezed it to 18 px
            narrow_search.append(f"{url}: {width:.0f} px")
        cut += [f"{url} {control}" for control in page.evaluate(CUT_CONTROLS)]
    assert not sideways, "\n".join(sideways)
    assert not narrow_search, "\n".join(narrow_search)
    assert not cut, "\n".join(cut)
    assert len(set(menus.values())) == 1, {
        menu: [u for u, m in menus.items() if m == menu][:3] for menu in set(menus.values())
    }
