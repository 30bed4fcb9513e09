"""Huawei ISDP+ iRTC server API client (spec 004 section 8).

A bearer token from `POST /oauth2/oauth/rest_token` (password grant: username = app id,
password = app token, fixed client id and secret) authorizes every other call. The token
lives 20 minutes; it is cached, refreshed a minute early, and refreshed once more if a call
is refused with `invalid_token`. Every endpoint is a POST with a JSON body; reads
(getMediaEndpoint, queryRuleList, checkRtcHeath) are retried on transient errors.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from vendors.base.errors import AuthenticationError, MalformedResponseError, ValidationError
from vendors.base.http import HttpApiClient, HttpSettings, RetryPolicy, build_http_client, call_with_retries, send
from vendors.base.types import Page

from .errors import VENDOR, gateway_error, interface_error
from .models import MediaEndpoint, RecordRule, StorageType

DEFAULT_BASE_URL = "https://isdpcloud.huawei.com"
TOKEN_PATH = "/oauth2/oauth/rest_token"
API = "/openapi/v1/rtcLive"
CLIENT_ID = CLIENT_SECRET = "isdp-saas-openapi"
REFRESH_MARGIN = timedelta(seconds=60)
CHANNEL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_EXTRA_DATA_BYTES = 1000
# "每个channelId长度20" read as: at most 20 channel ids per getMediaEndpoint call.
MAX_ENDPOINT_CHANNELS = 20
REQUESTS_PER_MINUTE = 60  # per API


def utcnow() -> datetime:
    return datetime.now(UTC)


def check_channel_id(channel_id: str) -> str:
    if not isinstance(channel_id, str) or not CHANNEL_ID.match(channel_id):
        raise ValidationError("channel ids are 1-64 letters, digits, _ or -", field="channelId", vendor=VENDOR)
    return channel_id


def _required(value: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} is required", field=name, vendor=VENDOR)
    return value


def _callback(url: str) -> str:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValidationError("callbackUrl is a full http(s) URL", field="callbackUrl", vendor=VENDOR)
    return url


def _malformed(what: str) -> MalformedResponseError:
    return MalformedResponseError(what, vendor=VENDOR, code="MalformedResponse")


def to_rule(item: Any) -> RecordRule:
    if not isinstance(item, dict):
        raise _malformed("a rule is not an object")
    try:
        storage: Any = item.get("storageType")
        storage = StorageType(storage if isinstance(storage, str) else {0: "ISDP", 1: "NAS"}[storage])
        return RecordRule(
            rule_id=int(item["ruleId"]),
            storage_type=storage,
            file_name=str(item.get("fileName") or item.get("filename") or ""),
            recording_type=int(item["recordingType"]),
            recording_model=int(item["recordingModel"]),
            callback_url=str(item.get("callbackUrl") or ""),
            enabled=bool(item.get("status")),
            record_path=item.get("recordPath"),
            capture_interval=item.get("captureInterval"),
            capture_nums=item.get("captureNums"),
            extra_data=item.get("extraData"),
            mixing_enabled=item.get("mixingEnabled"),
            base_path=str(item.get("basePath") or ""),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise _malformed(f"a rule lacks or garbles {error}") from None


class IsdpClient(HttpApiClient):
    """One ISDP+ app (its id and token) talking to the iRTC server API."""

    def __init__(
        self,
        app_id: str,
        app_token: str,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),
        http: HttpSettings = HttpSettings(),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.app_id = _required(app_id, "app_id")
        self._app_token = _required(app_token, "app_token")
        self.retry = retry
        self.clock = clock
        self._http = build_http_client((base_url or DEFAULT_BASE_URL).rstrip("/"), transport=transport, settings=http)
        self._token: str | None = None
        self._refresh_at = datetime.min.replace(tzinfo=UTC)
        self._token_lock = threading.Lock()
        self.tokens_fetched = 0

    # --- authentication -------------------------------------------------------------

    def token(self, *, force: bool = False) -> str:
        with self._token_lock:
            if force or self._token is None or self.clock() >= self._refresh_at:
                self._token, lifetime = self._fetch_token()
                # A minute early; a token handed out again near its end is used for half what is left.
                early = max(lifetime - REFRESH_MARGIN.total_seconds(), lifetime / 2)
                self._refresh_at = self.clock() + timedelta(seconds=early)
            return self._token

    def _fetch_token(self) -> tuple[str, int]:
        body = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "grant_type": "password",
            "username": self.app_id,
            "password": self._app_token,
        }

        def attempt() -> tuple[str, int]:
            request = self._http.build_request("POST", TOKEN_PATH, json=body)
            response = send(self._http, request, vendor=VENDOR)
            payload = self._json(response)
            if response.status_code != 200:
                raise gateway_error(response.status_code, payload, response.text, response.headers.get("Retry-After"))
            if not isinstance(payload, dict) or not isinstance(payload.get("access_token"), str):
                raise _malformed("the token answer lacks access_token")
            lifetime = payload.get("expires_in")
            if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
                raise _malformed("the token answer lacks expires_in")
            if str(payload.get("token_type", "bearer")).lower() != "bearer":
                raise _malformed(f"unexpected token type {payload.get('token_type')!r}")
            self.tokens_fetched += 1
            return payload["access_token"], lifetime

        return call_with_retries(attempt, policy=self.retry, idempotent=True, vendor=VENDOR, action="token")

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return json.loads(response.content) if response.content else None
        except ValueError:
            if response.status_code == 200:
                raise MalformedResponseError(
                    "answer is not valid JSON", vendor=VENDOR, code="MalformedResponse", http_status=200
                ) from None
            return None

    # --- transport ------------------------------------------------------------------

    def _call(self, name: str, body: dict[str, Any], *, read: bool = False) -> Any:
        def attempt() -> Any:
            try:
                return self._send(name, body, self.token())
            except AuthenticationError as error:
                if error.code != "invalid_token":
                    raise
                return self._send(name, body, self.token(force=True))  # expired or revoked early

        return call_with_retries(attempt, policy=self.retry, idempotent=read, vendor=VENDOR, action=name)

    def _send(self, name: str, body: dict[str, Any], token: str) -> Any:
        request = self._http.build_request(
            "POST", f"{API}/{name}", json=body, headers={"Authorization": f"bearer {token}"}
        )
        response = send(self._http, request, vendor=VENDOR)
        payload = self._json(response)
        if response.status_code != 200:
            raise gateway_error(response.status_code, payload, response.text, response.headers.get("Retry-After"))
        if not isinstance(payload, dict) or "errorCode" not in payload:
            raise _malformed("answer lacks the {errorCode, errorMessage, data, timestamp} envelope")
        code = payload["errorCode"]
        if code in (None, ""):
            code = 0  # "为空说明成功"
        try:
            code = int(code)
        except (TypeError, ValueError):
            raise _malformed(f"errorCode {code!r} is not a number") from None
        if code != 0:
            raise interface_error(code, str(payload.get("errorMessage") or ""), response.status_code)
        return payload.get("data")

    # --- media and recording --------------------------------------------------------

    def media_endpoints(self, channel_ids: Sequence[str]) -> list[MediaEndpoint]:
        ids = [check_channel_id(channel_id) for channel_id in channel_ids]
        if not ids or len(ids) > MAX_ENDPOINT_CHANNELS:
            raise ValidationError(f"give 1 to {MAX_ENDPOINT_CHANNELS} channel ids", field="channelIds", vendor=VENDOR)
        data = self._call("getMediaEndpoint", {"channelIds": ids}, read=True)
        items = data.get("list") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise _malformed("getMediaEndpoint answer lacks list")
        found = []
        for item in items:
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str | int) for k in ("ip", "port")):
                raise _malformed("a media endpoint lacks ip or port")
            found.append(MediaEndpoint(str(item.get("channelId", "")), str(item["ip"]), str(item["port"])))
        return found

    def _capture(
        self,
        name: str,
        channel_id: str,
        user_id: str,
        record_rule_id: str | int,
        callback_url: str,
        record_path: str | None,
        extra_data: str | None,
        file_name: str | None,
    ) -> str:
        body: dict[str, Any] = {
            "channelId": check_channel_id(channel_id),
            "appId": self.app_id,
            "userId": _required(user_id, "userId"),
            "recordRuleId": str(record_rule_id),
            "callbackUrl": _callback(callback_url),
        }
        if extra_data is not None:
            if len(extra_data.encode()) > MAX_EXTRA_DATA_BYTES:
                raise ValidationError("extraData is at most 1000 bytes", field="extraData", vendor=VENDOR)
            body["extraData"] = extra_data
        if record_path is not None:
            body["recordPath"] = record_path
        if file_name is not None:
            body["fileName"] = file_name
        data = self._call(name, body)
        if not isinstance(data, dict) or not isinstance(data.get("recordingId"), str | int):
            raise _malformed(f"{name} answer lacks recordingId")
        return str(data["recordingId"])

    def capture_video(
        self,
        channel_id: str,
        user_id: str,
        record_rule_id: str | int,
        callback_url: str,
        *,
        record_path: str | None = None,
        extra_data: str | None = None,
        file_name: str | None = None,
    ) -> str:
        """Start recording; the file is announced by a signed POST to callback_url."""
        return self._capture(
            "captureVideo", channel_id, user_id, record_rule_id, callback_url, record_path, extra_data, file_name
        )

    def capture_image(
        self,
        channel_id: str,
        user_id: str,
        record_rule_id: str | int,
        callback_url: str,
        *,
        record_path: str | None = None,
        extra_data: str | None = None,
        file_name: str | None = None,
    ) -> str:
        return self._capture(
            "captureImage", channel_id, user_id, record_rule_id, callback_url, record_path, extra_data, file_name
        )

    def stop_capture(self, channel_id: str, recording_id: str | None = None) -> None:
        """Stop one recording, or every recording of the channel when recording_id is None."""
        self._call(
            "stopCapture",
            {"recordingId": recording_id or "", "channelId": check_channel_id(channel_id), "appId": self.app_id},
        )

    def start_auto_record(self, record_rule_id: str | int) -> None:
        self._call("startAutoRecord", {"appId": self.app_id, "recordRuleId": str(record_rule_id)})

    def stop_auto_record(self, record_rule_id: str | int) -> None:
        self._call("stopAutoRecord", {"appId": self.app_id, "recordRuleId": str(record_rule_id)})

    # --- rules ----------------------------------------------------------------------

    @staticmethod
    def _check_rule(rule: RecordRule) -> None:
        _callback(rule.callback_url)
        _required(rule.file_name, "fileName")
        if rule.recording_type not in (0, 1):
            raise ValidationError("recordingType is 0 (video) or 1 (image)", field="recordingType", vendor=VENDOR)
        if rule.recording_model not in (0, 1):
            raise ValidationError("recordingModel is 0 (single) or 1 (mixed)", field="recordingModel", vendor=VENDOR)
        for name, value in (("captureInterval", rule.capture_interval), ("captureNums", rule.capture_nums)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValidationError(f"{name} is a whole number from 1", field=name, vendor=VENDOR)
        if rule.extra_data is not None and len(rule.extra_data.encode()) > MAX_EXTRA_DATA_BYTES:
            raise ValidationError("extraData is at most 1000 bytes", field="extraData", vendor=VENDOR)

    def add_rule(self, rule: RecordRule) -> int:
        self._check_rule(rule)
        data = self._call("addRule", rule.to_json(self.app_id))
        if not isinstance(data, dict) or not isinstance(data.get("recordRuleId"), int | str):
            raise _malformed("addRule answer lacks recordRuleId")
        return int(data["recordRuleId"])

    def update_rule(self, rule_id: int, rule: RecordRule) -> None:
        self._check_rule(rule)
        self._call("updateRule", {**rule.to_json(self.app_id), "ruleId": rule_id})

    def delete_rule(self, rule_id: int) -> None:
        self._call("deleteRule", {"appId": self.app_id, "ruleId": rule_id})

    def query_rules(
        self,
        *,
        rule_id: int | None = None,
        recording_type: int | None = None,
        recording_model: int | None = None,
        page_no: int = 1,
        page_size: int = 10,
    ) -> Page[RecordRule]:
        if page_no < 1 or page_size < 1:
            raise ValidationError("pages are numbered from 1 and hold at least one rule", field="pageNo", vendor=VENDOR)
        body: dict[str, Any] = {"appId": self.app_id, "pageNo": page_no, "pageSize": page_size}
        for key, value in (("ruleId", rule_id), ("recordingType", recording_type), ("recordingModel", recording_model)):
            if value is not None:
                body[key] = value
        data = self._call("queryRuleList", body, read=True)
        if not isinstance(data, dict) or not isinstance(data.get("list"), list):
            raise _malformed("queryRuleList answer lacks list")
        total = data.get("totalCount")
        return Page(
            tuple(to_rule(item) for item in data["list"]),
            page_no,
            page_size,
            total if isinstance(total, int) and not isinstance(total, bool) else None,
        )

    def iter_rules(self, page_size: int = 50) -> Iterator[RecordRule]:
        page_no = 1
        while True:
            page = self.query_rules(page_no=page_no, page_size=page_size)
            yield from page.items
            if len(page.items) < page_size or (page.total is not None and page_no * page_size >= page.total):
                return
            page_no += 1

    # --- rooms, users, health -------------------------------------------------------

    def release_room(self, channel_id: str) -> None:
        self._call("releaseRoom", {"appId": self.app_id, "channelId": check_channel_id(channel_id)})

    def release_user(self, channel_id: str, user_id: str) -> None:
        self._call(
            "releaseUser",
            {"appId": self.app_id, "channelId": check_channel_id(channel_id), "userId": _required(user_id, "userId")},
        )

    def check_health(self) -> str:
        data = self._call("checkRtcHeath", {"version": "V1"}, read=True)
        return str(data)
