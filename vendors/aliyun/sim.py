"""Alibaba Cloud RTC API 2018-01-11 simulator over the shared synthetic world.

`AliyunSimulator.handle(httpx.Request) -> httpx.Response` serves `httpx.MockTransport` and,
through `vendors.sim.server`, real loopback HTTP. Requests are first checked by
`sim_auth.Gatekeeper` (the signatures Alibaba's official SDKs send, replay and clock
skew), then validated and answered here from the shared synthetic world.

Decisions where the spec is silent or inconsistent (client and simulator agree):
- Error codes: section 9's codes where one fits (Request.NoAppID, Service.NoApp, App.Stop
  with HTTP 200, ...); otherwise Alibaba's common gateway codes (SignatureDoesNotMatch,
  InvalidTimeStamp.Expired, SignatureNonceUsed, MissingParameter, InvalidParameter,
  Throttling.User, ServiceUnavailable, OperationConflict for MPU state clashes).
- A channel exists while someone is in it: DeleteChannel and RemoveTerminals on an empty
  channel answer Service.NoChannel (404).
- RemoveTerminals accepts ``TerminalIds.N`` (official SDK) and ``Terminals.N`` (spec example);
  ids not in the channel get Code 34013465 (Request.IllegalTerminal), Message "Failed".
- StartMPUTask accepts ``UserPanes.N.PaneId`` (official SDK, section 8.4) and the spec's
  ``UserPanels.N.PanelId`` / ``UserPanes.N.PanelId`` spellings. TaskProfile is checked when
  sent; it may be left out (the spec's 2020-06-01 note requires it, but the current SDK
  cannot send it). CropMode 1-2 on start, 0-2 on update, as documented.
- RemoveTerminals and DescribeRtcChannelUserList answer the wrapped lists the official
  SDKs' models read (``{"Terminals": {"Terminal": [...]}}``, ``{"UserList": {"UserList":
  [...]}}``); the spec's examples are flat, and the client reads both.
- TotalCnt counts records; usage buckets are UTC-aligned and end-exclusive; only buckets
  that have begun are returned, the current one partial (data arrives late).
- Channel records, user lists and channel metrics go back 180 days.
"""

from __future__ import annotations

import functools
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

import httpx

from vendors.base.errors import ValidationError
from vendors.sim.answer import json_body, response
from vendors.sim.faults import Faults
from vendors.sim.guard import answer_internal_errors
from vendors.sim.query import http_date, parse_query, parse_utc
from vendors.sim.world import DAY, TIERS, Session, World, from_minute, to_minute

from . import mpu
from .repeat_list import read_repeat_list
from .sim_auth import TIME_FORMAT, Account, ApiError, Gatekeeper

VENDOR = "aliyun"
HOST_ID = "rtc.aliyuncs.com"
DEMO_ACCESS_KEY_ID = "LTAI5tSimDemoAccessKey"
DEMO_ACCESS_KEY_SECRET = "SimDemoSecretForAliyunRtc2018"
RECORD_RETENTION_DAYS = 180
MAX_USAGE_SPAN = timedelta(days=30)
NOT_IN_CHANNEL = 34013465  # Request.IllegalTerminal, see module docstring
_CHANNEL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # ASCII letters and digits, "_" and "-"


INTERNAL_ERROR = ApiError(
    "InternalError", "The request processing has failed due to some unknown error, exception or failure.", 500
)


def missing(name: str) -> ApiError:
    specific = {
        "AppId": "Request.NoAppID",
        "ChannelId": "Request.NoChannelID",
        "UserId": "Request.NoUserID",
        "Nonce": "Request.NoNonce",
        "TerminalIds": "Request.NoTerminalIDs",
    }
    if name in specific:
        return ApiError(specific[name], f"{name} is mandatory for this action.")
    return ApiError("MissingParameter", f"{name} is mandatory for this action.")


def invalid(message: str) -> ApiError:
    return ApiError("InvalidParameter", message)


@dataclass
class MpuTask:
    app_id: str
    task_id: str
    channel_id: str
    stream_url: str
    params: dict[str, Any]
    created: datetime
    status: int = 0
    last_live: datetime | None = None
    stopped_at: datetime | None = None
    layout_history: list[dict[str, Any]] = field(default_factory=list)


class AliyunSimulator:
    vendor = VENDOR

    def __init__(self, world: World, *, faults: Faults | None = None) -> None:
        self.world = world
        self.faults = faults or Faults()
        self.accounts: dict[str, Account] = {DEMO_ACCESS_KEY_ID: Account(DEMO_ACCESS_KEY_SECRET)}
        self._app_ids = frozenset(app.app_id for app in world.apps(VENDOR))  # the world's apps never change
        self.gate = Gatekeeper(self.accounts, world.now)
        self.app_status: dict[str, int] = {}
        self.app_names: dict[str, str] = {}
        self.channel_nonces: dict[tuple[str, str], str] = {}
        self.mpu_tasks: dict[tuple[str, str], MpuTask] = {}
        self.requests_served = 0
        self._lock = threading.RLock()
        self._actions: dict[str, Callable[[Mapping[str, str], Account], dict[str, Any]]] = {
            "DescribeApps": self._describe_apps,
            "ModifyApp": self._modify_app,
            "DeleteChannel": self._delete_channel,
            "RemoveTerminals": self._remove_terminals,
            "DescribeChannelParticipants": self._describe_channel_participants,
            "DescribeRtcChannelUserList": self._describe_rtc_channel_user_list,
            "DescribeRtcChannelList": self._describe_rtc_channel_list,
            "DescribeRtcChannelMetric": self._describe_rtc_channel_metric,
            "UpdateChannel": self._update_channel,
            "DescribeUserInfoInChannel": self._describe_user_info_in_channel,
            "DescribeChannelUsers": self._describe_channel_users,
            **{name: self._usage_of(name) for name in USAGE_SHAPES},
            "StartMPUTask": self._start_mpu_task,
            "GetMPUTaskStatus": self._get_mpu_task_status,
            "StopMPUTask": self._stop_mpu_task,
            "UpdateMPULayout": self._update_mpu_layout,
        }

    # --- set-up used by tests, the demo and benchmarks -------------------------------

    def demo_credentials(self) -> dict[str, str]:
        return {"access_key_id": DEMO_ACCESS_KEY_ID, "access_key_secret": DEMO_ACCESS_KEY_SECRET}

    def demo_app_ids(self, share: int, shares: int) -> list[str]:
        return [app.app_id for app in self.world.apps(VENDOR)[share::shares]]

    def demo_channel_ids(self, app_id: str) -> list[str]:
        return []  # the console finds Aliyun channels in the day's channel records

    def demo_account(self, share: int, shares: int) -> dict[str, str]:
        """Credentials that see only every `shares`-th app from `share` on: one demo tenant's part."""
        apps = self.world.apps(VENDOR)[share::shares]
        access_key_id = f"LTAI5tSimDemoShare{share}of{shares}"
        secret = f"SimDemoSecretShare{share}of{shares}ForAliyunRtc"
        with self._lock:
            self.add_account(access_key_id, secret, {app.app_id for app in apps})
        return {"access_key_id": access_key_id, "access_key_secret": secret}

    def add_account(
        self, access_key_id: str, secret: str, app_ids: set[str] | None = None, rate_limit: float | None = None
    ) -> None:
        self.accounts[access_key_id] = Account(secret, app_ids, rate_limit)

    def set_app_status(self, app_id: str, status: int) -> None:
        """1 active, 2 stopped, 3 stopped for arrears."""
        self.app_status[app_id] = status

    def channel_nonce(self, app_id: str, channel_id: str) -> str:
        key = (app_id, channel_id)
        if key not in self.channel_nonces:
            self.channel_nonces[key] = uuid.uuid5(uuid.NAMESPACE_URL, f"{app_id}/{channel_id}").hex
        return self.channel_nonces[key]

    # --- HTTP entry point -----------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        request_id = str(uuid.uuid4()).upper()
        params = self._params(request)
        fmt = "XML" if params.get("Format", "").upper() == "XML" else "JSON"
        if not params.get("Format") and not request.headers.get("authorization"):
            fmt = "XML"  # spec 2.3: XML unless Format says otherwise
        return answer_internal_errors(
            VENDOR,
            lambda: self._answer(request, params, request_id, fmt),
            lambda: self._error(INTERNAL_ERROR, request_id, fmt),
        )

    def _answer(self, request: httpx.Request, params: dict[str, str], request_id: str, fmt: str) -> httpx.Response:
        faulty = self.faults.intercept(
            lambda: self._error(
                ApiError("ServiceUnavailable", "The request has failed due to a temporary failure of the server.", 503),
                request_id,
                fmt,
            ),
            lambda: self._error(
                ApiError("Throttling.User", "Request was denied due to user flow control.", 400), request_id, fmt
            ),
        )
        if faulty is not None:
            return faulty
        try:
            action, account = self.gate.authenticate(request, params)
            self.gate.throttle(account)
            handler = self._actions.get(action)
            if handler is None:
                raise ApiError("UnsupportedOperation", "The specified action is not supported.", 400)
            with self._lock:
                self.requests_served += 1
                body = handler(params, account)
        except ApiError as exc:
            return self._error(exc, request_id, fmt)
        except ValidationError as exc:
            return self._error(invalid(exc.message), request_id, fmt)
        body = {"RequestId": request_id, **body}
        return self.faults.garble(self._render(body, f"{action}Response", 200, fmt))

    def _params(self, request: httpx.Request) -> dict[str, str]:
        params = dict(parse_query(request.url.query.decode("ascii")))
        if request.method == "POST" and "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
            params.update(parse_query(request.content.decode("utf-8", "replace")))
        return params

    # --- rendering ------------------------------------------------------------------

    def _error(self, exc: ApiError, request_id: str, fmt: str) -> httpx.Response:
        body = {"RequestId": request_id, "HostId": HOST_ID, "Code": exc.code, "Message": exc.message}
        return self._render(body, "Error", exc.status, fmt)

    def _render(self, body: dict[str, Any], root: str, status: int, fmt: str) -> httpx.Response:
        headers = [("x-acs-request-id", body["RequestId"]), ("Date", http_date(time.time()))]
        if fmt == "XML":
            xml = f'<?xml version="1.0" encoding="UTF-8"?><{root}>{_to_xml(body)}</{root}>'
            return response(status, [*headers, ("Content-Type", "text/xml;charset=utf-8")], xml.encode())
        return response(status, [*headers, ("Content-Type", "application/json;charset=utf-8")], json_body(body))

    # --- shared checks --------------------------------------------------------------

    def _visible_apps(self, account: Account) -> list[str]:
        return [a.app_id for a in self.world.apps(VENDOR) if account.app_ids is None or a.app_id in account.app_ids]

    def _visible(self, app_id: str, account: Account) -> bool:
        """`app_id in self._visible_apps(account)`, without listing them."""
        return app_id in self._app_ids and (account.app_ids is None or app_id in account.app_ids)

    def _app(self, params: Mapping[str, str], account: Account, *, active: bool = True) -> str:
        app_id = params.get("AppId")
        if not app_id:
            raise missing("AppId")
        if not self._visible(app_id, account):
            raise ApiError("Service.NoApp", f"The app {app_id} does not exist.")
        status = self.app_status.get(app_id, 1)
        if active and status == 2:
            raise ApiError("App.Stop", "The app is stopped. Restore the AppId in the console.")
        if active and status == 3:
            raise ApiError("App.ChargeOverDue", "The AppId is in arrears. Please top up.")
        return app_id

    def _channel(self, params: Mapping[str, str]) -> str:
        channel_id = params.get("ChannelId")
        if not channel_id:
            raise missing("ChannelId")
        if not _CHANNEL_ID.fullmatch(channel_id):
            raise ApiError("Request.InvalidChannelID", f"The ChannelId {channel_id!r} is invalid.")
        return channel_id

    def _require(self, params: Mapping[str, str], name: str) -> str:
        value = params.get(name)
        if not value:
            raise missing(name)
        return value

    def _int(
        self, params: Mapping[str, str], name: str, default: int | None = None, *, minimum: int | None = None
    ) -> int:
        raw = params.get(name)
        if raw in (None, ""):
            if default is None:
                raise missing(name)
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid(f"{name} must be an integer, got {raw!r}.") from None
        if minimum is not None and value < minimum:
            raise invalid(f"{name} must be at least {minimum}.")
        return value

    def _time(self, params: Mapping[str, str], name: str, default: datetime | None = None) -> datetime:
        raw = params.get(name)
        if not raw:
            if default is None:
                raise missing(name)
            return default
        value = parse_utc(raw, TIME_FORMAT)
        if value is None:
            raise invalid(f"{name} must be yyyy-MM-ddTHH:mm:ssZ, got {raw!r}.")
        return value

    def _day(self, params: Mapping[str, str]) -> int:
        """TimePoint's day as a start minute, within the retention window."""
        point = self._time(params, "TimePoint")
        day = to_minute(point) // DAY * DAY
        today = self.world.now_minute() // DAY * DAY
        if day > today:
            raise invalid("TimePoint is in the future.")
        if day < today - RECORD_RETENTION_DAYS * DAY:
            raise invalid(f"TimePoint is older than {RECORD_RETENTION_DAYS} days.")
        return day

    def _page(self, params: Mapping[str, str], number: str, size: str, *, required: bool) -> tuple[int, int]:
        page = self._int(params, number, None if required else 1, minimum=1)
        page_size = self._int(params, size, None if required else 10, minimum=1)
        return page, page_size

    # --- apps -----------------------------------------------------------------------

    def _describe_apps(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        page, size = self._page(params, "PageNum", "PageSize", required=False)
        order = params.get("Order", "desc")
        if order not in ("asc", "desc"):
            raise invalid("Order must be asc or desc.")
        status = params.get("Status")
        if status not in (None, "", "1", "2", "3"):
            raise invalid("Status must be 1, 2 or 3.")
        apps = [app for a in self._visible_apps(account) if (app := self.world.app(a))]
        rows = []
        for app in apps:
            app_status = self.app_status.get(app.app_id, 1)
            if params.get("AppId") and app.app_id != params["AppId"]:
                continue
            if status and int(status) != app_status:
                continue
            rows.append(
                {
                    "AppId": app.app_id,
                    "AppName": self.app_names.get(app.app_id, app.name),
                    "AppType": "universal",
                    "BillType": "paybyduration",
                    "CreateTime": _minute_text(app.created_minute),
                    "ServiceAreas": {"ServiceArea": ["CN"]},
                    "Status": app_status,
                }
            )
        rows.sort(key=lambda r: (r["CreateTime"], r["AppId"]), reverse=order == "desc")
        chunk = rows[(page - 1) * size : page * size]
        return {"TotalNum": len(rows), "TotalPage": -(-len(rows) // size), "AppList": {"App": chunk}}

    def _modify_app(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account, active=False)
        name = self._require(params, "AppName")
        if len(name) > 64:
            raise invalid("AppName is at most 64 characters.")
        self.app_names[app_id] = name
        return {}

    # --- channels -------------------------------------------------------------------

    def _live(self, app_id: str, channel_id: str) -> list[Session]:
        return sorted(self.world.live_sessions(app_id, channel_id), key=lambda s: (s.start, s.session_id))

    def _delete_channel(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account)
        channel_id = self._channel(params)
        if not self.world.end_channel(app_id, channel_id):
            raise ApiError("Service.NoChannel", f"The channel {channel_id} does not exist.")
        return {}

    def _remove_terminals(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account)
        channel_id = self._channel(params)
        ids = read_repeat_list(params, "TerminalIds")
        if not ids:
            ids = read_repeat_list(params, "Terminals")
        if ids is None:
            raise invalid("TerminalIds.N must be numbered from 1 without gaps.")
        if not ids:
            raise missing("TerminalIds")
        if len(ids) > 30:
            raise invalid("TerminalIds accepts at most 30 ids per call.")
        if not self._live(app_id, channel_id):
            raise ApiError("Service.NoChannel", f"The channel {channel_id} does not exist.")
        terminals = []
        for user_id in ids:
            removed = self.world.kick(app_id, channel_id, user_id)
            terminals.append(
                {"Id": user_id, "Code": 0 if removed else NOT_IN_CHANNEL, "Message": "Success" if removed else "Failed"}
            )
        return {"Terminals": {"Terminal": terminals}}  # the SDKs' shape; spec 001's example is flat

    def _describe_channel_participants(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account)
        channel_id = self._channel(params)
        page, size = self._page(params, "PageNum", "PageSize", required=False)
        order = params.get("Order", "desc")
        if order not in ("asc", "desc"):
            raise invalid("Order must be asc or desc.")
        users = list(dict.fromkeys(s.user_id for s in self._live(app_id, channel_id)))
        if order == "desc":
            users.reverse()
        return {
            "Timestamp": int(self.world.now().timestamp()),
            "TotalNum": len(users),
            "TotalPage": -(-len(users) // size),
            "UserList": {"User": users[(page - 1) * size : page * size]},
        }

    def _describe_rtc_channel_user_list(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account)
        page, size = self._page(params, "PageNo", "PageSize", required=True)
        day = self._day(params)
        channel_id = params.get("ChannelId") or None
        sessions = sorted(
            self.world.sessions(app_id, day, day + DAY, channel_id), key=lambda s: (s.start, s.session_id)
        )
        rows = [_user_record(s, day) for s in sessions]
        return {
            "PageNo": page,
            "PageSize": size,
            "TotalCnt": len(rows),
            "UserList": {"UserList": rows[(page - 1) * size : page * size]},  # the SDKs' shape
        }

    def _describe_rtc_channel_list(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        page, size = self._page(params, "PageNo", "PageSize", required=True)
        day = self._day(params)
        app_ids = [self._app(params, account)] if params.get("AppId") else self._visible_apps(account)
        sort = params.get("SortType", "desc")
        if sort not in ("asc", "desc"):
            raise invalid("SortType must be asc or desc.")
        area = params.get("ServiceArea", "").lower()
        if area not in ("", "cn", "us"):
            raise invalid("ServiceArea must be cn or us.")
        rows = []
        if area != "us":  # the synthetic world runs in China
            for app_id in app_ids:
                sessions = self.world.sessions(app_id, day, day + DAY, params.get("ChannelId") or None)
                rows.extend(_channel_records(sessions, day, params.get("UserId") or None))
        rows.sort(key=lambda r: (r["StartTime"], r["ChannelId"]), reverse=sort == "desc")
        return {
            "PageNo": page,
            "PageSize": size,
            "TotalCnt": len(rows),
            "ChannelList": {"ChannelList": rows[(page - 1) * size : page * size]},
        }

    def _describe_rtc_channel_metric(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account)
        channel_id = self._channel(params)
        day = self._day(params)
        sessions = self.world.sessions(app_id, day, day + DAY, channel_id)
        if not sessions:
            raise ApiError("Service.NoChannel", f"The channel {channel_id} has no record on that day.")
        pub = dict.fromkeys(("Audio", "Video360", "Video720", "Video1080", "Content"), 0)
        sub = dict(pub)
        names = dict(zip(TIERS, pub, strict=False))
        for s in sessions:
            minutes = s.minutes_within(day, day + DAY)
            sub[names[s.tier]] += minutes
            if s.publishes:
                pub[names[s.tier]] += minutes
        return {
            "ChannelMetricInfo": {
                "ChannelMetric": {
                    "ChannelId": channel_id,
                    "StartTime": _minute_text(max(day, min(s.start for s in sessions))),
                    "EndTime": _minute_text(min(day + DAY, max(s.end for s in sessions))),
                    "UserCount": len({s.user_id for s in sessions}),
                    "PubUserCount": len({s.user_id for s in sessions if s.publishes}),
                    "SubUserCount": len({s.user_id for s in sessions}),
                },
                "Duration": {"PubDuration": pub, "SubDuration": sub},
            }
        }

    def _update_channel(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account)
        channel_id = self._channel(params)
        nonce = self._require(params, "Nonce")
        app = self.world.app(app_id)
        if (app is None or app.channel(channel_id) is None) and (app_id, channel_id) not in self.channel_nonces:
            raise ApiError("Service.NoChannel", f"The channel {channel_id} does not exist.")
        if nonce != self.channel_nonce(app_id, channel_id):
            raise ApiError("Request.InvalidNonce", "The Nonce does not match the channel's current nonce.")
        fresh = uuid.uuid4().hex
        self.channel_nonces[(app_id, channel_id)] = fresh
        return {"Nonce": fresh, "Timestamp": int(self.world.now().timestamp())}

    def _describe_user_info_in_channel(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account)
        channel_id = self._channel(params)
        user_id = self._require(params, "UserId")
        live = self._live(app_id, channel_id)
        mine = [s for s in live if s.user_id == user_id]
        return {
            "Timestamp": int(self.world.now().timestamp()),
            "IsChannelExist": bool(live),
            "IsInChannel": bool(mine),
            "Property": [{"Join": s.start * 60, "Session": s.session_id, "Role": s.role} for s in mine],
        }

    def _describe_channel_users(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account)
        channel_id = self._channel(params)
        live = self._live(app_id, channel_id)
        channel = self.world.channel(app_id, channel_id)
        profile = channel.profile if channel else 1

        def distinct(sessions: list[Session]) -> list[str]:
            return list(dict.fromkeys(s.user_id for s in sessions))

        body: dict[str, Any] = {
            "Timestamp": int(self.world.now().timestamp()),
            "IsChannelExist": bool(live),
            "ChannelProfile": profile,
            "CommTotalNum": 0,
            "InteractiveUserNum": 0,
            "LiveUserNum": 0,
            "UserList": [],
            "InteractiveUserList": [],
            "LiveUserList": [],
        }
        if profile == 2:
            interactive = distinct([s for s in live if s.role == 1])
            viewers = distinct([s for s in live if s.role == 2])
            body.update(
                InteractiveUserNum=len(interactive),
                InteractiveUserList=interactive,
                LiveUserNum=len(viewers),
                LiveUserList=viewers[:1000],
            )
        else:
            users = distinct(live)
            body.update(CommTotalNum=len(users), UserList=users)
        return body

    # --- data service ---------------------------------------------------------------

    def _usage_of(self, action: str) -> Callable[[Mapping[str, str], Account], dict[str, Any]]:
        # The action comes from the gatekeeper: ACS3 sends it in x-acs-action, not in the query.
        return lambda params, account: self._usage(action, params, account)

    def _usage(self, action: str, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        interval = params.get("Interval", "3600")
        if interval not in ("3600", "86400"):
            raise invalid("Interval must be 3600 or 86400.")
        step = int(interval) // 60
        now = self.world.now()
        end = self._time(params, "EndTime", now)
        start = self._time(params, "StartTime", now.replace(hour=0, minute=0, second=0, microsecond=0))
        if end <= start:
            raise invalid("EndTime must be later than StartTime.")
        if end - start > MAX_USAGE_SPAN:
            raise invalid("The time span between StartTime and EndTime cannot exceed 30 days.")
        app_ids = (self._app(params, account),) if params.get("AppId") else tuple(self._visible_apps(account))
        area = params.get("ServiceArea", "CN").upper()
        first = to_minute(start) // step * step
        last = min(to_minute(end), self.world.now_minute() + 1)
        if area == "CN" and app_ids:
            totals = self.world.usage_rows(app_ids, first, step, last)
        else:
            # outside the world's area: nothing, the peaks at each bucket's start
            totals = [(0, 0, 0, 0, 0, 0, 0, 0, bucket, 0, bucket) for bucket in range(first, last, step)]
        row_of = _USAGE_ROWS[action]
        rows = [row_of(_minute_text(bucket), row) for bucket, row in zip(range(first, last, step), totals, strict=True)]
        key, item = USAGE_SHAPES[action]
        return {key: {item: rows}}

    # --- MPU ------------------------------------------------------------------------

    def _task(self, params: Mapping[str, str], account: Account) -> MpuTask:
        app_id = self._app(params, account)
        task_id = self._require(params, "TaskId")
        task = self.mpu_tasks.get((app_id, task_id))
        if task is None:
            raise ApiError("TaskNotFound", f"The task {task_id} does not exist.", 404)
        self._advance(task)
        return task

    def _advance(self, task: MpuTask) -> None:
        """Move a task along: waiting -> running when someone is in the channel; running
        -> channel stopped two minutes after the last person left; waiting ends after 30 days."""
        if task.status not in (0, 1):
            return
        now = self.world.now()
        if self.world.live_sessions(task.app_id, task.channel_id):
            task.status, task.last_live = 1, now
        elif task.status == 1 and task.last_live and now - task.last_live >= timedelta(minutes=2):
            task.status, task.stopped_at = 4, now
        elif task.status == 0 and now - task.created >= timedelta(days=30):
            task.status, task.stopped_at = 2, now

    def _layout(self, params: Mapping[str, str], *, starting: bool) -> dict[str, Any]:
        raw_ids = read_repeat_list(params, "LayoutIds")
        if raw_ids is None:
            raise invalid("LayoutIds.N must be numbered from 1 without gaps.")
        if not raw_ids:
            raise missing("LayoutIds")
        try:
            layout_ids = [int(v) for v in raw_ids]
        except ValueError:
            raise invalid("LayoutIds must be integers.") from None
        max_panes = mpu.check_layout_ids(layout_ids)
        crop = params.get("CropMode")
        crop_mode = self._int(params, "CropMode") if crop else None
        mpu.check_crop_mode(crop_mode, mpu.START_CROP_MODES if starting else mpu.UPDATE_CROP_MODES)
        background = self._int(params, "BackgroundColor") if params.get("BackgroundColor") else None
        mpu.check_background(background)
        panes = _user_panes(params)
        mpu.check_user_panes(panes)
        return {
            "LayoutIds": layout_ids,
            "MaxPanes": max_panes,
            "CropMode": crop_mode if crop_mode is not None else 2,
            "BackgroundColor": background or 0,
            "UserPanes": [{"PaneId": p.pane_id, "UserId": p.user_id, "SourceType": p.source_type} for p in panes],
        }

    def _start_mpu_task(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        app_id = self._app(params, account)
        channel_id = self._channel(params)
        task_id = self._require(params, "TaskId")
        mpu.check_task_id(task_id)
        stream_url = self._require(params, "StreamURL")
        mpu.check_stream_url(stream_url)
        media_encode = self._int(params, "MediaEncode")
        # Required by the spec's 2020-06-01 note, but Alibaba's current SDK (5.x) has no field
        # for it: a start without one is taken, with no profile limits to check.
        profile = params.get("TaskProfile") or None
        mpu.check_media_encode(media_encode, profile)
        layout = self._layout(params, starting=True)
        mpu.check_profile_inputs(profile, layout["MaxPanes"])
        sub_users = read_repeat_list(params, "SubSpecUsers")
        if sub_users is None:
            raise invalid("SubSpecUsers.N must be numbered from 1 without gaps.")
        mpu.check_sub_users(sub_users)
        now = self.world.now()
        for other in self.mpu_tasks.values():
            self._advance(other)
            if other.app_id == app_id and other.task_id == task_id and other.status in (0, 1):
                raise ApiError("OperationConflict", f"The task {task_id} is already running.")
            if other.stream_url == stream_url:
                if other.status in (0, 1):
                    raise ApiError("OperationConflict", "The StreamURL is used by another running task.")
                if other.stopped_at and now - other.stopped_at < timedelta(seconds=10):
                    raise ApiError(
                        "OperationConflict", "The StreamURL was used by a task stopped less than 10 seconds ago."
                    )
        task = MpuTask(
            app_id,
            task_id,
            channel_id,
            stream_url,
            {"MediaEncode": media_encode, "TaskProfile": profile, "SubSpecUsers": sub_users},
            created=now,
            layout_history=[layout],
        )
        self.mpu_tasks[(app_id, task_id)] = task
        self._advance(task)
        return {}

    def _get_mpu_task_status(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        return {"Status": self._task(params, account).status}

    def _stop_mpu_task(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        task = self._task(params, account)
        if task.status not in (0, 1):
            raise ApiError("OperationConflict", f"The task {task.task_id} has already stopped.")
        task.status, task.stopped_at = 3, self.world.now()
        return {}

    def _update_mpu_layout(self, params: Mapping[str, str], account: Account) -> dict[str, Any]:
        task = self._task(params, account)
        layout = self._layout(params, starting=False)
        if task.status not in (0, 1):
            raise ApiError("OperationConflict", f"The task {task.task_id} has stopped; start a new one.")
        mpu.check_profile_inputs(task.params["TaskProfile"], layout["MaxPanes"])
        task.layout_history.append(layout)
        return {}


# --- response shapes -------------------------------------------------------------------

USAGE_SHAPES = {
    "DescribeRtcDurationData": ("DurationDataPerInterval", "DurationModule"),
    "DescribeRtcUserCntData": ("UserCntDataPerInterval", "UserCntModule"),
    "DescribeRtcChannelCntData": ("ChannelCntDataPerInterval", "ChannelCntModule"),
    "DescribeRtcPeakUserCntData": ("PeakUserCntDataPerInterval", "PeakUserCntModule"),
    "DescribeRtcPeakChannelCntData": ("PeakChannelCntDataPerInterval", "PeakChannelCntModule"),
}


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=16384)
def _minute_text(minute: int) -> str:
    """`_iso(from_minute(minute))`, cached: a usage window has 720 bucket times, and every app
    and statistic asks about the same ones (16,384 strings: under 2 MB)."""
    return _iso(from_minute(minute))


# The row each usage action reports for a bucket, from its time and `World.usage_rows` totals.
_USAGE_ROWS: dict[str, Callable[[str, tuple[int, ...]], dict[str, Any]]] = {
    "DescribeRtcDurationData": lambda time, t: {
        "TimeStamp": time,
        "AudioDuration": t[0],
        "V360Duration": t[1],
        "V720Duration": t[2],
        "V1080Duration": t[3],
        "ContentDuration": t[4],
        "TotalDuration": t[0] + t[1] + t[2] + t[3] + t[4],
    },
    "DescribeRtcUserCntData": lambda time, t: {"TimeStamp": time, "ActiveUserCnt": t[5]},
    "DescribeRtcChannelCntData": lambda time, t: {"TimeStamp": time, "ActiveChannelCnt": t[6]},
    "DescribeRtcPeakUserCntData": lambda time, t: {
        "TimeStamp": time,
        "ActiveUserPeak": t[7],
        "ActiveUserPeakTime": _minute_text(t[8]),
    },
    "DescribeRtcPeakChannelCntData": lambda time, t: {
        "TimeStamp": time,
        "ActiveChannelPeak": t[9],
        "ActiveChannelPeakTime": _minute_text(t[10]),
    },
}


def _user_record(session: Session, day: int) -> dict[str, Any]:
    minutes = session.minutes_within(day, day + DAY)
    tier = TIERS.index(session.tier)
    names = ("Audio", "Video360", "Video720", "Video1080", "Content")
    row: dict[str, Any] = {
        "UserId": session.user_id,
        "ChannelId": session.channel_id,
        "StartTime": _minute_text(max(session.start, day)),
        "EndTime": _minute_text(min(session.end, day + DAY)),
        "ServiceArea": "cn",
    }
    for i, name in enumerate(names):
        row[f"Sub{name}"] = minutes if i == tier else 0
        row[f"Pub{name}"] = minutes if i == tier and session.publishes else 0
    return row


def _channel_records(sessions: list[Session], day: int, user_id: str | None) -> list[dict[str, Any]]:
    """One record per channel per stretch of continuous activity within the day."""
    by_channel: dict[str, list[Session]] = {}
    for session in sessions:
        by_channel.setdefault(session.channel_id, []).append(session)
    rows = []
    for channel_id, group in by_channel.items():
        group.sort(key=lambda s: s.start)
        stretch: list[Session] = []
        stretch_end = 0
        for s in [*group, None]:
            if s is not None and (not stretch or s.start <= stretch_end):
                stretch.append(s)
                stretch_end = max(stretch_end, s.end)
                continue
            users = {x.user_id for x in stretch}
            if stretch and (user_id is None or user_id in users):
                rows.append(
                    {
                        "ChannelId": channel_id,
                        "StartTime": _minute_text(max(day, stretch[0].start)),
                        "EndTime": _minute_text(min(day + DAY, stretch_end)),
                        "TotalUserCnt": len(users),
                        "CallArea": {"CallArea": ["cn"]},
                    }
                )
            if s is not None:
                stretch, stretch_end = [s], s.end
    return rows


def _user_panes(params: Mapping[str, str]) -> list[mpu.UserPane]:
    fields: dict[int, dict[str, str]] = {}
    for key, value in params.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] in ("UserPanes", "UserPanels") and parts[1].isdigit():
            name = {"PanelId": "PaneId"}.get(parts[2], parts[2])
            fields.setdefault(int(parts[1]), {})[name] = value
    panes = []
    for n in sorted(fields):
        entry = fields[n]
        try:
            pane_id = int(entry.get("PaneId", ""))
        except ValueError:
            raise invalid(f"UserPanes.{n}.PaneId must be an integer 0..15.") from None
        panes.append(mpu.UserPane(pane_id, entry.get("UserId", ""), entry.get("SourceType", "camera")))
    if panes and not (min(fields) >= 1 and max(fields) <= 16):
        raise invalid("UserPanes.N takes N from 1 to 16.")
    return panes


def _to_xml(value: Any) -> str:
    parts = []
    for key, item in value.items():
        for element in item if isinstance(item, list) else [item]:
            if isinstance(element, dict):
                parts.append(f"<{key}>{_to_xml(element)}</{key}>")
            elif isinstance(element, bool):
                parts.append(f"<{key}>{'true' if element else 'false'}</{key}>")
            else:
                parts.append(f"<{key}>{escape(str(element))}</{key}>")
    return "".join(parts)
