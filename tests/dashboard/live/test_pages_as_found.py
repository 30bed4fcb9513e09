"""Live and history pages as a new user found them (issue 17, part 4): what each page says of a
channel still running, of one that spans midnight, of watched channels, of the roles present,
of a kick that fully succeeded and of a closed channel."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.live import discovery
from dashboard.live.charts import TIMELINE_MAX_PX, timeline_height
from dashboard.live.models import Channel
from dashboard.live.poll import poll_channels
from tests.dashboard.conftest import World2, logged_in
from vendors.base.types import ChannelRecord, Page
from vendors.sim.world import ROLE_COMMUNICATION

pytestmark = pytest.mark.usefixtures("english")


def test_history_says_running_for_a_channel_still_live_not_the_current_time(live) -> None:
    tenants, _sim, app, channel = live
    viewer = logged_in(tenants.acme_viewer)
    page = viewer.get(reverse("live:channel_history", args=["acme", app.pk])).content.decode()
    row = re.search(rf"<tr><td><a class=\"mono\"[^>]*>{channel.channel_id}</a>.*?</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    assert "running" in cells[2] and "<time" not in cells[2]  # "Ended" says running, not a time
    detail = viewer.get(
        reverse("live:channel_history_detail", args=["acme", app.pk]), {"channel": channel.channel_id}
    ).content.decode()
    users = detail[detail.index('id="history-users"') :]
    alice = re.search(r"<tr><td class=\"mono\">alice</td>.*?</tr>", users, re.S)
    assert alice is not None and "running" in alice.group(0)


class TwoStretches:
    """A channel's day in two stretches: one ended an hour ago, one the vendor reports ending "now"."""

    def __init__(self, now: datetime) -> None:
        self.records = (
            ChannelRecord("twice", now - timedelta(hours=3), now - timedelta(hours=1), 5),
            ChannelRecord("twice", now - timedelta(minutes=20), now, 2),
        )

    def __enter__(self) -> TwoStretches:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def channel_records_page(self, app_id: str, day: datetime, **kwargs: object) -> Page[ChannelRecord]:
        return Page(self.records, 1, 20, total=2)


def test_only_the_stretch_still_going_reads_running(monkeypatch: pytest.MonkeyPatch, live) -> None:
    from dashboard.live import history

    tenants, _sim, app, _channel = live
    now = timezone.now()
    monkeypatch.setattr(history, "provider_for", lambda account: TwoStretches(now))
    page = logged_in(tenants.acme_viewer).get(reverse("live:channel_history", args=["acme", app.pk])).content.decode()
    rows = re.findall(r"<tr><td><a class=\"mono\"[^>]*>twice</a>.*?</tr>", page, re.S)
    assert len(rows) == 2
    ended = (now - timedelta(hours=1)).astimezone(timezone.get_current_timezone())
    assert "running" not in rows[0] and f">{ended:%H:%M} UTC</time>" in rows[0]
    assert "running" in rows[1]


def test_the_timeline_reads_every_page_of_the_vendor_and_stays_compact(live) -> None:
    tenants, sim, app, channel = live
    world = sim.simulator.world
    crowd = [f"viewer-{n:03d}" for n in range(130)]  # more than one vendor page (100)
    for user in crowd:
        world.join(app.app_id, channel.channel_id, user, role=ROLE_COMMUNICATION)
    page = (
        logged_in(tenants.acme_viewer)
        .get(reverse("live:channel_history_detail", args=["acme", app.pk]), {"channel": channel.channel_id})
        .content.decode()
    )
    figure = json.loads(html.unescape(re.search(r'data-chart="chart-users" data-figure="([^"]*)"', page).group(1)))
    drawn = set(figure["data"][0]["y"])
    assert set(crowd) | {"alice", "bob", "carol"} <= drawn  # every user, not the table's first page
    assert figure["layout"]["height"] <= TIMELINE_MAX_PX
    assert figure["layout"]["yaxis"]["showticklabels"] is False  # 133 names would not fit: hover says who
    assert "every stay of the day: 133 users" in page
    table = page[page.index('id="history-users"') :]
    assert table.count('<td class="mono">') == 100  # the table still pages


def test_timeline_height_grows_with_users_up_to_a_bound() -> None:
    assert timeline_height(1) == 200
    assert timeline_height(10) < timeline_height(20) < timeline_height(25)
    assert timeline_height(500) == timeline_height(5000) == TIMELINE_MAX_PX


class RecordsByDay:
    """A provider that knows only channel records, by UTC day."""

    def __init__(self, days: dict[datetime, list[ChannelRecord]]) -> None:
        self.days, self.asked = days, []

    def __enter__(self) -> RecordsByDay:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def channel_records(self, app_id: str, day: datetime) -> list[ChannelRecord]:
        self.asked.append(day)
        return self.days.get(day, [])


def _day(day: int) -> datetime:
    return datetime(2026, 11, day, tzinfo=UTC)


def test_live_since_of_a_channel_that_spans_midnight_is_where_it_began(
    monkeypatch: pytest.MonkeyPatch, two_tenants: World2
) -> None:
    # Records are cut at the day's edges: today's starts 00:00, yesterday's ends 24:00, and the
    # day before holds the start, 23:10 on the 18th.
    records = RecordsByDay(
        {
            _day(19): [
                ChannelRecord("night", _day(19), _day(20), 4),
                ChannelRecord("other", _day(19) + timedelta(hours=3), _day(19) + timedelta(hours=4), 2),
            ],
            _day(18): [ChannelRecord("night", _day(18) + timedelta(hours=23, minutes=10), _day(19), 3)],
            _day(17): [ChannelRecord("night", _day(17) + timedelta(hours=1), _day(17) + timedelta(hours=2), 1)],
        }
    )
    monkeypatch.setattr(discovery, "provider_for", lambda account, interactive=False: records)
    start = discovery._stretch_start(two_tenants.acme_account, "app", "night", _day(20), {}, False)
    assert start == _day(18) + timedelta(hours=23, minutes=10)
    assert records.asked == [_day(19), _day(18)]  # stops at the day the stretch began
    # A channel that began at 00:00 sharp (nothing the day before reaches midnight) keeps it.
    assert discovery._stretch_start(two_tenants.acme_account, "app", "other", _day(20), {}, False) == _day(20)


def test_watched_never_sits_beside_not_polled(live, other_vendors) -> None:
    tenants, _sim, _app, channel = live
    admin = logged_in(tenants.acme_admin)
    page = admin.get(reverse("live:channel_list", args=["acme", tenants.acme_account.pk])).content.decode()
    row = page[page.index(channel.channel_id) :].split("</tr>")[0]
    assert "watched" in row and "not polled" not in row and "waiting for the first poll" in row
    detail = admin.get(reverse("live:channel_detail", args=["acme", channel.pk])).content.decode()
    assert "not polled yet" not in detail and "waiting for the first poll" in detail
    # A vendor without a membership read never polls: its watched channels say why, not "not polled".
    _world, accounts = other_vendors
    isdp = accounts["isdp"]
    Channel.objects.create(app=isdp.apps.get(), channel_id="isdp-watched", watched=True)
    listing = admin.get(reverse("live:channel_list", args=["acme", isdp.pk])).content.decode()
    row = listing[listing.index("isdp-watched") :].split("</tr>")[0]
    assert "not polled" not in row and "membership not readable" in row


def test_the_role_filter_offers_the_roles_the_table_shows(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    page = logged_in(tenants.acme_viewer).get(reverse("live:channel_detail", args=["acme", channel.pk]))
    select = re.search(r'<select name="role".*?</select>', page.content.decode(), re.S).group(0)
    offered = re.findall(r'<option value="([^"]*)"', select)
    assert offered == ["", "communication"]  # every member is in a communication channel


def test_a_kick_that_fully_succeeded_is_not_framed_as_danger(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    admin = logged_in(tenants.acme_admin)
    url = reverse("live:channel_kick", args=["acme", channel.pk])
    asked = admin.get(url, {"user": "alice"}, headers={"HX-Request": "true", "HX-Target": "kick-panel"})
    assert "card border-danger" in asked.content.decode()  # the question is a destructive one
    done = admin.post(url, {"users": "alice"}, headers={"HX-Request": "true", "HX-Target": "kick-panel"})
    result = done.content.decode()
    assert "1 removed" in result and "border-success" in result and "border-danger" not in result
    partly = admin.post(url, {"users": "bob\nnobody-here"}, headers={"HX-Request": "true", "HX-Target": "kick-panel"})
    assert "border-warning" in partly.content.decode()


def test_after_a_close_the_page_stops_offering_close_and_push(live) -> None:
    tenants, _sim, _app, channel = live
    poll_channels(tenants.acme_account, [channel])
    admin = logged_in(tenants.acme_admin)
    url = reverse("live:channel_detail", args=["acme", channel.pk])
    before = admin.get(url).content.decode()
    assert "Close channel" in before and "Bypass push" in before
    closed = admin.post(
        reverse("live:channel_close", args=["acme", channel.pk]), {"confirm_channel_id": channel.channel_id}
    )
    assert closed.status_code == 302
    after = admin.get(url).content.decode()
    header = after[: after.index('id="kick-panel"')]
    assert "Close channel" not in header and "Bypass push" not in header and "Closed from the console at" in after
    # Live again later (a room id reused): the page offers them again.
    Channel.objects.filter(pk=channel.pk).update(is_live=True, live_since=timezone.now() + timedelta(seconds=1))
    again = admin.get(url).content.decode()
    assert "Close channel" in again[: again.index('id="kick-panel"')]
