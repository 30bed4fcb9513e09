"""Response parsing: older shapes of spec 000, XML, and fuzzed bodies raise only the hierarchy."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vendors.aliyun import client as client_module
from vendors.aliyun import parse
from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.parse import MEMBER_OF, decode_body, to_usage_point, to_usage_points
from vendors.aliyun.sim import _to_xml
from vendors.base.errors import (
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
    VendorError,
)
from vendors.base.http import RetryPolicy
from vendors.base.types import AppStatus, DurationBreakdown, Interval, Member, MemberRole, UsageMetric, UsagePoint

NOW = datetime(2026, 11, 18, tzinfo=UTC)


def canned(status: int, body: bytes | str, content_type: str = "application/json", headers=None) -> AliyunRtcClient:
    content = body.encode() if isinstance(body, str) else body

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"Content-Type": content_type, **(headers or {})})

    return AliyunRtcClient(
        "id", "secret", base_url="http://x", transport=httpx.MockTransport(handle), retry=RetryPolicy.never()
    )


def test_spec_000_flat_json_shapes():
    body = {
        "TotalPage": 1,
        "AppList": [
            {
                "ServiceAreas": '["CN"]',
                "Status": 1,
                "CreateTime": "2017-08-30 10:47:25.0",
                "AppId": "af2ace82",
                "AppName": "coco-conf",
                "BillType": "payByDuration",
                "AppType": "universal",
            }
        ],
        "TotalNum": 1,
        "RequestId": "6159ba01",
    }
    app = canned(200, json.dumps(body)).describe_apps().items[0]
    assert app.service_areas == ("CN",) and app.status is AppStatus.ACTIVE
    assert app.created_at == datetime(2017, 8, 30, 10, 47, 25, tzinfo=UTC)

    usage = {
        "DurationDataPerInterval": [
            {
                "TimeStamp": "2018-01-29T00:00:00Z",
                "ContentDuration": 200,
                "AudioDuration": 200,
                "TotalDuration": 1000,
                "V1080Duration": 300,
                "V360Duration": 300,
                "V720Duration": 0,
            }
        ],
        "RequestId": "16A96B9A",
    }
    point = canned(200, json.dumps(usage)).usage(UsageMetric.DURATION, NOW - timedelta(hours=1), NOW)[0]
    assert point.value == 1000 and point.duration.v1080 == 300


def test_spec_000_xml_with_repeated_list_elements():
    xml = """<DescribeAppsResponse><RequestId>6159</RequestId><TotalNum>2</TotalNum><TotalPage>1</TotalPage>
    <AppList><Status>1</Status><AppName>coco-conf</AppName><CreateTime>2017-08-30 10:47:25.0</CreateTime>
    <AppId>af2ace82</AppId><ServiceAreas>["CN"]</ServiceAreas><AppType>universal</AppType></AppList>
    <AppList><Status>3</Status><AppName>other</AppName><AppId>bb</AppId></AppList></DescribeAppsResponse>"""
    apps = canned(200, xml, "text/xml").describe_apps().items
    assert [(a.app_id, a.status) for a in apps] == [("af2ace82", AppStatus.ACTIVE), ("bb", AppStatus.ARREARS)]


def test_2020_xml_channel_list_with_lowercase_l_and_offsets():
    xml = """<DescribeRtcChannellistResponse><PageSize>1</PageSize><RequestId>68F5</RequestId><TotalCnt>24</TotalCnt>
    <PageNo>1</PageNo><Channellist><Channellist><TotalUserCnt>2</TotalUserCnt>
    <EndTime>2020-04-14T13:09:00+08:00</EndTime><StartTime>2020-04-14T13:08:00+08:00</StartTime>
    <ChannelId>testChannel</ChannelId><CallArea><CallArea>cn</CallArea></CallArea></Channellist></Channellist>
    </DescribeRtcChannellistResponse>"""
    page = canned(200, xml, "text/xml").describe_rtc_channel_list(NOW, page_size=1)
    record = page.items[0]
    assert page.total == 24 and record.channel_id == "testChannel" and record.call_areas == ("cn",)
    assert record.start == datetime(2020, 4, 14, 5, 8, tzinfo=UTC)


def test_errors_with_http_200_are_errors():
    body = {"RequestId": "r1", "HostId": "rtc.aliyuncs.com", "Code": "App.ChargeOverDue", "Message": "in arrears"}
    with pytest.raises(PermissionDeniedError) as info:
        canned(200, json.dumps(body)).describe_apps()
    assert info.value.http_status == 200 and info.value.request_id == "r1"


def test_throttling_keeps_retry_after():
    body = {"RequestId": "r", "Code": "Throttling.User", "Message": "slow down"}
    with pytest.raises(RateLimitedError) as info:
        canned(400, json.dumps(body), headers={"Retry-After": "3"}).describe_apps()
    assert info.value.retry_after == 3.0 and info.value.transient


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_gateway_html_on_5xx_is_unavailable(status):
    with pytest.raises(UnavailableError) as info:
        canned(status, "<html><body>Bad Gateway</body></html>", "text/html").describe_apps()
    assert info.value.http_status == status


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthenticationError), (403, PermissionDeniedError), (404, NotFoundError), (429, RateLimitedError)],
)
def test_proxy_pages_on_4xx_are_judged_by_status(status, error):
    with pytest.raises(error) as info:
        canned(status, "<html>nope</html>", "text/html", headers={"Retry-After": "2"}).describe_apps()
    assert info.value.http_status == status and info.value.code == f"HTTP{status}"


def test_success_without_request_id_is_malformed():
    with pytest.raises(MalformedResponseError):
        canned(200, json.dumps({"AppList": []})).describe_apps()


CALLS = [
    lambda c: c.describe_apps(),
    lambda c: c.usage(UsageMetric.PEAK_USERS, NOW - timedelta(hours=3), NOW, app_id="a"),
    lambda c: c.usage(UsageMetric.DURATION, NOW - timedelta(hours=3), NOW, app_id="a"),
    lambda c: c.describe_channel_users("a", "c"),
    lambda c: c.describe_rtc_channel_list(NOW),
    lambda c: c.describe_rtc_channel_user_list("a", NOW),
    lambda c: c.describe_rtc_channel_metric("a", "c", NOW),
    lambda c: c.describe_user_info_in_channel("a", "c", "u"),
    lambda c: c.remove_terminals("a", "c", ["u"]),
    lambda c: c.update_channel("a", "c", "n"),
    lambda c: c.get_mpu_task_status("a", "t"),
    lambda c: c.describe_channel_participants("a", "c"),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
known_keys = st.sampled_from(
    [
        "RequestId",
        "AppList",
        "App",
        "Code",
        "UserList",
        "Terminals",
        "Status",
        "TimeStamp",
        "ChannelMetricInfo",
        "DurationDataPerInterval",
        "DurationModule",
        "PeakUserCntDataPerInterval",
        "IsChannelExist",
        "Property",
        "ChannelList",
        "Nonce",
        "Timestamp",
        "TotalNum",
        "ChannelProfile",
    ]
)
shaped = st.dictionaries(known_keys, json_values, max_size=6).map(lambda d: json.dumps(d).encode())


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(st.binary(max_size=200), shaped, st.text(max_size=100).map(str.encode)),
    status=st.sampled_from([200, 400, 403, 404, 429, 500, 503]),
    call=st.sampled_from(CALLS),
)
def test_any_body_raises_only_the_error_hierarchy(body, status, call):
    client = canned(status, body)
    with contextlib.suppress(VendorError):
        call(client)


@settings(max_examples=200)
@given(cut=st.integers(min_value=0, max_value=400), call=st.sampled_from(range(len(CALLS))))
def test_truncated_real_bodies_raise_only_the_error_hierarchy(cut, call):
    body = SAMPLE_BODIES[call % len(SAMPLE_BODIES)]
    for content_type, content in (("application/json", body[0]), ("text/xml", body[1])):
        client = canned(200, content[:cut], content_type)
        with contextlib.suppress(VendorError):
            CALLS[call](client)


def _samples() -> list[tuple[bytes, bytes]]:
    """Real JSON and XML bodies from the simulator for every read above."""
    bodies = [
        {
            "RequestId": "r",
            "TotalNum": 1,
            "AppList": {"App": [{"AppId": "a", "AppName": "n", "Status": 1, "ServiceAreas": {"ServiceArea": ["CN"]}}]},
        },
        {
            "RequestId": "r",
            "PeakUserCntDataPerInterval": {
                "PeakUserCntModule": [
                    {
                        "TimeStamp": "2026-11-17T22:00:00Z",
                        "ActiveUserPeak": 3,
                        "ActiveUserPeakTime": "2026-11-17T22:05:00Z",
                    }
                ]
            },
        },
        {
            "RequestId": "r",
            "IsChannelExist": True,
            "ChannelProfile": 2,
            "InteractiveUserList": ["a"],
            "LiveUserList": ["b", "c"],
            "InteractiveUserNum": 1,
            "LiveUserNum": 2,
            "Timestamp": 1763424000,
        },
        {"RequestId": "r", "Terminals": [{"Id": "u", "Code": 0, "Message": "Success"}]},
    ]
    return [(json.dumps(b).encode(), f"<R>{_to_xml(b)}</R>".encode()) for b in bodies]


SAMPLE_BODIES = _samples()


json_trees = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(tree=st.dictionaries(st.text(max_size=8), json_trees, max_size=5), ascii_only=st.booleans())
def test_json_bodies_decode_as_the_standard_library_reads_them(tree, ascii_only):
    body = json.dumps(tree, ensure_ascii=ascii_only).encode()
    assert decode_body(body) == json.loads(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"RequestId": "r", "Value": NaN}',  # not JSON, but the standard library reads it
        b'\xef\xbb\xbf{"RequestId": "r"}',  # UTF-8 with a byte-order mark
        '{"RequestId": "r"}'.encode("utf-16"),
        b'{"RequestId": "\\ud800"}',  # a lone surrogate
    ],
)
def test_bodies_only_the_standard_library_reads_are_still_read(body):
    decoded = decode_body(body)
    assert decoded.keys() == json.loads(body).keys() and decoded["RequestId"] == json.loads(body)["RequestId"]


@pytest.mark.parametrize(
    ("body", "words"), [(b'{"RequestId": ', "not valid JSON"), (b"\xff\xfe\x00{", "not valid JSON")]
)
def test_broken_json_is_malformed(body, words):
    with pytest.raises(MalformedResponseError, match=words):
        decode_body(body)


usage_nodes = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "TimeStamp": st.sampled_from(["2026-11-18T10:00:00Z", " 2026-11-18T11:00:00+08:00 ", "2026-11-18"]),
                "ActiveUserCnt": st.one_of(st.integers(0, 10**6), st.sampled_from(["12", True, 3.0, None])),
            }
        ),
        st.fixed_dictionaries({"timestamp": st.just("2026-11-18T10:00:00Z"), "activeusercnt": st.integers(0, 9)}),
        st.dictionaries(st.sampled_from(["TimeStamp", "ActiveUserCnt", "Other"]), st.integers(0, 9), max_size=3),
        st.text(max_size=5),
    ),
    max_size=6,
)


@given(nodes=usage_nodes)
def test_usage_points_read_inline_as_one_by_one(nodes):
    def read(convert):
        try:
            return convert()
        except MalformedResponseError as exc:
            return str(exc)

    args = (UsageMetric.ACTIVE_USERS, Interval.HOUR, "ActiveUserCnt", None)
    assert read(lambda: to_usage_points(nodes, *args)) == read(lambda: [to_usage_point(n, *args) for n in nodes])


def test_members_are_shared_per_user_and_role():
    assert MEMBER_OF[MemberRole.VIEWER]("u1") is MEMBER_OF[MemberRole.VIEWER]("u1")
    assert MEMBER_OF[MemberRole.VIEWER]("u1") == Member("u1", MemberRole.VIEWER)
    assert MEMBER_OF[MemberRole.INTERACTIVE]("u1") == Member("u1", MemberRole.INTERACTIVE)


def _old_usage_point(node, metric, interval, value_key):
    """The reading before bucket times were kept and points built by their slots."""
    text = node["TimeStamp"].strip()
    if text[-1:] == "Z":
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return UsagePoint(metric, interval, parsed.astimezone(UTC), node[value_key])


# Spec 001 writes bucket times as yyyy-MM-ddTHH:mm:ssZ (UTC); spec 000 and other answers also
# bring offsets and "2017-08-30 10:47:25.0".
spec_times = st.builds(
    lambda moment, style: {
        "z": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "offset": moment.astimezone(timezone(timedelta(hours=8))).isoformat(),
        "space": moment.strftime("%Y-%m-%d %H:%M:%S.0"),
    }[style],
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(["z", "offset", "space"]),
)


@given(
    stamps=st.lists(spec_times, max_size=30),
    values=st.lists(st.integers(0, 2**63 - 1), min_size=30, max_size=30),
    interval=st.sampled_from(list(Interval)),
)
def test_usage_points_equal_the_plain_reading(stamps, values, interval):
    metric = UsageMetric.ACTIVE_USERS
    nodes = [{"TimeStamp": stamp, "ActiveUserCnt": value} for stamp, value in zip(stamps, values, strict=False)]
    for _ in range(2):  # the first read fills the kept bucket times, the second reads them
        points = to_usage_points(nodes, metric, interval, "ActiveUserCnt", None)
        expected = [_old_usage_point(node, metric, interval, "ActiveUserCnt") for node in nodes]
        assert points == expected
        assert [type(p) for p in points] == [UsagePoint] * len(nodes)
        assert [(p.timestamp.tzinfo, p.peak_time, p.duration, hash(p)) for p in points] == [
            (e.timestamp.tzinfo, e.peak_time, e.duration, hash(e)) for e in expected
        ]


# Nodes of the statistics with a peak time or a duration breakdown, as the simulator and
# Alibaba send them, and some that are not (a figure as text, a key missing, a peak time empty
# or absent, other key case): the inline reading must equal to_usage_point's, node by node.
usual_or_odd_figures = st.one_of(st.integers(0, 2**63 - 1), st.integers(0, 10**6).map(str), st.none())


@st.composite
def peak_and_duration_nodes(draw, metric: UsageMetric) -> dict:
    query = client_module.USAGE_QUERIES[metric]
    node = {"TimeStamp": draw(spec_times), query.value_key: draw(st.integers(0, 2**63 - 1))}
    if query.peak_time_key:
        node[query.peak_time_key] = draw(st.one_of(spec_times, spec_times, st.just(""), st.none()))
    if metric is UsageMetric.DURATION:
        for key in ("AudioDuration", "V360Duration", "V720Duration", "V1080Duration", "ContentDuration"):
            node[key] = draw(st.one_of(st.integers(0, 2**63 - 1), st.integers(0, 2**63 - 1), usual_or_odd_figures))
    for key in list(node):
        if node[key] is None:
            del node[key]
    if draw(st.integers(0, 9)) == 0:  # another case of a key name, as spec 000 writes some
        key = draw(st.sampled_from(sorted(node)))
        node[key.lower()] = node.pop(key)
    return node


@pytest.mark.parametrize("metric", [UsageMetric.DURATION, UsageMetric.PEAK_USERS, UsageMetric.PEAK_CHANNELS])
@given(data=st.data(), interval=st.sampled_from(list(Interval)))
def test_usage_points_with_peak_times_or_tiers_equal_the_node_by_node_reading(metric, data, interval):
    query = client_module.USAGE_QUERIES[metric]
    nodes = data.draw(st.lists(peak_and_duration_nodes(metric), max_size=20))
    expected = []
    for node in nodes:
        try:
            expected.append(to_usage_point(node, metric, interval, query.value_key, query.peak_time_key))
        except MalformedResponseError:
            with pytest.raises(MalformedResponseError):
                to_usage_points([node], metric, interval, query.value_key, query.peak_time_key)
            return
    points = to_usage_points(nodes, metric, interval, query.value_key, query.peak_time_key)
    assert points == expected
    assert [type(p) for p in points] == [UsagePoint] * len(nodes)
    assert [(p.timestamp.tzinfo, p.peak_time and p.peak_time.tzinfo, p.duration, hash(p)) for p in points] == [
        (e.timestamp.tzinfo, e.peak_time and e.peak_time.tzinfo, e.duration, hash(e)) for e in expected
    ]


def test_bucket_times_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(parse, "_STAMPS_MAX", 3)
    parse._STAMPS.clear()
    nodes = [{"TimeStamp": f"2026-11-18T{hour:02d}:00:00Z", "ActiveUserCnt": hour} for hour in range(10)]
    points = to_usage_points(nodes, UsageMetric.ACTIVE_USERS, Interval.HOUR, "ActiveUserCnt", None)
    assert [p.timestamp.hour for p in points] == list(range(10))
    assert len(parse._STAMPS) <= 3


@given(moment=st.datetimes(min_value=datetime(1, 1, 1), timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])))
def test_times_sent_are_formatted_as_strftime_formats_them(moment):
    assert client_module.format_time(moment) == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client_module.format_time(moment) == client_module.format_time(moment)  # kept, the same


def test_the_signed_timestamp_is_the_clocks_second():
    before = datetime.now(UTC).replace(microsecond=0)
    text = client_module.utcnow_text()
    after = datetime.now(UTC)
    assert before <= datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) <= after


def test_points_are_built_by_their_slots_while_usage_point_allows_it():
    # If UsagePoint changes shape, _new_point falls back to the constructor: still correct,
    # only slower; this says so.
    assert parse._new_point is not UsagePoint
    point = parse._new_point(UsageMetric.ACTIVE_USERS, Interval.DAY, NOW, 7, None, None)  # every field given
    assert point == UsagePoint(UsageMetric.ACTIVE_USERS, Interval.DAY, NOW, 7)
    assert repr(point) == repr(UsagePoint(UsageMetric.ACTIVE_USERS, Interval.DAY, NOW, 7))
    assert parse._new_tiers is not DurationBreakdown
    tiers = parse._new_tiers(1, 2, 3, 4, 5, 16)
    assert (tiers, hash(tiers), repr(tiers)) == (
        DurationBreakdown(1, 2, 3, 4, 5, 16),
        hash(DurationBreakdown(1, 2, 3, 4, 5, 16)),
        repr(DurationBreakdown(1, 2, 3, 4, 5, 16)),
    )
