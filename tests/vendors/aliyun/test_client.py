"""Every spec 001 action through the client, against the simulator in process and over HTTP:
success, the documented validation errors, and state that changes."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest

from tests.vendors.conftest import NOW, make_client
from vendors.aliyun import mpu
from vendors.aliyun.provider import AliyunProvider
from vendors.aliyun.sim import AliyunSimulator
from vendors.base.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    VendorError,
)
from vendors.base.types import AppStatus, ChannelMode, Interval, MemberRole, MixingState, UsageMetric
from vendors.sim.world import World, WorldOptions


@contextmanager
def vendor_error(cls: type[VendorError], code: str, status: int):
    with pytest.raises(cls) as info:
        yield info
    assert info.value.code == code, info.value
    assert info.value.http_status == status
    assert info.value.request_id, "the vendor's request id is kept for support"


# --- apps -------------------------------------------------------------------------------


def test_describe_apps_lists_pages_and_filters(client, world):
    first = client.describe_apps(page_size=1)
    assert first.total == 2 and len(first.items) == 1 and first.request_id
    all_apps = list(client.iter_apps(page_size=1))
    assert {a.app_id for a in all_apps} == {a.app_id for a in world.apps("aliyun")}
    assert all(a.status is AppStatus.ACTIVE and a.service_areas == ("CN",) for a in all_apps)
    assert client.describe_apps(status=2).items == ()


def test_describe_apps_page_must_be_positive(client):
    with vendor_error(InvalidRequestError, "InvalidParameter", 400):
        client.call("DescribeApps", {"PageNum": 0}, idempotent=True)
    with pytest.raises(ValidationError):
        client.describe_apps(page_num=0)


def test_modify_app_renames_and_sticks(client, app_id):
    assert client.modify_app(app_id, "Renamed by support")
    names = {a.app_id: a.name for a in client.iter_apps()}
    assert names[app_id] == "Renamed by support"


def test_modify_app_requires_name_and_known_app(client, app_id):
    with vendor_error(InvalidRequestError, "MissingParameter", 400):
        client.call("ModifyApp", {"AppId": app_id}, idempotent=False)
    with vendor_error(NotFoundError, "Service.NoApp", 404):
        client.modify_app("nosuchap", "x")
    with vendor_error(InvalidRequestError, "Request.NoAppID", 400):
        client.call("ModifyApp", {"AppName": "x"}, idempotent=False)


@pytest.mark.parametrize(("status", "code"), [(2, "App.Stop"), (3, "App.ChargeOverDue")])
def test_stopped_or_overdue_app_is_refused_with_http_200(client, sim, app_id, status, code):
    sim.set_app_status(app_id, status)
    with vendor_error(PermissionDeniedError, code, 200):
        client.usage(UsageMetric.DURATION, NOW - timedelta(hours=2), NOW, app_id=app_id)
    stopped = {a.app_id: a.status for a in client.iter_apps()}
    assert stopped[app_id] is (AppStatus.STOPPED if status == 2 else AppStatus.ARREARS)


# --- channels ---------------------------------------------------------------------------


def test_delete_channel_ends_it(client, world, app_id, busy_channel):
    assert world.live_sessions(app_id, busy_channel)
    assert client.delete_channel(app_id, busy_channel)
    assert world.live_sessions(app_id, busy_channel) == []
    assert client.describe_channel_users(app_id, busy_channel).exists is False
    with vendor_error(NotFoundError, "Service.NoChannel", 404):
        client.delete_channel(app_id, busy_channel)


def test_channel_id_is_validated(client, app_id):
    with vendor_error(InvalidRequestError, "Request.InvalidChannelID", 400):
        client.delete_channel(app_id, "bad channel!")
    with vendor_error(InvalidRequestError, "Request.NoChannelID", 400):
        client.call("DeleteChannel", {"AppId": app_id}, idempotent=False)


def test_remove_terminals_reports_each_terminal(client, world, app_id, busy_channel):
    present = client.describe_channel_users(app_id, busy_channel).members[0].user_id
    results = client.remove_terminals(app_id, busy_channel, [present, "ghost-user"])
    assert [(r.user_id, r.ok, r.message) for r in results] == [
        (present, True, "Success"),
        ("ghost-user", False, "Failed"),
    ]
    assert results[1].code == "34013465" and results[0].request_id
    assert present not in {m.user_id for m in client.describe_channel_users(app_id, busy_channel).members}


def test_remove_terminals_accepts_the_spec_example_spelling(client, app_id, busy_channel):
    present = client.describe_channel_users(app_id, busy_channel).members[0].user_id
    body = client.call(
        "RemoveTerminals", {"AppId": app_id, "ChannelId": busy_channel, "Terminals.1": present}, idempotent=False
    )
    assert body["Terminals"]["Terminal"][0]["Code"] == 0


def test_remove_terminals_limits(client, sim, app_id, busy_channel):
    with vendor_error(InvalidRequestError, "Request.NoTerminalIDs", 400):
        client.call("RemoveTerminals", {"AppId": app_id, "ChannelId": busy_channel}, idempotent=False)
    too_many = {f"TerminalIds.{n}": f"u{n}" for n in range(1, 32)}
    with vendor_error(InvalidRequestError, "InvalidParameter", 400):
        client.call("RemoveTerminals", {"AppId": app_id, "ChannelId": busy_channel, **too_many}, idempotent=False)
    served = sim.requests_served
    with pytest.raises(ValidationError):
        client.remove_terminals(app_id, busy_channel, [f"u{n}" for n in range(31)])
    assert sim.requests_served == served, "checked before sending"


def test_remove_all_terminals_splits_into_calls_of_30(client, sim, app_id, busy_channel):
    members = [m.user_id for m in client.describe_channel_users(app_id, busy_channel).members]
    ids = members[:3] + [f"absent-{n}" for n in range(42)]
    served = sim.requests_served
    results = client.remove_all_terminals(app_id, busy_channel, ids)
    assert sim.requests_served - served == 2
    assert [r.user_id for r in results] == ids
    assert sum(r.ok for r in results) == 3


def test_describe_channel_participants_pages(client, world, app_id, busy_channel):
    live_users = {s.user_id for s in world.live_sessions(app_id, busy_channel)}
    first = client.describe_channel_participants(app_id, busy_channel, page_size=2)
    assert first.total == len(live_users) and len(first.items) == 2
    assert set(client.iter_channel_participants(app_id, busy_channel, page_size=3)) == live_users


def test_describe_rtc_channel_user_list(client, app_id, busy_channel):
    yesterday = NOW - timedelta(days=1)
    page = client.describe_rtc_channel_user_list(app_id, yesterday, channel_id=busy_channel, page_size=5)
    assert page.total and page.total > 5 and len(page.items) == 5
    records = list(client.iter_rtc_channel_user_list(app_id, yesterday, channel_id=busy_channel, page_size=50))
    assert len(records) == page.total
    assert all(r.channel_id == busy_channel and r.subscribed.total >= r.published.total for r in records)


def test_channel_user_list_requires_paging_and_recent_time_point(client, app_id):
    with vendor_error(InvalidRequestError, "MissingParameter", 400):
        client.call(
            "DescribeRtcChannelUserList", {"AppId": app_id, "TimePoint": "2026-11-17T00:00:00Z"}, idempotent=True
        )
    with vendor_error(InvalidRequestError, "InvalidParameter", 400):
        client.describe_rtc_channel_user_list(app_id, NOW - timedelta(days=181))
    with vendor_error(InvalidRequestError, "InvalidParameter", 400):
        client.describe_rtc_channel_user_list(app_id, NOW + timedelta(days=1))


def test_describe_rtc_channel_list_and_filters(client, app_id, busy_channel):
    yesterday = NOW - timedelta(days=1)
    records = list(client.iter_rtc_channel_list(yesterday, app_id=app_id, page_size=50))
    assert records and {r.call_areas for r in records} == {("cn",)}
    assert all(r.end >= r.start for r in records)
    starts = [r.start for r in records]
    assert starts == sorted(starts, reverse=True), "newest first by default"
    one_user = client.describe_rtc_channel_user_list(app_id, yesterday, channel_id=busy_channel, page_size=1).items[0]
    mine = list(client.iter_rtc_channel_list(yesterday, app_id=app_id, user_id=one_user.user_id))
    assert mine and any(r.channel_id == busy_channel for r in mine)
    assert client.describe_rtc_channel_list(yesterday, app_id=app_id, service_area="us").items == ()


def test_describe_rtc_channel_metric_matches_the_user_list(client, app_id, busy_channel):
    yesterday = NOW - timedelta(days=1)
    metric = client.describe_rtc_channel_metric(app_id, busy_channel, yesterday)
    records = list(client.iter_rtc_channel_user_list(app_id, yesterday, channel_id=busy_channel))
    assert metric.user_count == len({r.user_id for r in records})
    assert metric.subscribed.total == sum(r.subscribed.total for r in records)
    assert metric.published.total == sum(r.published.total for r in records)
    with vendor_error(NotFoundError, "Service.NoChannel", 404):
        client.describe_rtc_channel_metric(app_id, "never-used", yesterday)


def test_update_channel_rotates_the_nonce(client, sim, app_id, busy_channel):
    original = sim.channel_nonce(app_id, busy_channel)
    token = client.update_channel(app_id, busy_channel, original)
    assert token.nonce != original and token.issued_at == NOW
    with vendor_error(InvalidRequestError, "Request.InvalidNonce", 400):
        client.update_channel(app_id, busy_channel, original)
    assert client.update_channel(app_id, busy_channel, token.nonce).nonce
    with vendor_error(InvalidRequestError, "Request.NoNonce", 400):
        client.call("UpdateChannel", {"AppId": app_id, "ChannelId": busy_channel}, idempotent=False)


def test_describe_user_info_in_channel(client, world, app_id, busy_channel):
    session = world.live_sessions(app_id, busy_channel)[0]
    info = client.describe_user_info_in_channel(app_id, busy_channel, session.user_id)
    assert info.channel_exists and info.in_channel
    assert session.session_id in {s.session_id for s in info.sessions}
    assert all(s.joined_at <= NOW for s in info.sessions)
    absent = client.describe_user_info_in_channel(app_id, busy_channel, "not-here")
    assert absent.channel_exists and not absent.in_channel and absent.sessions == ()
    with vendor_error(InvalidRequestError, "Request.NoUserID", 400):
        client.call("DescribeUserInfoInChannel", {"AppId": app_id, "ChannelId": busy_channel}, idempotent=True)


def test_describe_channel_users_in_both_modes(client, world, app_id):
    seen_modes = set()
    for channel in world.app(app_id).channels:
        membership = client.describe_channel_users(app_id, channel.channel_id)
        live_users = {s.user_id for s in world.live_sessions(app_id, channel.channel_id)}
        assert {m.user_id for m in membership.members} == live_users
        assert membership.total == len(live_users)
        assert membership.exists == bool(live_users)
        seen_modes.add(membership.mode)
        if membership.mode is ChannelMode.INTERACTIVE_LIVE:
            assert set(membership.counts) == {MemberRole.INTERACTIVE, MemberRole.VIEWER}
    assert seen_modes == {ChannelMode.COMMUNICATION, ChannelMode.INTERACTIVE_LIVE}


# --- data service -----------------------------------------------------------------------


@pytest.mark.parametrize("metric", list(UsageMetric))
@pytest.mark.parametrize("interval", list(Interval))
def test_usage_every_metric(client, app_id, metric, interval):
    end = NOW.replace(hour=0, minute=0)
    start = end - timedelta(days=3)
    points = client.usage(metric, start, end, interval=interval, app_id=app_id)
    assert len(points) == (72 if interval is Interval.HOUR else 3)
    assert [p.timestamp for p in points] == sorted(p.timestamp for p in points)
    assert sum(p.value for p in points) > 0
    if metric.has_peak_time:
        assert all(p.timestamp <= p.peak_time < p.timestamp + timedelta(seconds=interval) for p in points)
    if metric is UsageMetric.DURATION:
        assert all(p.duration.total == p.value == sum(p.duration.by_tier().values()) for p in points)


def test_usage_limits(client, app_id):
    with vendor_error(InvalidRequestError, "InvalidParameter", 400):
        client.call(
            "DescribeRtcDurationData",
            {"AppId": app_id, "StartTime": "2026-10-01T00:00:00Z", "EndTime": "2026-11-01T00:00:01Z"},
            idempotent=True,
        )
    with vendor_error(InvalidRequestError, "InvalidParameter", 400):
        client.call("DescribeRtcUserCntData", {"AppId": app_id, "Interval": "600"}, idempotent=True)
    with vendor_error(InvalidRequestError, "InvalidParameter", 400):
        client.call(
            "DescribeRtcChannelCntData",
            {"AppId": app_id, "StartTime": "2026-11-02T00:00:00Z", "EndTime": "2026-11-01T00:00:00Z"},
            idempotent=True,
        )
    with pytest.raises(ValidationError):
        client.usage(UsageMetric.DURATION, NOW - timedelta(days=31), NOW, app_id=app_id)
    with pytest.raises(ValidationError):
        client.usage(UsageMetric.DURATION, NOW - timedelta(days=1), NOW, interval=600, app_id=app_id)


def test_usage_range_splits_into_30_day_windows(client, sim, app_id):
    end = NOW.replace(hour=0, minute=0)
    served = sim.requests_served
    points = client.usage_range(
        UsageMetric.ACTIVE_CHANNELS, end - timedelta(days=75), end, interval=Interval.DAY, app_id=app_id
    )
    assert sim.requests_served - served == 3
    assert len(points) == 75 and len({p.timestamp for p in points}) == 75


def test_usage_without_app_id_covers_all_apps(client, world):
    end = NOW.replace(minute=0)
    start = end - timedelta(hours=6)
    per_app = [client.usage(UsageMetric.DURATION, start, end, app_id=a.app_id) for a in world.apps("aliyun")]
    combined = client.usage(UsageMetric.DURATION, start, end)
    assert [p.value for p in combined] == [
        sum(points) for points in zip(*[[p.value for p in pts] for pts in per_app], strict=True)
    ]


# --- MPU bypass push --------------------------------------------------------------------


def start_task(client, app_id, channel, task_id="task_1", url="rtmp://live.example.com/app/stream", **overrides):
    options = dict(stream_url=url, media_encode=20, layout_ids=[1, 2, 5], task_profile="4IN_720P")
    options.update(overrides)
    return client.start_mpu_task(app_id, channel, task_id, **options)


def test_mpu_task_lifecycle(client, sim, app_id, busy_channel):
    assert start_task(client, app_id, busy_channel, user_panes=[mpu.UserPane(0, "host", "camera")])
    assert client.get_mpu_task_status(app_id, "task_1").state is MixingState.RUNNING
    teal = mpu.background_color(mpu.rgb_of(0x336699))
    assert client.update_mpu_layout(app_id, "task_1", layout_ids=[6, 1], background_color=teal, crop_mode=0)
    task = sim.mpu_tasks[(app_id, "task_1")]
    assert task.layout_history[-1]["LayoutIds"] == [6, 1] and task.layout_history[-1]["CropMode"] == 0
    assert client.stop_mpu_task(app_id, "task_1")
    status = client.get_mpu_task_status(app_id, "task_1")
    assert status.state is MixingState.STOPPED and status.vendor_status == "3"
    assert not status.ended_by_vendor  # stopped by whoever asked, not by the vendor
    with vendor_error(ConflictError, "OperationConflict", 400):
        client.stop_mpu_task(app_id, "task_1")


@pytest.mark.parametrize(
    ("status", "ended_by_vendor"), [(1, False), (2, False), (3, False), (4, True), (5, True), (6, True)]
)
def test_mpu_statuses_4_to_6_are_ends_the_vendor_decided(client, sim, app_id, busy_channel, status, ended_by_vendor):
    start_task(client, app_id, busy_channel)
    sim.mpu_tasks[(app_id, "task_1")].status = status
    assert client.get_mpu_task_status(app_id, "task_1").ended_by_vendor is ended_by_vendor


def test_mpu_layout_that_exceeds_the_profile_is_refused_by_the_vendor(client, app_id, busy_channel):
    start_task(client, app_id, busy_channel)
    with vendor_error(InvalidRequestError, "InvalidParameter", 400):
        client.call("UpdateMPULayout", {"AppId": app_id, "TaskId": "task_1", "LayoutIds.1": "11"}, idempotent=False)


def test_mpu_waits_for_an_empty_channel_and_gives_up_after_30_days(client, clock, app_id):
    start_task(client, app_id, "nobody-here")
    assert client.get_mpu_task_status(app_id, "task_1").state is MixingState.WAITING
    clock.advance(days=31)
    assert client.get_mpu_task_status(app_id, "task_1").vendor_status == "2"


def test_stream_url_is_never_shared_nor_reused_within_10_seconds(client, clock, app_id, busy_channel):
    start_task(client, app_id, busy_channel, "a")
    with vendor_error(ConflictError, "OperationConflict", 400):
        start_task(client, app_id, busy_channel, "b")
    client.stop_mpu_task(app_id, "a")
    clock.advance(seconds=5)
    with vendor_error(ConflictError, "OperationConflict", 400):
        start_task(client, app_id, busy_channel, "b")
    clock.advance(seconds=6)
    assert start_task(client, app_id, busy_channel, "b")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"task_id": "has space"}, "TaskId"),
        ({"task_id": "x" * 56}, "TaskId"),
        ({"url": "http://not-rtmp.example.com/x"}, "StreamURL"),
        ({"layout_ids": [2, 3]}, "LayoutIds"),
        ({"layout_ids": [99]}, "LayoutIds"),
        ({"media_encode": 30}, "MediaEncode"),  # 1080p into a 720P profile
        ({"media_encode": 7}, "MediaEncode"),
        ({"task_profile": "2IN_720P"}, "TaskProfile"),  # a 4-pane layout into 2 inputs
        ({"crop_mode": 0}, "CropMode"),
        ({"background_color": 1 << 24}, "BackgroundColor"),
        ({"user_panes": [mpu.UserPane(16)]}, "UserPanes"),
        ({"user_panes": [mpu.UserPane(1, source_type="window")]}, "UserPanes"),
        ({"sub_spec_users": [f"u{n}" for n in range(17)]}, "SubSpecUsers"),
    ],
)
def test_mpu_parameters_are_checked_before_sending(client, sim, app_id, busy_channel, overrides, field):
    overrides = dict(overrides)
    task_id = overrides.pop("task_id", "task_1")
    served = sim.requests_served
    with pytest.raises(ValidationError) as info:
        start_task(client, app_id, busy_channel, task_id, **overrides)
    assert info.value.field == field
    assert sim.requests_served == served


@pytest.mark.parametrize(
    "params",
    [
        {"TaskId": "bad id"},
        {"StreamURL": "ftp://x/y"},
        {"LayoutIds.2": "2"},  # does not start at 1
        {"LayoutIds.1": "2", "LayoutIds.2": "3"},
        {"MediaEncode": "30"},
        {"TaskProfile": "3IN_720P"},
        {"CropMode": "0"},
        {"BackgroundColor": "16777216"},
        {"UserPanels.1.PanelId": "20"},
    ],
)
def test_mpu_simulator_validates_what_other_sdks_send(client, app_id, busy_channel, params):
    base = {
        "AppId": app_id,
        "ChannelId": busy_channel,
        "TaskId": "t1",
        "StreamURL": "rtmp://live.example.com/a/b",
        "MediaEncode": "20",
        "TaskProfile": "4IN_720P",
        "LayoutIds.1": "1",
    }
    if "LayoutIds.2" in params and "LayoutIds.1" not in params:
        del base["LayoutIds.1"]
    with vendor_error(InvalidRequestError, "InvalidParameter", 400):
        client.call("StartMPUTask", {**base, **params}, idempotent=False)


def test_mpu_takes_a_start_without_task_profile_and_refuses_an_unknown_task(client, sim, app_id, busy_channel):
    """Alibaba's current SDK (5.x) has no TaskProfile field: its starts must be taken."""
    client.call(
        "StartMPUTask",
        {
            "AppId": app_id,
            "ChannelId": busy_channel,
            "TaskId": "t",
            "StreamURL": "rtmp://a/b",
            "MediaEncode": "1",
            "LayoutIds.1": "1",
        },
        idempotent=False,
    )
    assert sim.mpu_tasks[(app_id, "t")].params["TaskProfile"] is None
    with vendor_error(NotFoundError, "TaskNotFound", 404):
        client.get_mpu_task_status(app_id, "unknown")


def test_unknown_action_is_unsupported(client):
    with vendor_error(InvalidRequestError, "UnsupportedOperation", 400):
        client.call("CreateChannel", {}, idempotent=False)


def test_mpu_task_stops_two_minutes_after_the_channel_empties(clock):
    quiet = World(WorldOptions(seed=4, apps_per_vendor=1, channels_per_app=2, sessions_per_day=60), clock=clock)
    sim = AliyunSimulator(quiet)
    app_id = quiet.apps("aliyun")[0].app_id
    channel = quiet.app(app_id).channels[0].channel_id
    with make_client(("http://sim", httpx.MockTransport(sim.handle)), clock) as client:
        for _ in range(24 * 60):  # find a minute with someone in the channel
            if quiet.live_sessions(app_id, channel):
                break
            clock.advance(minutes=1)
        start_task(client, app_id, channel)
        assert client.get_mpu_task_status(app_id, "task_1").vendor_status == "1"
        quiet_minutes = 0
        for _ in range(24 * 60):  # poll as the console would, until it has been empty for 2 minutes
            clock.advance(minutes=1)
            status = client.get_mpu_task_status(app_id, "task_1")
            quiet_minutes = 0 if quiet.live_sessions(app_id, channel) else quiet_minutes + 1
            if quiet_minutes >= 2:
                break
        assert quiet_minutes >= 2, "the channel emptied within a day"
        assert status.vendor_status == "4" and status.state is MixingState.STOPPED


USER_RECORD = {"UserId": "u", "ChannelId": "c", "StartTime": "2026-11-18T01:00:00Z", "EndTime": "2026-11-18T02:00:00Z"}


@pytest.mark.parametrize(
    "terminals, users",
    [
        ({"Terminal": [{"Id": "u", "Code": 0, "Message": "Success"}]}, {"UserList": [USER_RECORD]}),  # the SDKs'
        ([{"Id": "u", "Code": 0, "Message": "Success"}], [USER_RECORD]),  # spec 001's flat examples
    ],
    ids=["wrapped", "flat"],
)
def test_client_reads_kicks_and_user_lists_in_either_shape(clock, terminals, users):
    """The simulator answers the wrapped shape the official SDKs read; real answers in the
    spec's flat shape must still parse."""

    def answer(request: httpx.Request) -> httpx.Response:
        action = request.url.params["Action"]
        body = {"RemoveTerminals": {"Terminals": terminals}, "DescribeRtcChannelUserList": {"UserList": users}}
        return httpx.Response(200, json={"RequestId": "r", "TotalCnt": 1, **body[action]})

    with make_client(("http://sim", httpx.MockTransport(answer)), clock) as shaped:
        kicked = shaped.remove_terminals("app", "c", ["u"])
        assert [(k.user_id, k.ok) for k in kicked] == [("u", True)]
        listed = shaped.describe_rtc_channel_user_list("app", NOW, channel_id="c")
        assert [(r.user_id, r.channel_id) for r in listed.items] == [("u", "c")]


def test_provider_pages_participants_and_refreshes_a_nonce(client, sim, world, app_id):
    channel = "big-hall"
    for n in range(25):
        world.join(app_id, channel, f"member-{n:02d}")
    provider = AliyunProvider(client)
    pages = [provider.participants(app_id, channel, page=page, page_size=10) for page in (1, 2, 3)]
    assert [len(page.items) for page in pages] == [10, 10, 5] and {page.total for page in pages} == {25}
    listed = [user for page in pages for user in page.items]
    assert sorted(listed) == [f"member-{n:02d}" for n in range(25)]  # every member once, across pages

    old = sim.channel_nonce(app_id, channel)
    token = provider.refresh_channel_nonce(app_id, channel, old)
    assert sim.channel_nonce(app_id, channel) == token.nonce != old and token.request_id
    with vendor_error(InvalidRequestError, "Request.InvalidNonce", 400):
        provider.refresh_channel_nonce(app_id, channel, old)  # the old nonce no longer names the channel
