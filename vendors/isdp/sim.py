"""Huawei ISDP+ iRTC server API (spec 004 section 8) in process, over the shared synthetic world.

Each ISDP+ app of the world has an app token (the OAuth password) and an accessKey (join
tokens, callback signatures). Channels and their members are the world's.

Decisions where the spec is silent (the client agrees with each):
- Interface errors use only the codes the spec shows (1001001 PARAM_IS_INVALID, 1001026,
  1001027), with the reason after the constant: "PARAM_IS_INVALID: userId is not in the channel".
- Gateway errors: 401 invalid_token (missing, unknown or expired bearer), 401 unauthorized
  (wrong app id or token), 400 invalid_client / unsupported_grant_type, 404 not_found,
  429 too_many_requests past 60 requests per minute per API and app (with Retry-After).
- One token per app while it is valid (the spec: the same token within its lifetime),
  issued for 1,199 seconds.
- Rules 1001 (video, single stream) and 1002 (image) exist for every app; added rules
  are numbered from 1031 as in the spec's example.
- A video recording ends when stopped, when its room is released or when the channel
  empties; its callback follows 3 s later. A snapshot's callback follows after
  captureInterval x captureNums seconds. Failed deliveries are retried 4 more times, waiting
  2, 4, 8 and 16 s. Snapshots are PNG.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from vendors.base.errors import ValidationError
from vendors.sim.answer import json_body
from vendors.sim.faults import Faults, bad_gateway
from vendors.sim.guard import answer_internal_errors
from vendors.sim.media import png
from vendors.sim.world import World, _digest

from . import callbacks, join_token
from .client import API, CLIENT_ID, CLIENT_SECRET, MAX_ENDPOINT_CHANNELS, REQUESTS_PER_MINUTE, TOKEN_PATH
from .client import CHANNEL_ID as CHANNEL_ID_RULE
from .errors import MEDIA_SERVER_ERROR, PARAM_IS_INVALID, RECORD_SERVER_ERROR

VENDOR = "isdp"
log = logging.getLogger(__name__)
TOKEN_LIFETIME = timedelta(seconds=1199)
CHINA = timezone(timedelta(hours=8))
CALLBACK_DELAY = timedelta(seconds=3)
CALLBACK_ATTEMPTS = 5
CALLBACK_VALIDITY = timedelta(minutes=5)


class ApiError(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        names = {
            PARAM_IS_INVALID: "PARAM_IS_INVALID",
            MEDIA_SERVER_ERROR: "live webrtc server is error",
            RECORD_SERVER_ERROR: "live record server is error",
        }
        super().__init__(detail)
        self.code = code
        self.message = names[code] + (f": {detail}" if detail else "")


class GatewayError(Exception):
    def __init__(self, status: int, error: str, description: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status, self.error, self.description, self.headers = status, error, description, headers or {}


def invalid(detail: str) -> ApiError:
    return ApiError(PARAM_IS_INVALID, detail)


def app_token(app_id: str) -> str:
    return f"isdpSimAppToken{app_id}"


def access_key(app_id: str) -> str:
    return f"isdpSimAccessKey{app_id}="


@dataclass
class Rule:
    rule_id: int
    app_id: str
    storage_type: str
    file_name: str
    recording_type: int  # 0 video, 1 image
    recording_model: int  # 0 single stream, 1 mixed
    callback_url: str
    enabled: bool = True
    record_path: str | None = None
    capture_interval: int | None = None
    capture_nums: int | None = None
    extra_data: str | None = None
    mixing_enabled: int | None = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "ruleId": self.rule_id,
            "appId": self.app_id,
            "storageType": self.storage_type,
            "recordPath": self.record_path,
            "fileName": self.file_name,
            "captureInterval": self.capture_interval,
            "captureNums": self.capture_nums,
            "recordingType": self.recording_type,
            "callbackUrl": self.callback_url,
            "extraData": self.extra_data,
            "recordingModel": self.recording_model,
            "status": self.enabled,
            "mixingEnabled": self.mixing_enabled,
            "basePath": "/isdp/records",
        }


@dataclass
class Capture:
    recording_id: str
    kind: str  # "video" or "image"
    app_id: str
    channel_id: str
    user_id: str
    rule: Rule
    callback_url: str
    extra_data: str
    record_path: str | None
    file_name: str | None
    started: datetime
    auto: bool = False
    stopped: datetime | None = None
    delivered: bool = False
    failed: bool = False
    attempts: int = 0
    next_attempt: datetime | None = None
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def _last_image_at(self) -> datetime:
        interval = self.rule.capture_interval or 1
        return self.started + timedelta(seconds=interval * (self.rule.capture_nums or 1))

    def due(self) -> datetime | None:
        if self.kind == "image":
            return self._last_image_at()
        return self.stopped + CALLBACK_DELAY if self.stopped else None

    def running(self, now: datetime) -> bool:
        if self.kind == "image":
            return now < self._last_image_at()
        return self.stopped is None


class IsdpSimulator:
    vendor = VENDOR

    def __init__(
        self,
        world: World,
        *,
        faults: Faults | None = None,
        deliver_in_background: bool = True,
        callback_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.world = world
        self.faults = faults or Faults()
        self._lock = threading.RLock()
        self.apps = {app.app_id: app for app in world.apps(VENDOR)}
        self.tokens: dict[str, tuple[str, datetime]] = {}
        self.rules: dict[int, Rule] = {}
        self.captures: dict[str, Capture] = {}
        self.auto_record: dict[str, int] = {}
        self.health = "ok"  # or "media", "record"
        self.requests_served = 0
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._counter = 0
        self._next_rule = 1031
        self._background = deliver_in_background
        self._pump_thread: threading.Thread | None = None
        self._callback_client = httpx.Client(transport=callback_transport, timeout=5.0)
        for app_id in self.apps:
            self.rules[self._seed_rule_id(app_id, 0)] = Rule(
                self._seed_rule_id(app_id, 0), app_id, "ISDP", "{channel_id}_{date_time}", 0, 0, ""
            )
            self.rules[self._seed_rule_id(app_id, 1)] = Rule(
                self._seed_rule_id(app_id, 1),
                app_id,
                "ISDP",
                "{channel_id}",
                1,
                0,
                "",
                capture_interval=1,
                capture_nums=1,
            )
        self._handlers: dict[str, Callable[[str, dict[str, Any]], Any]] = {
            "getMediaEndpoint": self._media_endpoint,
            "captureVideo": lambda app, body: self._capture(app, body, "video"),
            "captureImage": lambda app, body: self._capture(app, body, "image"),
            "stopCapture": self._stop_capture,
            "startAutoRecord": self._start_auto,
            "stopAutoRecord": self._stop_auto,
            "addRule": self._add_rule,
            "updateRule": self._update_rule,
            "deleteRule": self._delete_rule,
            "queryRuleList": self._query_rules,
            "releaseRoom": self._release_room,
            "releaseUser": self._release_user,
            "checkRtcHeath": self._health,
        }

    def _seed_rule_id(self, app_id: str, kind: int) -> int:
        """Rules 1001 (video) and 1002 (image) of each app; distinct ids across apps of one simulator."""
        index = sorted(self.apps).index(app_id)
        return 1001 + kind if index == 0 else 100000 * index + 1001 + kind

    # --- set-up used by tests, the demo and benchmarks -------------------------------

    def demo_credentials(self) -> dict[str, str]:
        return self.demo_account(0, 1)

    def demo_app_ids(self, share: int, shares: int) -> list[str]:
        apps = self.world.apps(VENDOR)
        return [apps[share % len(apps)].app_id]

    def demo_channel_ids(self, app_id: str) -> list[str]:
        """ISDP+ cannot list channels: a console user watches them by id."""
        app = self.world.app(app_id)
        return [channel.channel_id for channel in app.channels[:3]] if app else []

    def demo_account(self, share: int, shares: int) -> dict[str, str]:
        apps = self.world.apps(VENDOR)
        app_id = apps[share % len(apps)].app_id
        return {"app_id": app_id, "app_token": app_token(app_id), "access_key": access_key(app_id)}

    def rule_ids(self, app_id: str) -> list[int]:
        return sorted(rule.rule_id for rule in self.rules.values() if rule.app_id == app_id)

    def admit(self, token: str) -> str:
        """The media server's side of a join (the SDK's joinRoom, not a server API): a token
        signed with the app's accessKey for the endpoint getMediaEndpoint names admits its
        user to the channel. Answers the user id; ValueError says why a token is refused."""
        try:
            data, _signature = join_token.read_join_token(token)
            app_id = str(data["appId"])
            if app_id not in self.apps:
                raise ValueError(f"unknown app {app_id}")
            params = join_token.verify_join_token(token, access_key(app_id))
        except (KeyError, TypeError, ValidationError) as error:
            raise ValueError(f"refused: {error}") from None
        expected = self._media_endpoint(app_id, {"channelIds": [params.channel_id]})["list"][0]
        if (params.host, params.port) != (expected["ip"], expected["port"]):
            raise ValueError(f"refused: this token is for {params.host}:{params.port}, not this media server")
        self.world.join(app_id, params.channel_id, params.user_id)
        return params.user_id

    def revoke_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    # --- HTTP -----------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        return answer_internal_errors(VENDOR, lambda: self._handle(request), self._internal_error)

    def _internal_error(self) -> httpx.Response:
        # The spec's code appendix is cut off: the HTTP status as the code, in the API's envelope.
        body = {"errorCode": "500", "errorMessage": "SYSTEM_ERROR", "data": None, "timestamp": self._stamp()}
        return self._json(500, body)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        faulty = self.faults.intercept(
            bad_gateway,
            lambda: self._gateway(
                GatewayError(429, "too_many_requests", "request rate exceeded", {"Retry-After": "1"})
            ),
        )
        if faulty is not None:
            return faulty
        try:
            if request.method != "POST":
                raise GatewayError(405, "method_not_allowed", "only POST is supported")
            body = self._body(request)
            if request.url.path == TOKEN_PATH:
                with self._lock:
                    return self._json(200, self._issue_token(body))
            name = request.url.path.removeprefix(API + "/")
            handler = self._handlers.get(name) if request.url.path.startswith(API + "/") else None
            if handler is None:
                raise GatewayError(404, "not_found", f"no API at {request.url.path}")
            with self._lock:
                app_id = self._bearer(request)
                self._throttle(app_id, name)
                self.requests_served += 1
                data = handler(app_id, body)
        except GatewayError as exc:
            return self._gateway(exc)
        except ApiError as exc:
            return self._json(
                200, {"errorCode": exc.code, "errorMessage": exc.message, "data": None, "timestamp": self._stamp()}
            )
        answer = {"errorCode": "0", "errorMessage": None, "data": data, "timestamp": self._stamp()}
        return self.faults.garble(self._json(200, answer))

    def _stamp(self) -> str:
        return self.world.now().astimezone(CHINA).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0800"

    @staticmethod
    def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.Response(
            status,
            headers={"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
            content=json_body(body),
        )

    def _gateway(self, exc: GatewayError) -> httpx.Response:
        return self._json(exc.status, {"error": exc.error, "error_description": exc.description}, exc.headers)

    @staticmethod
    def _body(request: httpx.Request) -> dict[str, Any]:
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            raise invalid("the body is not JSON") from None
        if not isinstance(body, dict):
            raise invalid("the body is not a JSON object")
        return body

    # --- authentication and limits ----------------------------------------------------

    def _issue_token(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("client_id") != CLIENT_ID or body.get("client_secret") != CLIENT_SECRET:
            raise GatewayError(400, "invalid_client", "Bad client credentials")
        if body.get("grant_type") != "password":
            raise GatewayError(400, "unsupported_grant_type", f"Unsupported grant type: {body.get('grant_type')}")
        app_id = body.get("username")
        if app_id not in self.apps or body.get("password") != app_token(app_id):
            raise GatewayError(401, "unauthorized", "Bad credentials")
        now = self.world.now()
        current = next(((t, exp) for t, (owner, exp) in self.tokens.items() if owner == app_id and exp > now), None)
        if current:
            token, expires = current  # the same token while it lives
        else:
            token = str(uuid.UUID(_digest(app_id, now.timestamp(), self._counter)[:32]))
            self._counter += 1
            expires = now + TOKEN_LIFETIME
            self.tokens[token] = (app_id, expires)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int((expires - now).total_seconds()),
            "scope": "all",
            "plat_user": {"userNo": app_id, "userType": "API", "tenantId": 886},
        }

    def _bearer(self, request: httpx.Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        found = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if found is None or found[1] <= self.world.now():
            raise GatewayError(401, "invalid_token", "check_token error")
        return found[0]

    def _throttle(self, app_id: str, name: str) -> None:
        now = self.world.now().timestamp()
        window = self._windows.setdefault((app_id, name), deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= REQUESTS_PER_MINUTE:
            wait = max(1, int(window[0] + 60 - now + 0.999))
            raise GatewayError(
                429,
                "too_many_requests",
                f"{name}: at most {REQUESTS_PER_MINUTE} requests per minute",
                {"Retry-After": str(wait)},
            )
        window.append(now)

    # --- checks ---------------------------------------------------------------------

    @staticmethod
    def _app(app_id: str, body: dict[str, Any], *, required: bool = True) -> None:
        given = body.get("appId")
        if given is None and not required:
            return
        if given != app_id:
            raise invalid("appId does not match the token")

    @staticmethod
    def _channel(body: dict[str, Any], key: str = "channelId") -> str:
        value = body.get(key)
        if not isinstance(value, str) or not CHANNEL_ID_RULE.match(value):
            raise invalid(f"{key} must be 1-64 letters, digits, _ or -")
        return value

    def _live_users(self, app_id: str, channel_id: str) -> set[str]:
        return {s.user_id for s in self.world.live_sessions(app_id, channel_id)}

    def _rule(self, app_id: str, rule_id: Any) -> Rule:
        try:
            rule = self.rules.get(int(rule_id))
        except (TypeError, ValueError):
            rule = None
        if rule is None or rule.app_id != app_id:
            raise invalid(f"no recording rule {rule_id}")
        return rule

    # --- handlers -------------------------------------------------------------------

    def _media_endpoint(self, app_id: str, body: dict[str, Any]) -> dict[str, Any]:
        ids = body.get("channelIds")
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_ENDPOINT_CHANNELS:
            raise invalid(f"channelIds holds 1 to {MAX_ENDPOINT_CHANNELS} channel ids")
        for channel_id in ids:
            self._channel({"channelId": channel_id})
        if self.health == "media":
            raise ApiError(MEDIA_SERVER_ERROR)
        found = []
        for channel_id in ids:
            number = int(_digest(app_id, channel_id), 16)
            found.append(
                {"ip": f"172.16.{number % 250}.{number // 250 % 250 + 1}", "port": "8086", "channelId": channel_id}
            )
        return {"list": found}

    def _capture(self, app_id: str, body: dict[str, Any], kind: str) -> dict[str, Any]:
        self._app(app_id, body)
        channel_id = self._channel(body)
        user_id = body.get("userId")
        if not isinstance(user_id, str) or not user_id:
            raise invalid("userId is required")
        rule = self._rule(app_id, body.get("recordRuleId"))
        if rule.recording_type != (0 if kind == "video" else 1):
            raise invalid(f"rule {rule.rule_id} is not a {kind} rule")
        if not rule.enabled:
            raise invalid(f"rule {rule.rule_id} is disabled")
        url = body.get("callbackUrl") or body.get("callBackUrl") or rule.callback_url
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid("callbackUrl must be a full http(s) URL")
        extra = body.get("extraData") or ""
        if not isinstance(extra, str) or len(extra.encode()) > 1000:
            raise invalid("extraData is a string of at most 1000 bytes")
        if self.health == "record":
            raise ApiError(RECORD_SERVER_ERROR)
        if user_id not in self._live_users(app_id, channel_id):
            raise invalid("userId is not in the channel")
        capture = self._new_capture(
            kind, app_id, channel_id, user_id, rule, url, extra, body.get("recordPath"), body.get("fileName")
        )
        return {"recordingId": capture.recording_id}

    def _new_capture(
        self,
        kind: str,
        app_id: str,
        channel_id: str,
        user_id: str,
        rule: Rule,
        url: str,
        extra: str,
        record_path: str | None,
        file_name: str | None,
        *,
        auto: bool = False,
    ) -> Capture:
        now = self.world.now()
        self._counter += 1
        recording_id = f"{now.astimezone(CHINA):%Y%m%d%H%M%S}{self._counter:06d}"
        capture = Capture(
            recording_id, kind, app_id, channel_id, user_id, rule, url, extra, record_path, file_name, now, auto=auto
        )
        self.captures[recording_id] = capture
        self._ensure_pump()
        return capture

    def _stop_capture(self, app_id: str, body: dict[str, Any]) -> None:
        self._app(app_id, body)
        now = self.world.now()
        recording_id = body.get("recordingId")
        if recording_id not in (None, ""):
            capture = self.captures.get(str(recording_id))
            if capture is None or capture.app_id != app_id:
                raise invalid(f"no recording {recording_id}")
            if body.get("channelId") and body["channelId"] != capture.channel_id:
                raise invalid("the recording belongs to another channel")
            if not capture.running(now):
                raise invalid(f"recording {recording_id} has already stopped")
            self._stop(capture, now)
            return None
        channel_id = self._channel(body)
        running = [
            c for c in self.captures.values() if c.app_id == app_id and c.channel_id == channel_id and c.running(now)
        ]
        if not running:
            raise invalid("no recording is running in the channel")
        for capture in running:
            self._stop(capture, now)
        return None

    @staticmethod
    def _stop(capture: Capture, now: datetime) -> None:
        if capture.kind == "video":
            capture.stopped = now
        else:
            capture.rule = replace(capture.rule, capture_nums=1, capture_interval=0)

    def _start_auto(self, app_id: str, body: dict[str, Any]) -> None:
        self._app(app_id, body)
        rule = self._rule(app_id, body.get("recordRuleId"))
        if rule.recording_type != 0:
            raise invalid("automatic recording needs a video rule")
        if app_id in self.auto_record:
            raise invalid("automatic recording is already running for this app")
        self.auto_record[app_id] = rule.rule_id
        self._ensure_pump()

    def _stop_auto(self, app_id: str, body: dict[str, Any]) -> None:
        self._app(app_id, body)
        rule = self._rule(app_id, body.get("recordRuleId"))
        if self.auto_record.get(app_id) != rule.rule_id:
            raise invalid(f"automatic recording with rule {rule.rule_id} is not running")
        del self.auto_record[app_id]
        now = self.world.now()
        for capture in self.captures.values():
            if capture.app_id == app_id and capture.auto and capture.running(now):
                capture.stopped = now

    def _rule_fields(self, body: dict[str, Any]) -> dict[str, Any]:
        storage: Any = body.get("storageType")
        storage = {0: "ISDP", 1: "NAS"}.get(storage, storage) if not isinstance(storage, bool) else None
        if storage not in ("ISDP", "NAS"):
            raise invalid("storageType is ISDP or NAS")
        name = body.get("fileName", body.get("filename"))
        if not isinstance(name, str) or not name:
            raise invalid("fileName is required")
        fields: dict[str, Any] = {"storage_type": storage, "file_name": name}
        for key, attr in (("recordingType", "recording_type"), ("recordingModel", "recording_model")):
            value = body.get(key)
            if isinstance(value, bool) or value not in (0, 1):
                raise invalid(f"{key} is 0 or 1")
            fields[attr] = value
        url = body.get("callbackUrl")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise invalid("callbackUrl must be a full http(s) URL")
        fields["callback_url"] = url
        if not isinstance(body.get("status"), bool):
            raise invalid("status is true or false")
        fields["enabled"] = body["status"]
        for key, attr in (("captureInterval", "capture_interval"), ("captureNums", "capture_nums")):
            value = body.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise invalid(f"{key} is a whole number from 1")
            fields[attr] = value
        extra = body.get("extraData")
        if extra is not None and (not isinstance(extra, str) or len(extra.encode()) > 1000):
            raise invalid("extraData is a string of at most 1000 bytes")
        fields["extra_data"] = extra
        fields["record_path"] = body.get("recordPath")
        fields["mixing_enabled"] = body.get("mixingEnabled", 0)
        return fields

    def _add_rule(self, app_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self._app(app_id, body)
        rule = Rule(self._next_rule, app_id, **self._rule_fields(body))
        self._next_rule += 1
        self.rules[rule.rule_id] = rule
        return {"recordRuleId": rule.rule_id}

    def _update_rule(self, app_id: str, body: dict[str, Any]) -> None:
        self._app(app_id, body)
        rule = self._rule(app_id, body.get("ruleId"))
        self.rules[rule.rule_id] = Rule(rule.rule_id, app_id, **self._rule_fields(body))

    def _delete_rule(self, app_id: str, body: dict[str, Any]) -> None:
        self._app(app_id, body, required=False)
        rule = self._rule(app_id, body.get("ruleId"))
        if self.auto_record.get(app_id) == rule.rule_id:
            raise invalid("the rule is used by automatic recording: stop it first")
        del self.rules[rule.rule_id]

    def _query_rules(self, app_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self._app(app_id, body)
        page_no, page_size = body.get("pageNo", 1), body.get("pageSize", 10)
        for value, name in ((page_no, "pageNo"), (page_size, "pageSize")):
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value < 1
                or (name == "pageSize" and value > 100)
            ):
                raise invalid(f"{name} is out of range")
        rules = [rule for rule in self.rules.values() if rule.app_id == app_id]
        for key, attr in (
            ("ruleId", "rule_id"),
            ("recordingType", "recording_type"),
            ("recordingModel", "recording_model"),
        ):
            if body.get(key) not in (None, ""):
                try:
                    wanted = int(body[key])
                except (TypeError, ValueError):
                    raise invalid(f"{key} is a number") from None
                rules = [rule for rule in rules if getattr(rule, attr) == wanted]
        rules.sort(key=lambda rule: rule.rule_id)
        chunk = rules[(page_no - 1) * page_size : page_no * page_size]
        return {"list": [rule.to_json() for rule in chunk], "pos": page_no, "totalCount": len(rules)}

    def _release_room(self, app_id: str, body: dict[str, Any]) -> None:
        self._app(app_id, body)
        channel_id = self._channel(body)
        if not self._live_users(app_id, channel_id):
            raise invalid("the channel has no members")
        self.world.end_channel(app_id, channel_id)
        now = self.world.now()
        for capture in self.captures.values():
            if capture.app_id == app_id and capture.channel_id == channel_id and capture.running(now):
                self._stop(capture, now)

    def _release_user(self, app_id: str, body: dict[str, Any]) -> None:
        self._app(app_id, body)
        channel_id = self._channel(body)
        user_id = body.get("userId")
        if not isinstance(user_id, str) or user_id not in self._live_users(app_id, channel_id):
            raise invalid("userId is not in the channel")
        self.world.kick(app_id, channel_id, user_id)

    def _health(self, app_id: str, body: dict[str, Any]) -> str:
        if body.get("version") != "V1":
            raise invalid('version is "V1"')
        if self.health == "media":
            raise ApiError(MEDIA_SERVER_ERROR)
        if self.health == "record":
            raise ApiError(RECORD_SERVER_ERROR)
        return "OK"

    # --- recordings finishing and their callbacks -------------------------------------

    def _ensure_pump(self) -> None:
        if self._background and self._pump_thread is None:
            self._pump_thread = threading.Thread(target=self._pump_forever, name="isdp-callbacks", daemon=True)
            self._pump_thread.start()

    def _pump_forever(self) -> None:
        while True:
            time.sleep(0.25)
            try:
                self.pump()
            except Exception:  # a delivery loop must outlive any one failure
                log.exception("ISDP+ simulator: delivering callbacks failed")

    def pump(self) -> int:
        """End recordings whose channel emptied, start automatic ones, deliver due callbacks."""
        now = self.world.now()
        with self._lock:
            for capture in self.captures.values():
                if (
                    capture.kind == "video"
                    and capture.stopped is None
                    and not self._live_users(capture.app_id, capture.channel_id)
                ):
                    capture.stopped = now
            self._auto_captures(now)
            due = [
                c
                for c in self.captures.values()
                if not c.delivered
                and not c.failed
                and (at := c.due()) is not None
                and at <= now
                and (c.next_attempt is None or c.next_attempt <= now)
            ]
        delivered = 0
        for capture in due:
            delivered += self._deliver(capture, now)
        return delivered

    def _auto_captures(self, now: datetime) -> None:
        for app_id, rule_id in self.auto_record.items():
            rule = self.rules.get(rule_id)
            if rule is None:
                continue
            recording = {
                c.channel_id for c in self.captures.values() if c.app_id == app_id and c.auto and c.running(now)
            }
            for channel in self.apps[app_id].channels:
                users = sorted(self._live_users(app_id, channel.channel_id))
                if users and channel.channel_id not in recording:
                    self._new_capture(
                        "video",
                        app_id,
                        channel.channel_id,
                        users[0],
                        rule,
                        rule.callback_url,
                        rule.extra_data or "",
                        rule.record_path,
                        None,
                        auto=True,
                    )

    def callback_body(self, capture: Capture, now: datetime) -> dict[str, Any]:
        expires = int((now + CALLBACK_VALIDITY).timestamp())
        body: dict[str, Any] = {
            "channelId": capture.channel_id,
            "appId": capture.app_id,
            "recordingId": capture.recording_id,
            "userId": capture.user_id,
            "extraData": capture.extra_data,
            "authTimestamp": str(expires),
        }
        path = self._expand(
            capture.record_path or capture.rule.record_path or "/saas/application/{app_id}/{date_time}", capture
        )
        suffix = ".mp4" if capture.kind == "video" else ".png"
        name = self._expand(capture.file_name or capture.rule.file_name, capture) + suffix
        nas = capture.rule.storage_type == "NAS"
        if capture.kind == "video":
            body |= {
                "fileId": "" if nas else _digest("file", capture.recording_id)[:24],
                "filePath": f"{path.rstrip('/')}/{name}" if nas else "",
                "fileName": name if nas else "",
            }
        else:
            body |= {
                "imageData": "" if nas else base64.b64encode(png()).decode(),
                "filePath": f"{path.rstrip('/')}/{name}" if nas else "",
            }
        return body

    @staticmethod
    def _expand(template: str, capture: Capture) -> str:
        return (
            template.replace("{date_time}", f"{capture.started.astimezone(CHINA):%Y%m%d}")
            .replace("{channel_id}", capture.channel_id)
            .replace("{app_id}", capture.app_id)
            .replace("{file_start_time}", str(int(capture.started.timestamp() * 1000)))
        )

    def _deliver(self, capture: Capture, now: datetime) -> int:
        body = self.callback_body(capture, now)
        signature = callbacks.sign(access_key(capture.app_id), body)
        ok = False
        try:
            response = self._callback_client.post(
                capture.callback_url, json=body, headers={callbacks.SIGN_HEADER: signature}
            )
            ok = response.is_success and self._acknowledged(response)
        except httpx.HTTPError:
            ok = False
        with self._lock:
            capture.attempts += 1
            capture.deliveries.append({"at": now.isoformat(), "ok": ok, "body": body})
            if ok:
                capture.delivered = True
            elif capture.attempts >= CALLBACK_ATTEMPTS:
                capture.failed = True
            else:
                capture.next_attempt = now + timedelta(seconds=2**capture.attempts)
        return int(ok)

    @staticmethod
    def _acknowledged(response: httpx.Response) -> bool:
        if not response.content:
            return True
        try:
            answer = response.json()
        except ValueError:
            return True
        return not isinstance(answer, dict) or str(answer.get("errorCode", "0")) in ("0", "", "None")
