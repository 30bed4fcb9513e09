"""In a real browser: support staff on the busiest live channel of the day.

They open it from the channel list, watch a member join while the page refreshes itself,
remove one member and then a set of members, read each terminal's answer and the audit
entries, and finally close the channel by typing its id.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from django.utils import timezone

from dashboard.audit.models import AuditEntry
from dashboard.credentials.models import VendorAccount
from dashboard.live.discovery import discover
from dashboard.live.models import Channel
from dashboard.live.poll import poll_due
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role, Tenant
from tests.dashboard.conftest import BROWSER, CANARY_KEY_ID, CANARY_SECRET, PASSWORD, allow_endpoint, make_user
from vendors.sim.world import ROLE_COMMUNICATION

pytestmark = BROWSER


def scheduled_poll(account: VendorAccount) -> None:
    """What the 30-second job does, without waiting 30 seconds for it."""
    Channel.objects.filter(app__vendor_account=account).update(last_polled_at=timezone.now() - timedelta(minutes=1))
    poll_due(account)


def test_support_watches_kicks_and_closes_the_busiest_channel(
    transactional_db, browser_page, aliyun_sim, settings
) -> None:
    from playwright.sync_api import expect

    settings.LIVE_PAGE_REFRESH_SECONDS = 1
    page = browser_page
    world = aliyun_sim.simulator.world
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    make_user("sam", roles={acme: Role.ADMIN})
    account = VendorAccount(
        tenant=acme, vendor="aliyun", label="Production", endpoint=allow_endpoint("aliyun", aliyun_sim.base_url)
    )
    account.set_credentials({"access_key_id": CANARY_KEY_ID, "access_key_secret": CANARY_SECRET})
    account.save()
    app_id = world.apps("aliyun")[0].app_id
    RtcApp.objects.create(vendor_account=account, app_id=app_id, name="Meet")
    # Simulated traffic: a crowd in one channel, so it is the busiest whatever the hour (the
    # world's own channels reach 40-odd members at busy hours: the crowd outnumbers them by 20).
    busiest = f"allhands-{timezone.now():%H%M%S%f}"
    natural = Counter(session.channel_id for session in world.live_sessions(app_id))
    size = max(40, max(natural.values(), default=0) + 20)
    crowd = [f"crowd-{n:02d}" for n in range(size)]
    for user in crowd:
        world.join(app_id, busiest, user, role=ROLE_COMMUNICATION)
    discover(account)  # the scheduled discovery: today's channel records, then a first poll

    page.goto("/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/t/acme/accounts/{account.pk}/")
    page.get_by_role("link", name="Channels", exact=True).first.click()
    expect(page.get_by_role("heading", name="Channels")).to_be_visible()
    first_row = page.locator("#channels tbody tr").first
    expect(first_row).to_contain_text(busiest)
    expect(first_row).to_contain_text("live")
    first_row.get_by_role("link", name=busiest).click()
    expect(page.locator("#member-total")).to_have_text(str(size))

    # someone joins; the next scheduled poll sees it and the open page shows it by itself
    world.join(app_id, busiest, "latecomer", role=ROLE_COMMUNICATION)
    scheduled_poll(account)
    expect(page.locator("#member-total")).to_have_text(str(size + 1))
    expect(page.locator("#events")).to_contain_text("latecomer joined")
    # The table pages by 100 in order of arrival (the busiest channel of the simulated world can
    # be bigger than a page, depending on the hour): find the latecomer by the member filter.
    page.locator("#member-filters").get_by_label("User id").fill("latecomer")
    expect(page.locator('#members tr[data-user="latecomer"]')).to_be_visible()

    # kick one member from their row
    page.locator('#members tr[data-user="latecomer"]').get_by_role("link", name="Kick").click()
    panel = page.locator("#kick-panel")
    expect(panel).to_contain_text(f"Remove 1 user from {busiest}?")
    panel.get_by_label("Reason").fill("asked by the customer")
    panel.get_by_role("button", name="Remove 1 user").click()
    expect(panel.locator("#kick-results")).to_contain_text("removed")
    # Everyone removed: the result is framed as done, not as danger.
    expect(panel.locator("#confirm")).to_have_class(re.compile(r"\bborder-success\b"))
    request_id = panel.locator('#kick-results tr[data-user="latecomer"] td').nth(4).inner_text()
    assert re.fullmatch(r"[0-9A-F-]{36}", request_id), request_id
    expect(page.locator('#members tr[data-user="latecomer"]')).to_contain_text("kicked, waiting for the next poll")

    # kick a set: two ticked members, from the whole list again
    page.locator("#member-filters").get_by_label("User id").fill("")
    expect(page.locator('#members tr[data-user="crowd-03"]')).to_be_visible()
    for user in ("crowd-03", "crowd-07"):
        page.locator(f'#members tr[data-user="{user}"] input[type=checkbox]').check()
    page.get_by_role("button", name="Kick selected").click()
    expect(panel).to_contain_text(f"Remove 2 users from {busiest}?")
    panel.get_by_role("button", name="Remove 2 users").click()
    expect(panel).to_contain_text("2 removed")
    for user in ("crowd-03", "crowd-07"):
        expect(panel.locator(f'#kick-results tr[data-user="{user}"]')).to_contain_text("removed")

    # the next poll confirms: they are gone, the count follows
    scheduled_poll(account)
    expect(page.locator('#members tr[data-user="latecomer"]')).to_have_count(0)
    expect(page.locator('#members tr[data-user="crowd-03"]')).to_have_count(0)
    expect(page.locator("#member-total")).to_have_text(str(size - 2))

    # the audit log has one entry per terminal, with the vendor's request id
    page.get_by_role("link", name="Audit log").click()
    rows = page.locator("#entries tbody tr")
    expect(rows.filter(has_text="Member removed from a channel")).to_have_count(3)
    expect(rows.filter(has_text=request_id)).to_have_count(1)
    # The reason given is shown, and the target links to the channel.
    reasoned = rows.filter(has_text="Reason: asked by the customer")
    expect(reasoned).to_have_count(1)
    expect(reasoned.get_by_role("link", name=re.compile(busiest))).to_have_attribute(
        "href", re.compile(r"/t/acme/channels/\d+/$")
    )
    assert AuditEntry.objects.filter(action="live.kick", detail__reason="asked by the customer").count() == 1

    # close the channel: the id must be typed
    page.go_back()
    page.get_by_role("link", name="Close channel").click()
    page.get_by_label("Type the channel id to confirm").fill("not-it")
    page.get_by_role("button", name="Close channel").click()
    expect(page.get_by_text("That is not this channel's id; nothing was closed.")).to_be_visible()
    page.get_by_label("Type the channel id to confirm").fill(busiest)
    page.get_by_role("button", name="Close channel").click()
    expect(page.locator(".toast")).to_contain_text(f"Channel {busiest} closed.")
    expect(page.locator("#member-total")).to_have_text("0")
    # Closed: the page no longer offers to close it or to push it.
    expect(page.get_by_role("link", name="Close channel")).to_have_count(0)
    expect(page.get_by_role("link", name="Bypass push")).to_have_count(0)
    assert not world.live_sessions(app_id, busiest)
    assert AuditEntry.objects.get(action="live.close_channel").vendor_request_id


def test_an_admin_builds_a_layout_and_applies_it_to_a_running_push(transactional_db, browser_page, aliyun_sim) -> None:
    from playwright.sync_api import expect

    from dashboard.live.models import Presence
    from dashboard.live.poll import poll_channels
    from dashboard.mixing.layouts import from_json, preset_layout, to_json
    from dashboard.mixing.models import LayoutTemplate, LayoutVersion, MixingTask

    page = browser_page
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    make_user("lea", roles={acme: Role.ADMIN})
    account = VendorAccount(
        tenant=acme, vendor="aliyun", label="Production", endpoint=allow_endpoint("aliyun", aliyun_sim.base_url)
    )
    account.set_credentials({"access_key_id": CANARY_KEY_ID, "access_key_secret": CANARY_SECRET})
    account.save()
    world = aliyun_sim.simulator.world
    app = RtcApp.objects.create(vendor_account=account, app_id=world.apps("aliyun")[0].app_id)
    hall = f"lecture-{timezone.now():%H%M%S%f}"
    for user in ("professor", "assistant"):
        world.join(app.app_id, hall, user, role=ROLE_COMMUNICATION)
    channel = Channel.objects.create(app=app, channel_id=hall, watched=True)
    poll_channels(account, [channel])  # the scheduled poll: professor and assistant are in
    assert set(Presence.objects.filter(channel=channel).values_list("user_id", flat=True)) == {"professor", "assistant"}
    solo = LayoutTemplate.objects.create(tenant=acme, name="Solo")
    LayoutVersion.objects.create(template=solo, number=1, layout=to_json(preset_layout("single")))

    page.goto("/login/")
    page.get_by_label("Username").fill("lea")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/t/acme/layouts/")
    expect(page.locator("#layouts")).to_contain_text("Solo")
    page.get_by_role("button", name="New layout").click()
    page.get_by_role("link", name="Grid 2x2").click()
    expect(page.locator('[data-vendor="aliyun"]')).to_contain_text("can mix this")

    # offer the live channel's members, bind them to the two panes
    page.locator("#bind-channel").select_option(str(channel.pk))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("2 members offered")).to_be_visible()
    page.locator("#id_pane-0-user_id").fill("professor")
    page.locator("#id_pane-1-user_id").fill("assistant")
    page.locator("#id_name").fill("Lecture")

    # drag the second pane down a little: it snaps to the grid
    pane = page.locator('#layout-canvas g.pane[data-pane="1"]')
    # The editor's script (deferred) marks the panes focusable when it has started.
    expect(pane).to_have_attribute("tabindex", "0")
    # Scrolled into view, and nothing covers it: a pointer at its centre reaches it (Playwright's
    # checks before a hover).
    pane.hover(trial=True)
    # The drag: pointer events shaped like a mouse's (untrusted, without the mouse events that
    # follow them, all in one task), dispatched in the page; interact.js reads pointer events on
    # the document. Driven by page.mouse, the drag was lost in three CI runs of many (all three
    # tries of each run), never on a developer's machine, even with Chromium's CPU throttled
    # 100 times; that loop neither scrolled the pane into view nor checked what the pointer
    # would hit, so which of the two lost it was not found out.
    pane.evaluate(
        """(pane) => {
            const box = pane.getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + box.height / 2;
            const target = document.elementFromPoint(x, y);
            if (!pane.contains(target)) throw new Error("the pane's centre reaches " + (target && target.outerHTML));
            const send = (type, dy, buttons) => target.dispatchEvent(new PointerEvent(type, {
                bubbles: true, cancelable: true, composed: true, pointerId: 1, pointerType: "mouse",
                isPrimary: true, button: type === "pointermove" ? -1 : 0, buttons, clientX: x, clientY: y + dy,
            }));
            send("pointerdown", 0, 1);
            for (let step = 1; step <= 8; step++) send("pointermove", 5 * step, 1);
            send("pointerup", 40, 0);
        }"""
    )
    dragged_y = float(page.locator("#id_pane-1-y").input_value())
    assert dragged_y > 0 and round(dragged_y * 40, 6) == round(dragged_y * 40)  # on the 1/40 grid
    # and the keyboard brings it back: focus the pane, arrow up until y is 0
    page.locator('#layout-canvas g.pane[data-pane="1"]').focus()
    for _ in range(round(dragged_y * 40)):
        page.keyboard.press("ArrowUp")
    expect(page.locator("#id_pane-1-y")).to_have_value("0")
    page.get_by_role("button", name="Save layout").click()
    expect(page.locator(".toast")).to_contain_text("Layout “Lecture” saved as version 1.")
    expect(page.locator('[data-vendor="aliyun"]')).to_contain_text("can mix this")
    saved = from_json(LayoutTemplate.objects.get(name="Lecture").current.layout)
    assert [(p.user_id, p.x, p.y, p.width) for p in saved.panes] == [
        ("professor", 0, 0, 0.5),
        ("assistant", 0.5, 0, 0.5),
        (None, 0, 0.5, 0.5),
        (None, 0.5, 0.5, 0.5),
    ]

    # a push of the channel, started with the Solo layout, then given the Lecture layout while it runs
    page.goto(f"/t/acme/channels/{channel.pk}/")
    page.get_by_role("link", name="Bypass push").click()
    page.get_by_label("Stream URL").fill("rtmp://cdn.example.com/live/lecture")
    page.get_by_label("Layout").select_option(label="Solo")
    page.get_by_role("button", name="Start push").click()
    expect(page.locator(".toast")).to_contain_text("started")
    task = MixingTask.objects.get(channel=channel)
    carried = aliyun_sim.simulator.mpu_tasks[(app.app_id, task.task_id)]
    assert carried.layout_history[-1]["LayoutIds"] == [1]
    page.locator("#apply-template").select_option(label="Lecture")
    page.get_by_role("button", name="Apply a layout").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Apply “Lecture”")
    page.get_by_role("button", name="Apply layout").click()
    expect(page.locator(".toast")).to_contain_text("Layout “Lecture” applied. Request id")
    assert carried.layout_history[-1]["LayoutIds"] == [5]
    assert [(p["PaneId"], p["UserId"]) for p in carried.layout_history[-1]["UserPanes"]] == [
        (0, "professor"),
        (1, "assistant"),
        (2, ""),
        (3, ""),
    ]

    # the running push shows on its channel's page and on Active tasks, and stops from there
    page.goto(f"/t/acme/channels/{channel.pk}/")
    expect(page.locator("#running-on-channel")).to_contain_text(task.task_id)
    page.get_by_role("link", name="Active tasks").click()
    row = page.locator(f'tr[data-task="push:{task.task_id}"]')
    expect(row).to_contain_text(hall)
    row.get_by_role("link", name="Stop").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Stop {task.task_id}?")
    page.get_by_role("button", name="Stop push").click()
    expect(page.locator(".toast")).to_contain_text(f"Push {task.task_id} stopped.")
    page.get_by_role("link", name="Active tasks").click()
    expect(page.locator("#no-active-tasks")).to_be_visible()
    stopped = AuditEntry.objects.get(action="mixing.stop")
    assert stopped.outcome == "success" and stopped.vendor_request_id
