"""Alibaba Cloud RTC OpenAPI 2018-01-11 client (spec 001).

Requests go out as the spec documents them: HTTP GET to ``/`` with every parameter in the
query, signed with signature version 1.0. Each attempt is signed afresh (new nonce and
timestamp), so retried reads are never rejected as replays.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from vendors.base.curl import RawResponse
from vendors.base.errors import RateLimitedError, ValidationError, VendorError
from vendors.base.http import (
    HttpApiClient,
    HttpSettings,
    RetryPolicy,
    build_getter,
    build_http_client,
    call_with_retries,
    parse_retry_after,
    raw,
    send,
)
from vendors.base.types import (
    App,
    ChannelMetric,
    ChannelMode,
    ChannelRecord,
    ChannelToken,
    ChannelUserRecord,
    Interval,
    KickResult,
    Member,
    MemberRole,
    MemberSession,
    Membership,
    MixingState,
    MixingTask,
    Page,
    UsageMetric,
    UsagePoint,
)
from vendors.base.windows import as_utc, split_windows

from . import mpu
from .errors import build_error
from .parse import (
    MEMBER_OF,
    as_bool,
    as_epoch,
    as_int,
    as_str,
    as_time,
    decode_body,
    field,
    items,
    malformed,
    optional,
    request_id_of,
    to_app,
    to_channel_record,
    to_channel_user,
    to_tiers,
    to_usage_points,
)
from .repeat_list import repeat_list
from .signing import RpcGetSigner, rpc_signature

VENDOR = "aliyun"
API_VERSION = "2018-01-11"
DEFAULT_BASE_URL = "https://rtc.aliyuncs.com"
MAX_USAGE_SPAN = timedelta(days=30)
MAX_TERMINALS_PER_CALL = 30
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_time(value: datetime) -> str:
    return _format_utc(as_utc(value))


@functools.lru_cache(maxsize=4096)
def _format_utc(value: datetime) -> str:
    """Cached: strftime costs about as much as a usage bucket's parsing, and the times asked
    about repeat (a sync asks every app and statistic about the same windows). The clock's
    ever-new times go through utcnow_text instead, so they do not crowd this out."""
    return value.strftime(TIME_FORMAT)


def utcnow() -> datetime:
    return datetime.now(UTC)


_now_text: tuple[int, str] = (-1, "")


def utcnow_text() -> str:
    """format_time(utcnow()), formatted once a second (one tuple, read and replaced whole:
    safe across threads)."""
    global _now_text
    second = time.time_ns() // 1_000_000_000
    last = _now_text
    if last[0] != second:
        last = _now_text = (second, time.strftime(TIME_FORMAT, time.gmtime(second)))
    return last[1]


def new_nonce() -> str:
    """128 random bits in hex (uuid4().hex has 122 of them and costs four times as much)."""
    return os.urandom(16).hex()


@dataclass(frozen=True, slots=True)
class UsageQuery:
    action: str
    list_key: str
    item_key: str
    value_key: str
    peak_time_key: str | None = None


USAGE_QUERIES: dict[UsageMetric, UsageQuery] = {
    UsageMetric.DURATION: UsageQuery(
        "DescribeRtcDurationData", "DurationDataPerInterval", "DurationModule", "TotalDuration"
    ),
    UsageMetric.ACTIVE_USERS: UsageQuery(
        "DescribeRtcUserCntData", "UserCntDataPerInterval", "UserCntModule", "ActiveUserCnt"
    ),
    UsageMetric.ACTIVE_CHANNELS: UsageQuery(
        "DescribeRtcChannelCntData", "ChannelCntDataPerInterval", "ChannelCntModule", "ActiveChannelCnt"
    ),
    UsageMetric.PEAK_USERS: UsageQuery(
        "DescribeRtcPeakUserCntData",
        "PeakUserCntDataPerInterval",
        "PeakUserCntModule",
        "ActiveUserPeak",
        "ActiveUserPeakTime",
    ),
    UsageMetric.PEAK_CHANNELS: UsageQuery(
        "DescribeRtcPeakChannelCntData",
        "PeakChannelCntDataPerInterval",
        "PeakChannelCntModule",
        "ActiveChannelPeak",
        "ActiveChannelPeakTime",
    ),
}

MPU_STATUS = {
    0: (MixingState.WAITING, "waiting for the channel to start"),
    1: (MixingState.RUNNING, "running"),
    2: (MixingState.STOPPED, "stopped"),
    3: (MixingState.STOPPED, "stopped by the user"),
    4: (MixingState.STOPPED, "the channel has stopped"),
    5: (MixingState.FAILED, "CDN network problem, live stream stopped"),
    6: (MixingState.FAILED, "live URL problem, live stream stopped"),
}
# Spec 8.2: statuses 4-6 are stops the vendor decided on (the channel ended, CDN or URL trouble).
MPU_ENDED_BY_VENDOR = frozenset({4, 5, 6})
ROLES = {0: MemberRole.COMMUNICATION, 1: MemberRole.INTERACTIVE, 2: MemberRole.VIEWER}
COMMUNICATION_MEMBER = MEMBER_OF[MemberRole.COMMUNICATION]
INTERACTIVE_MEMBER = MEMBER_OF[MemberRole.INTERACTIVE]
VIEWER_MEMBER = MEMBER_OF[MemberRole.VIEWER]


def _check_page(page: int, page_size: int) -> None:
    if page < 1:
        raise ValidationError("page numbers start at 1", field="PageNum", vendor=VENDOR)
    if page_size < 1:
        raise ValidationError("page size must be greater than 0", field="PageSize", vendor=VENDOR)


def _without_none(params: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in params.items() if value is not None}


class AliyunRtcClient(HttpApiClient):
    """One Alibaba Cloud AccessKey talking to the RTC API."""

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        security_token: str | None = None,
        response_format: str = "JSON",
        retry: RetryPolicy = RetryPolicy(),
        http: HttpSettings = HttpSettings(),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if response_format not in ("JSON", "XML"):
            raise ValueError("response_format is JSON or XML")
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._token = security_token
        self._format = response_format
        self._retry = retry
        self._clock = clock
        # The signed Timestamp: from the system clock, formatted once a second, unless a clock was given.
        self._now_text: Callable[[], str] = utcnow_text if clock is utcnow else lambda: format_time(clock())
        self._signer = RpcGetSigner(
            access_key_secret,
            {
                "Version": API_VERSION,
                "Format": response_format,
                "AccessKeyId": access_key_id,
                "SignatureMethod": "HMAC-SHA1",
                "SignatureVersion": "1.0",
            },
            {"SecurityToken": security_token} if security_token else {},
        )
        self._http = build_http_client(base_url or DEFAULT_BASE_URL, transport=transport, settings=http)
        # Every action is a signed GET: all of them take the lean path over the network.
        self._getter = build_getter(base_url or DEFAULT_BASE_URL, vendor=VENDOR, transport=transport, settings=http)

    def close(self) -> None:
        if self._getter is not None:
            self._getter.close()
        super().close()

    # --- transport ------------------------------------------------------------------

    def signed_query(self, action: str, params: Mapping[str, str]) -> dict[str, str]:
        query = {
            "Action": action,
            "Version": API_VERSION,
            "Format": self._format,
            "AccessKeyId": self._key_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": new_nonce(),
            "Timestamp": format_time(self._clock()),
            **params,
        }
        if self._token:
            query["SecurityToken"] = self._token
        query["Signature"] = rpc_signature("GET", query, self._secret)
        return query

    def call(self, action: str, params: Mapping[str, Any] | None = None, *, idempotent: bool) -> dict[str, Any]:
        """Send one action and return its decoded body, or raise a VendorError."""
        clean = _without_none(params or {})

        def attempt() -> dict[str, Any]:
            # What signed_query signs, built straight into the query string sent.
            target = "/?" + self._signer.signed_query_string(action, new_nonce(), self._now_text(), clean)
            if self._getter is not None:
                return self._read(self._getter.get(target, name=action))
            request = self._http.build_request("GET", target)
            return self._read(raw(send(self._http, request, vendor=VENDOR)))

        return call_with_retries(attempt, policy=self._retry, idempotent=idempotent, vendor=VENDOR, action=action)

    def _read(self, response: RawResponse) -> dict[str, Any]:
        status = response.status_code
        retry_after = parse_retry_after(response.retry_after)
        try:
            body = decode_body(response.content, response.content_type)
        except VendorError:
            if 200 <= status < 300:
                raise
            # A gateway or proxy page instead of Alibaba's envelope: judge by the status.
            error = build_error(
                f"HTTP{status}", f"HTTP {status} from Alibaba RTC without an API body", http_status=status
            )
            if isinstance(error, RateLimitedError):
                error.retry_after = retry_after
            raise error from None
        code = field(body, "Code", None)
        if code not in (None, ""):
            error = build_error(
                as_str(code, "Code"),
                str(field(body, "Message", "") or ""),
                http_status=status,
                request_id=request_id_of(body),
                host_id=str(field(body, "HostId", "") or ""),
            )
            if isinstance(error, RateLimitedError):
                error.retry_after = retry_after
            raise error
        if not 200 <= status < 300:
            raise build_error(
                f"HTTP{status}",
                f"HTTP {status} without an error code",
                http_status=status,
                request_id=request_id_of(body),
            )
        if not request_id_of(body):
            raise malformed("response has no RequestId")
        return body

    # --- apps -----------------------------------------------------------------------

    def describe_apps(
        self,
        *,
        app_id: str | None = None,
        status: int | None = None,
        order: str | None = None,
        page_num: int = 1,
        page_size: int = 10,
    ) -> Page[App]:
        _check_page(page_num, page_size)
        body = self.call(
            "DescribeApps",
            {"AppId": app_id, "Status": status, "Order": order, "PageNum": page_num, "PageSize": page_size},
            idempotent=True,
        )
        apps = tuple(to_app(node) for node in items(field(body, "AppList", []), "App"))
        total = optional(field(body, "TotalNum", None), as_int, "TotalNum")
        return Page(apps, page_num, page_size, total, request_id_of(body))

    def iter_apps(self, *, status: int | None = None, page_size: int = 50) -> Iterator[App]:
        yield from _pages(lambda page: self.describe_apps(status=status, page_num=page, page_size=page_size))

    def modify_app(self, app_id: str, app_name: str) -> str:
        body = self.call("ModifyApp", {"AppId": app_id, "AppName": app_name}, idempotent=False)
        return request_id_of(body)

    # --- channels -------------------------------------------------------------------

    def delete_channel(self, app_id: str, channel_id: str) -> str:
        body = self.call("DeleteChannel", {"AppId": app_id, "ChannelId": channel_id}, idempotent=False)
        return request_id_of(body)

    def remove_terminals(self, app_id: str, channel_id: str, terminal_ids: Sequence[str]) -> list[KickResult]:
        """One RemoveTerminals call: 1 to 30 terminal ids."""
        if not 1 <= len(terminal_ids) <= MAX_TERMINALS_PER_CALL:
            raise ValidationError(
                f"RemoveTerminals takes 1 to {MAX_TERMINALS_PER_CALL} terminal ids", field="TerminalIds", vendor=VENDOR
            )
        params = {"AppId": app_id, "ChannelId": channel_id, **repeat_list("TerminalIds", terminal_ids)}
        body = self.call("RemoveTerminals", params, idempotent=False)
        request_id = request_id_of(body)
        results = []
        for node in items(field(body, "Terminals", []), "Terminal"):
            code = as_int(field(node, "Code", 0), "Code")
            results.append(
                KickResult(
                    user_id=as_str(field(node, "Id"), "Id"),
                    ok=code == 0,
                    code=str(code),
                    message=str(field(node, "Message", "") or ""),
                    request_id=request_id,
                )
            )
        return results

    def remove_all_terminals(self, app_id: str, channel_id: str, terminal_ids: Sequence[str]) -> list[KickResult]:
        """Kick any number of terminals, 30 per call. A failed batch is reported per
        terminal with the vendor's code; later batches still run."""
        unique = list(dict.fromkeys(terminal_ids))
        results: list[KickResult] = []
        for start in range(0, len(unique), MAX_TERMINALS_PER_CALL):
            batch = unique[start : start + MAX_TERMINALS_PER_CALL]
            try:
                results.extend(self.remove_terminals(app_id, channel_id, batch))
            except VendorError as exc:
                results.extend(KickResult(user_id, False, exc.code, exc.message, exc.request_id) for user_id in batch)
        return results

    def describe_channel_participants(
        self, app_id: str, channel_id: str, *, order: str | None = None, page_num: int = 1, page_size: int = 10
    ) -> Page[str]:
        _check_page(page_num, page_size)
        body = self.call(
            "DescribeChannelParticipants",
            {"AppId": app_id, "ChannelId": channel_id, "Order": order, "PageNum": page_num, "PageSize": page_size},
            idempotent=True,
        )
        users = tuple(as_str(u, "User") for u in items(field(body, "UserList", []), "User"))
        total = optional(field(body, "TotalNum", None), as_int, "TotalNum")
        return Page(users, page_num, page_size, total, request_id_of(body))

    def iter_channel_participants(self, app_id: str, channel_id: str, *, page_size: int = 100) -> Iterator[str]:
        yield from _pages(
            lambda page: self.describe_channel_participants(app_id, channel_id, page_num=page, page_size=page_size)
        )

    def describe_rtc_channel_user_list(
        self,
        app_id: str,
        time_point: datetime,
        *,
        channel_id: str | None = None,
        page_no: int = 1,
        page_size: int = 100,
    ) -> Page[ChannelUserRecord]:
        _check_page(page_no, page_size)
        body = self.call(
            "DescribeRtcChannelUserList",
            {
                "AppId": app_id,
                "ChannelId": channel_id,
                "TimePoint": format_time(time_point),
                "PageNo": page_no,
                "PageSize": page_size,
            },
            idempotent=True,
        )
        records = tuple(to_channel_user(node) for node in items(field(body, "UserList", []), "UserList", "User"))
        total = optional(field(body, "TotalCnt", None), as_int, "TotalCnt")
        return Page(records, page_no, page_size, total, request_id_of(body))

    def iter_rtc_channel_user_list(
        self, app_id: str, time_point: datetime, *, channel_id: str | None = None, page_size: int = 100
    ) -> Iterator[ChannelUserRecord]:
        yield from _pages(
            lambda page: self.describe_rtc_channel_user_list(
                app_id, time_point, channel_id=channel_id, page_no=page, page_size=page_size
            )
        )

    def describe_rtc_channel_list(
        self,
        time_point: datetime,
        *,
        app_id: str | None = None,
        channel_id: str | None = None,
        user_id: str | None = None,
        service_area: str | None = None,
        sort_type: str | None = None,
        page_no: int = 1,
        page_size: int = 20,
    ) -> Page[ChannelRecord]:
        _check_page(page_no, page_size)
        body = self.call(
            "DescribeRtcChannelList",
            {
                "AppId": app_id,
                "ChannelId": channel_id,
                "UserId": user_id,
                "ServiceArea": service_area,
                "SortType": sort_type,
                "TimePoint": format_time(time_point),
                "PageNo": page_no,
                "PageSize": page_size,
            },
            idempotent=True,
        )
        records = tuple(to_channel_record(node) for node in items(field(body, "ChannelList", []), "ChannelList"))
        total = optional(field(body, "TotalCnt", None), as_int, "TotalCnt")
        return Page(records, page_no, page_size, total, request_id_of(body))

    def iter_rtc_channel_list(
        self, time_point: datetime, *, page_size: int = 100, **filters: Any
    ) -> Iterator[ChannelRecord]:
        yield from _pages(
            lambda page: self.describe_rtc_channel_list(time_point, page_no=page, page_size=page_size, **filters)
        )

    def describe_rtc_channel_metric(self, app_id: str, channel_id: str, time_point: datetime) -> ChannelMetric:
        body = self.call(
            "DescribeRtcChannelMetric",
            {"AppId": app_id, "ChannelId": channel_id, "TimePoint": format_time(time_point)},
            idempotent=True,
        )
        info = field(body, "ChannelMetricInfo")
        metric = field(info, "ChannelMetric")
        duration = field(info, "Duration", {})
        return ChannelMetric(
            channel_id=as_str(field(metric, "ChannelId", channel_id), "ChannelId"),
            start=optional(field(metric, "StartTime", None), as_time, "StartTime"),
            end=optional(field(metric, "EndTime", None), as_time, "EndTime"),
            user_count=as_int(field(metric, "UserCount", 0), "UserCount"),
            publisher_count=as_int(field(metric, "PubUserCount", 0), "PubUserCount"),
            subscriber_count=as_int(field(metric, "SubUserCount", 0), "SubUserCount"),
            published=to_tiers(field(duration, "PubDuration", {})),
            subscribed=to_tiers(field(duration, "SubDuration", {})),
        )

    def update_channel(self, app_id: str, channel_id: str, nonce: str) -> ChannelToken:
        body = self.call("UpdateChannel", {"AppId": app_id, "ChannelId": channel_id, "Nonce": nonce}, idempotent=False)
        return ChannelToken(
            nonce=as_str(field(body, "Nonce"), "Nonce"),
            issued_at=as_epoch(field(body, "Timestamp"), "Timestamp"),
            request_id=request_id_of(body),
        )

    def describe_user_info_in_channel(self, app_id: str, channel_id: str, user_id: str) -> MemberSession:
        body = self.call(
            "DescribeUserInfoInChannel",
            {"AppId": app_id, "ChannelId": channel_id, "UserId": user_id},
            idempotent=True,
        )
        sessions = tuple(
            Member(
                user_id=user_id,
                role=ROLES.get(as_int(field(node, "Role", -1), "Role"), MemberRole.UNKNOWN),
                joined_at=optional(field(node, "Join", None), as_epoch, "Join"),
                session_id=as_str(field(node, "Session", ""), "Session"),
            )
            for node in items(field(body, "Property", []), "Property")
        )
        return MemberSession(
            channel_exists=as_bool(field(body, "IsChannelExist"), "IsChannelExist"),
            in_channel=as_bool(field(body, "IsInChannel"), "IsInChannel"),
            sessions=sessions,
        )

    def describe_channel_users(self, app_id: str, channel_id: str) -> Membership:
        body = self.call("DescribeChannelUsers", {"AppId": app_id, "ChannelId": channel_id}, idempotent=True)
        exists = as_bool(field(body, "IsChannelExist"), "IsChannelExist")
        profile = as_int(field(body, "ChannelProfile", 0), "ChannelProfile")
        observed = optional(field(body, "Timestamp", None), as_epoch, "Timestamp")

        def users(name: str, member: Callable[[str], Member]) -> list[Member]:
            # A poll answers up to 1,000 viewers: the usual item (text) is taken as it is.
            return [
                member(u if type(u) is str else as_str(u, name)) for u in items(field(body, name, []), "User", name)
            ]

        if profile == 2:
            interactive = users("InteractiveUserList", INTERACTIVE_MEMBER)
            viewers = users("LiveUserList", VIEWER_MEMBER)
            members = tuple(interactive + viewers)
            counts = {
                MemberRole.INTERACTIVE: as_int(
                    field(body, "InteractiveUserNum", len(interactive)), "InteractiveUserNum"
                ),
                MemberRole.VIEWER: as_int(field(body, "LiveUserNum", len(viewers)), "LiveUserNum"),
            }
            mode = ChannelMode.INTERACTIVE_LIVE
        else:
            communication = users("UserList", COMMUNICATION_MEMBER)
            members = tuple(communication)
            counts = {MemberRole.COMMUNICATION: as_int(field(body, "CommTotalNum", len(communication)), "CommTotalNum")}
            mode = ChannelMode.COMMUNICATION if profile == 1 else ChannelMode.UNKNOWN
        return Membership(channel_id, exists, mode, members, counts, observed)

    # --- usage ----------------------------------------------------------------------

    def usage(
        self,
        metric: UsageMetric,
        start: datetime,
        end: datetime,
        *,
        interval: Interval = Interval.HOUR,
        app_id: str | None = None,
        service_area: str | None = None,
    ) -> list[UsagePoint]:
        """One data-service call; the span must be within the vendor's 30 days."""
        interval = _interval(interval)
        start, end = as_utc(start), as_utc(end)
        if end <= start:
            raise ValidationError("EndTime must be later than StartTime", field="EndTime", vendor=VENDOR)
        if end - start > MAX_USAGE_SPAN:
            raise ValidationError("a data-service query spans at most 30 days", field="EndTime", vendor=VENDOR)
        query = USAGE_QUERIES[metric]
        body = self.call(
            query.action,
            {
                "AppId": app_id,
                "ServiceArea": service_area,
                "StartTime": format_time(start),
                "EndTime": format_time(end),
                "Interval": int(interval),
            },
            idempotent=True,
        )
        return to_usage_points(
            items(field(body, query.list_key, []), query.item_key),
            metric,
            interval,
            query.value_key,
            query.peak_time_key,
        )

    def usage_range(
        self,
        metric: UsageMetric,
        start: datetime,
        end: datetime,
        *,
        interval: Interval = Interval.HOUR,
        app_id: str | None = None,
        service_area: str | None = None,
    ) -> list[UsagePoint]:
        """Any range: split into windows of at most 30 days, one call each."""
        interval = _interval(interval)
        points: list[UsagePoint] = []
        for lo, hi in split_windows(start, end, max_span=MAX_USAGE_SPAN, step_seconds=int(interval)):
            points.extend(self.usage(metric, lo, hi, interval=interval, app_id=app_id, service_area=service_area))
        return points

    def describe_rtc_duration_data(self, start: datetime, end: datetime, **kw: Any) -> list[UsagePoint]:
        return self.usage(UsageMetric.DURATION, start, end, **kw)

    def describe_rtc_user_cnt_data(self, start: datetime, end: datetime, **kw: Any) -> list[UsagePoint]:
        return self.usage(UsageMetric.ACTIVE_USERS, start, end, **kw)

    def describe_rtc_channel_cnt_data(self, start: datetime, end: datetime, **kw: Any) -> list[UsagePoint]:
        return self.usage(UsageMetric.ACTIVE_CHANNELS, start, end, **kw)

    def describe_rtc_peak_user_cnt_data(self, start: datetime, end: datetime, **kw: Any) -> list[UsagePoint]:
        return self.usage(UsageMetric.PEAK_USERS, start, end, **kw)

    def describe_rtc_peak_channel_cnt_data(self, start: datetime, end: datetime, **kw: Any) -> list[UsagePoint]:
        return self.usage(UsageMetric.PEAK_CHANNELS, start, end, **kw)

    # --- MPU bypass push ------------------------------------------------------------

    def start_mpu_task(
        self,
        app_id: str,
        channel_id: str,
        task_id: str,
        *,
        stream_url: str,
        media_encode: int,
        layout_ids: Sequence[int],
        task_profile: str,
        crop_mode: int | None = None,
        background_color: int | None = None,
        sub_spec_users: Sequence[str] = (),
        user_panes: Sequence[mpu.UserPane] = (),
    ) -> str:
        mpu.check_task_id(task_id)
        mpu.check_stream_url(stream_url)
        max_panes = mpu.check_layout_ids(layout_ids)
        mpu.check_media_encode(media_encode, task_profile)
        mpu.check_profile_inputs(task_profile, max_panes)
        mpu.check_crop_mode(crop_mode, mpu.START_CROP_MODES)
        mpu.check_background(background_color)
        mpu.check_sub_users(sub_spec_users)
        mpu.check_user_panes(user_panes)
        params: dict[str, Any] = {
            "AppId": app_id,
            "ChannelId": channel_id,
            "TaskId": task_id,
            "StreamURL": stream_url,
            "MediaEncode": media_encode,
            "TaskProfile": task_profile,
            "CropMode": crop_mode,
            "BackgroundColor": background_color,
            **repeat_list("LayoutIds", layout_ids),
            **repeat_list("SubSpecUsers", sub_spec_users),
            **_pane_params(user_panes),
        }
        return request_id_of(self.call("StartMPUTask", params, idempotent=False))

    def get_mpu_task_status(self, app_id: str, task_id: str) -> MixingTask:
        body = self.call("GetMPUTaskStatus", {"AppId": app_id, "TaskId": task_id}, idempotent=True)
        status = as_int(field(body, "Status"), "Status")
        state, detail = MPU_STATUS.get(status, (MixingState.UNKNOWN, f"status {status}"))
        return MixingTask(task_id, state, str(status), detail, ended_by_vendor=status in MPU_ENDED_BY_VENDOR)

    def stop_mpu_task(self, app_id: str, task_id: str) -> str:
        return request_id_of(self.call("StopMPUTask", {"AppId": app_id, "TaskId": task_id}, idempotent=False))

    def update_mpu_layout(
        self,
        app_id: str,
        task_id: str,
        *,
        layout_ids: Sequence[int],
        crop_mode: int | None = None,
        background_color: int | None = None,
        user_panes: Sequence[mpu.UserPane] = (),
    ) -> str:
        mpu.check_task_id(task_id)
        mpu.check_layout_ids(layout_ids)
        mpu.check_crop_mode(crop_mode, mpu.UPDATE_CROP_MODES)
        mpu.check_background(background_color)
        mpu.check_user_panes(user_panes)
        params: dict[str, Any] = {
            "AppId": app_id,
            "TaskId": task_id,
            "CropMode": crop_mode,
            "BackgroundColor": background_color,
            **repeat_list("LayoutIds", layout_ids),
            **_pane_params(user_panes),
        }
        return request_id_of(self.call("UpdateMPULayout", params, idempotent=False))


# --- parsing helpers --------------------------------------------------------------------


def _pages(fetch: Callable[[int], Page[Any]], max_pages: int = 10_000) -> Iterator[Any]:
    """Walk pages until a short or empty page, or until `total` items were seen.

    TotalCnt is described once as a count of pages and shown once as a count of items;
    we read it as items (the examples agree) and also stop on a short page, so either
    reading ends the walk without skipping data.
    """
    seen = 0
    for page_number in range(1, max_pages + 1):
        page = fetch(page_number)
        yield from page.items
        seen += len(page.items)
        if len(page.items) < page.page_size or (page.total is not None and seen >= page.total):
            return


def _interval(value: Interval | int) -> Interval:
    if type(value) is Interval:  # the usual case: Interval(value) would return it, at some cost
        return value
    try:
        return Interval(int(value))
    except ValueError:
        raise ValidationError("Interval is 3600 (hour) or 86400 (day)", field="Interval", vendor=VENDOR) from None


def _pane_params(panes: Sequence[mpu.UserPane]) -> dict[str, str]:
    params: dict[str, str] = {}
    for n, pane in enumerate(panes, start=1):
        params[f"UserPanes.{n}.PaneId"] = str(pane.pane_id)
        if pane.user_id:
            params[f"UserPanes.{n}.UserId"] = pane.user_id
        params[f"UserPanes.{n}.SourceType"] = pane.source_type
    return params
