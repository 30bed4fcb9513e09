"""anyRTC cloud recording RESTful API client (spec 002).

HTTP Basic auth with the customer id and secret; JSON bodies; acquire → start (within 5
minutes) → update / updateLayout / query → stop. Every request is checked against
`rules` before it is sent. Only query is retried (it is the only GET).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from vendors.base.errors import MalformedResponseError, NotFoundError, ValidationError
from vendors.base.http import HttpApiClient, HttpSettings, RetryPolicy, build_http_client, call_with_retries, send

from . import rules
from .errors import VENDOR, build_error
from .models import Layout, QueryResult, RecordedFile, RecordingRequest, Started, Status, StopResult

DEFAULT_BASE_URL = "https://www.api.agrtc.cn"
RESOURCE_LIFETIME_SECONDS = 5 * 60
CHECK_APP_ID = "rtc-dashboard-connection-check"
RATE_LIMIT_PER_SECOND = 10  # per App ID, every endpoint


def _raise(problem: rules.Problem | None) -> None:
    if problem:
        raise ValidationError(problem.message, field=problem.field, vendor=VENDOR)


def _segment(value: str, name: str) -> str:
    if not isinstance(value, str) or not value or "/" in value:
        raise ValidationError(f"{name} is required and cannot contain '/'", field=name, vendor=VENDOR)
    return quote(value, safe="")


def _malformed(what: str) -> MalformedResponseError:
    return MalformedResponseError(what, vendor=VENDOR, code="MalformedResponse")


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _malformed(f"answer lacks {key!r}")
    return value


def _optional_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)  # the spec's own example sends "status": "5"
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _malformed(f"{value!r} is not a number")


def to_files(server: Mapping[str, Any]) -> tuple[str, tuple[RecordedFile, ...]]:
    mode = server.get("fileListMode", "")
    files = server.get("fileList")
    if files is None:
        return str(mode or ""), ()
    if isinstance(files, str):
        return str(mode or "string"), tuple(
            RecordedFile(name, mixed_all_user=True) for name in files.split(",") if name
        )
    if not isinstance(files, list):
        raise _malformed("fileList is neither a string nor a list")
    found = []
    for item in files:
        if not isinstance(item, Mapping) or not isinstance(item.get("filename"), str):
            raise _malformed("a fileList entry lacks its filename")
        found.append(
            RecordedFile(
                filename=item["filename"],
                track_type=str(item.get("trackType", "")),
                uid=str(item.get("uid", "")),
                mixed_all_user=bool(item.get("mixedAllUser", False)),
                playable=bool(item.get("isPlayable", True)),
                slice_start_ms=_optional_int(item.get("sliceStartTime")),
            )
        )
    return str(mode or "json"), tuple(found)


class AnyRtcClient(HttpApiClient):
    """One anyRTC customer (id and secret) driving cloud recordings of its App IDs."""

    def __init__(
        self,
        customer_id: str,
        customer_secret: str,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),
        http: HttpSettings = HttpSettings(),
    ) -> None:
        if not customer_id or not customer_secret:
            raise ValidationError("the customer id and secret are required", field="customer_id", vendor=VENDOR)
        self.retry = retry
        self._http = build_http_client(
            (base_url or DEFAULT_BASE_URL).rstrip("/"),
            transport=transport,
            settings=http,
            headers={"Content-Type": "application/json;charset=utf-8"},
        )
        self._http.auth = httpx.BasicAuth(customer_id, customer_secret)

    # --- transport ------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], int]:
        def attempt() -> tuple[dict[str, Any], int]:
            content = json.dumps(body).encode() if body is not None else None
            request = self._http.build_request(method, path, content=content)
            response = send(self._http, request, vendor=VENDOR)
            try:
                payload = json.loads(response.content) if response.content else None
            except ValueError:
                payload = None
                if response.status_code < 300:
                    raise MalformedResponseError(
                        "answer is not valid JSON",
                        vendor=VENDOR,
                        code="MalformedResponse",
                        http_status=response.status_code,
                    ) from None
            if response.status_code >= 300 or (
                isinstance(payload, dict) and isinstance(payload.get("code"), int) and payload["code"] not in (0, 200)
            ):
                raise build_error(response.status_code, payload, response.text, response.headers.get("Retry-After"))
            if not isinstance(payload, dict):
                raise MalformedResponseError(
                    "answer is not a JSON object",
                    vendor=VENDOR,
                    code="MalformedResponse",
                    http_status=response.status_code,
                )
            return payload, response.status_code

        # The route's last segment names the operation (acquire, start, query, update, updateLayout, stop).
        action = path.rstrip("/").rsplit("/", 1)[-1]
        return call_with_retries(attempt, policy=self.retry, idempotent=method == "GET", vendor=VENDOR, action=action)

    @staticmethod
    def _base(app_id: str) -> str:
        return f"/v1/apps/{_segment(app_id, 'appid')}/cloud_recording"

    def _session(self, app_id: str, resource_id: str, sid: str, mode: str) -> str:
        if mode not in rules.MODES:
            raise ValidationError("mode is individual or mix", field="mode", vendor=VENDOR)
        return (
            f"{self._base(app_id)}/resourceid/{_segment(resource_id, 'resourceid')}"
            f"/sid/{_segment(sid, 'sid')}/mode/{mode}"
        )

    # --- the API --------------------------------------------------------------------

    def verify_credentials(self) -> None:
        """Prove the customer id and secret without touching a recording.

        The API has no account-level call, and authentication is checked before the App ID:
        a query for an App ID that cannot exist answers 401 for bad credentials and
        "invalid appid" for good ones.
        """
        try:
            self._call("GET", f"{self._base(CHECK_APP_ID)}/resourceid/check/sid/check/mode/mix/query")
        except NotFoundError as error:
            if error.code.lower() == "invalid appid":
                return
            raise
        raise MalformedResponseError("a query for a made-up App ID succeeded", vendor=VENDOR, code="MalformedResponse")

    def acquire(self, app_id: str, cname: str, uid: str, *, resource_expired_hour: int = 72) -> str:
        """A resource id for one recording; start must follow within 5 minutes."""
        body = {"cname": cname, "uid": uid, "clientRequest": {"resourceExpiredHour": resource_expired_hour}}
        _raise(rules.check_acquire(body))
        payload, _ = self._call("POST", f"{self._base(app_id)}/acquire", body)
        return _text(payload, "resourceId")

    def start(
        self,
        app_id: str,
        resource_id: str,
        cname: str,
        uid: str,
        mode: str,
        request: RecordingRequest | Mapping[str, Any],
    ) -> Started:
        client_request = request.to_json() if isinstance(request, RecordingRequest) else dict(request)
        body = {"cname": cname, "uid": uid, "clientRequest": client_request}
        _raise(rules.check_start(mode, body))
        path = f"{self._base(app_id)}/resourceid/{_segment(resource_id, 'resourceid')}/mode/{mode}/start"
        payload, _ = self._call("POST", path, body)
        return Started(_text(payload, "resourceId"), _text(payload, "sid"))

    def record(
        self,
        app_id: str,
        cname: str,
        uid: str,
        mode: str,
        request: RecordingRequest | Mapping[str, Any],
        *,
        resource_expired_hour: int = 72,
    ) -> Started:
        """acquire then start, for users who just want to record. Everything is checked first."""
        client_request = request.to_json() if isinstance(request, RecordingRequest) else dict(request)
        _raise(rules.check_start(mode, {"cname": cname, "uid": uid, "clientRequest": client_request}))
        resource_id = self.acquire(app_id, cname, uid, resource_expired_hour=resource_expired_hour)
        return self.start(app_id, resource_id, cname, uid, mode, client_request)

    def update_subscription(
        self,
        app_id: str,
        resource_id: str,
        sid: str,
        mode: str,
        cname: str,
        uid: str,
        *,
        stream_types: int = 2,
        audio: list[str] | None = None,
        video: list[str] | None = None,
        not_audio: list[str] | None = None,
        not_video: list[str] | None = None,
    ) -> None:
        """Replace the subscription lists (`["#allstream#"]` means everyone)."""
        subscribe: dict[str, Any] = {}
        if audio is not None or not_audio is not None:
            subscribe["audioUidList"] = (
                {"subscribeAudioUids": audio} if audio is not None else {"unSubscribeAudioUids": not_audio}
            )
        if video is not None or not_video is not None:
            subscribe["videoUidList"] = (
                {"subscribeVideoUids": video} if video is not None else {"unSubscribeVideoUids": not_video}
            )
        body = {"cname": cname, "uid": uid, "clientRequest": {"streamSubscribe": subscribe}}
        _raise(rules.check_update(body, stream_types))
        self._call("POST", f"{self._session(app_id, resource_id, sid, mode)}/update", body)

    def update_layout(
        self, app_id: str, resource_id: str, sid: str, cname: str, uid: str, layout: Layout | Mapping[str, Any]
    ) -> None:
        """Replace the mixed layout; anything left out returns to its default (mix mode only)."""
        request = layout.to_json() if isinstance(layout, Layout) else dict(layout)
        body = {"cname": cname, "uid": uid, "clientRequest": request}
        _raise(rules.check_update_layout("mix", body))
        self._call("POST", f"{self._session(app_id, resource_id, sid, 'mix')}/updateLayout", body)

    def query(self, app_id: str, resource_id: str, sid: str, mode: str) -> QueryResult:
        payload, _ = self._call("GET", f"{self._session(app_id, resource_id, sid, mode)}/query")
        server = payload.get("serverResponse") or {}
        if not isinstance(server, Mapping):
            raise _malformed("serverResponse is not an object")
        list_mode, files = to_files(server)
        raw_status = _optional_int(server.get("status"))
        try:
            status = Status(raw_status) if raw_status is not None else None
        except ValueError:
            raise _malformed(f"unknown recording status {raw_status}") from None
        states = server.get("extensionServiceState") or []
        sub = server.get("subServiceStatus") or {}
        if not isinstance(states, list) or not isinstance(sub, Mapping):
            raise _malformed("extension service state is malformed")
        return QueryResult(
            resource_id=_text(payload, "resourceId"),
            sid=_text(payload, "sid"),
            status=status,
            files=files,
            file_list_mode=list_mode,
            slice_start_ms=_optional_int(server.get("sliceStartTime")),
            extension_states=tuple(s for s in states if isinstance(s, dict)),
            recording_service=str(sub.get("recordingService", "")),
        )

    def stop(self, app_id: str, resource_id: str, sid: str, mode: str, cname: str, uid: str) -> StopResult:
        body = {"cname": cname, "uid": uid, "clientRequest": {}}
        _raise(rules.check_channel(cname) or rules.check_uid(uid))
        payload, status = self._call("POST", f"{self._session(app_id, resource_id, sid, mode)}/stop", body)
        server = payload.get("serverResponse") or {}
        if not isinstance(server, Mapping):
            raise _malformed("serverResponse is not an object")
        _, files = to_files(server)
        return StopResult(
            resource_id=_text(payload, "resourceId"),
            sid=_text(payload, "sid"),
            files=files,
            uploading_status=str(server.get("uploadingStatus", "unknown")),
            nobody_published=status == 206,
        )
