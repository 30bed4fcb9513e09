"""uprtc server REST API client (spec 003).

Every path is under `/uprtc/api/v2`; the project's AppSecret goes in the `authorization`
header as `key=AppSecret`; answers are `{code, data, msg}` with code 0 for success. Only
GETs are retried: uprtc documents no idempotency for its POSTs and DELETEs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from email.message import Message
from typing import Any
from urllib.parse import quote

import httpx

from vendors.base.errors import MalformedResponseError, ValidationError
from vendors.base.http import HttpApiClient, HttpSettings, RetryPolicy, build_http_client, call_with_retries, send

from .errors import VENDOR, error_for_code, error_for_status
from .models import (
    KINDS,
    RESOLUTIONS,
    CreatedRoom,
    Download,
    MergedRoom,
    Protocol,
    RecordStatus,
    RoomInfo,
    RoomKind,
    Server,
    StartedRecording,
    WorkerLoad,
)

PREFIX = "/uprtc/api/v2"
DEFAULT_BASE_URL = "https://uprtc.cmcim.com"
# The documented path has this spelling ("enbale"); the simulator also accepts "enable".
JOIN_ENABLE_SEGMENT = "enbale"
DEFAULT_MIN_BITRATE = 600_000
DEFAULT_MAX_BITRATE = 3_000_000
_SEGMENT = re.compile(r"^[^/\s?#]{1,128}$")


def _segment(value: str, name: str) -> str:
    """A path parameter: non-empty, no slash, whitespace, ? or #; percent-encoded."""
    if not isinstance(value, str) or not _SEGMENT.match(value):
        raise ValidationError(
            f"{name} must be 1-128 characters without '/', spaces, '?' or '#'", field=name, vendor=VENDOR
        )
    return quote(value, safe="")


# Every literal segment of the API's paths (spec 003); any other segment is an id.
_ROUTE_WORDS = frozenset(
    [
        "room",
        "convo",
        "members",
        "message",
        "peers",
        "exist",
        "join",
        "enbale",
        "enable",
        "peer",
        "live",
        "mirror",
        "mirrors",
        "member",
        "merge",
        "master",
        "separate",
        "record",
        "status",
        "server",
        "start",
        "stop",
        "playback",
        "client",
        "upload",
        "download",
        "miniLoad",
        "num",
        "cpu",
        "load",
        "recycle",
        "block",
    ]
)


def route_of(method: str, path: str) -> str:
    """The call's route with its ids left out ("DELETE /room/{id}/peer/{id}"): a label for
    counting calls that stays one of a few dozen, whatever the ids."""
    segments = [s if s in _ROUTE_WORDS or s in ("true", "false") else "{id}" for s in path.strip("/").split("/")]
    return f"{method} /{'/'.join(segments)}"


def _ids(values: Sequence[str], name: str, *, allow_empty: bool = True) -> list[str]:
    if isinstance(values, str):
        raise ValidationError(f"{name} is a list of user ids, not one string", field=name, vendor=VENDOR)
    ids = list(values)
    if not ids and not allow_empty:
        raise ValidationError(f"{name} needs at least one user id", field=name, vendor=VENDOR)
    for value in ids:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{name} holds an empty user id", field=name, vendor=VENDOR)
    return ids


def _bitrates(min_bitrate: int | None, max_bitrate: int | None) -> dict[str, int]:
    low = DEFAULT_MIN_BITRATE if min_bitrate is None else min_bitrate
    high = DEFAULT_MAX_BITRATE if max_bitrate is None else max_bitrate
    for name, value in (("minBitrate", low), ("maxBitrate", high)):
        if not isinstance(value, int) or value <= 0:
            raise ValidationError(f"{name} is a positive number of bits per second", field=name, vendor=VENDOR)
    if low > high:
        raise ValidationError("minBitrate cannot exceed maxBitrate", field="minBitrate", vendor=VENDOR)
    body = {}
    if min_bitrate is not None:
        body["minBitrate"] = min_bitrate
    if max_bitrate is not None:
        body["maxBitrate"] = max_bitrate
    return body


def _protocol(protocol: Protocol | int | None) -> dict[str, int]:
    if protocol is None:
        return {}
    try:
        return {"protocol": int(Protocol(protocol))}
    except ValueError:
        raise ValidationError(
            "protocol is 0 (UDP), 1 (TCP), 2 (UDP then TCP) or 3 (TCP then UDP)", field="protocol", vendor=VENDOR
        ) from None


def _str(data: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise MalformedResponseError(f"answer lacks {key!r}", vendor=VENDOR, code="MalformedResponse")
        return ""
    if not isinstance(value, str | int):
        raise MalformedResponseError(f"{key!r} is not text", vendor=VENDOR, code="MalformedResponse")
    return str(value)


def _obj(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedResponseError(f"{what}: expected an object", vendor=VENDOR, code="MalformedResponse")
    return data


def _list(data: Any, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise MalformedResponseError(f"{what}: expected a list", vendor=VENDOR, code="MalformedResponse")
    return data


def _int(data: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        if value is None and default is not None:
            return default
        raise MalformedResponseError(f"{key!r} is not a number", vendor=VENDOR, code="MalformedResponse")
    return int(value)


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedResponseError(f"{key!r} is not a list of ids", vendor=VENDOR, code="MalformedResponse")
    return tuple(value)


def to_server(data: Any) -> Server:
    data = _obj(data, "server")
    return Server(
        alias=_str(data, "serverAlias"),
        address=_str(data, "serverAddress", required=False),
        url=_str(data, "serverUrl", required=False),
        url6=_str(data, "serverUrl6", required=False),
        name=_str(data, "name", required=False),
    )


def to_created_room(data: Any) -> CreatedRoom:
    data = _obj(data, "room")
    code = data.get("invitationCode")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
        raise MalformedResponseError("invitationCode is not a number", vendor=VENDOR, code="MalformedResponse")
    return CreatedRoom(room_id=_str(data, "roomId"), server=to_server(data), invitation_code=code)


def to_room_info(data: Any) -> RoomInfo:
    data = _obj(data, "room")
    # The answer does not name the kind: conversation rooms carry invitees and a member cap,
    # live rooms carry merges and mirrors.
    kind = RoomKind.CONVERSATION if "invitedUserIds" in data or "maxMemberNum" in data else RoomKind.LIVE
    max_members = data.get("maxMemberNum")
    return RoomInfo(
        room_id=_str(data, "roomId"),
        kind=kind,
        server=to_server(data),
        total=_int(data, "total", 0),
        master_id=_str(data, "masterId", required=False),
        member_ids=_strings(data, "memberIds"),
        invited_user_ids=_strings(data, "invitedUserIds"),
        max_member_num=_int(data, "maxMemberNum") if max_members is not None else None,
        merge_room_ids=_strings(data, "mergeRoomIds"),
        mirror_servers=_strings(data, "mirrorServers"),
    )


def to_started(data: Any) -> StartedRecording:
    data = _obj(data, "recording")
    return StartedRecording(
        record_id=_str(data, "recordId"),
        server_alias=_str(data, "serverAlias", required=False),
        server_address=_str(data, "serverAddress", required=False),
        upload_url=_str(data, "serverUrl", required=False),
    )


def to_status(data: Any) -> RecordStatus:
    value = _int(_obj(data, "status"), "status")
    try:
        return RecordStatus(value)
    except ValueError:
        raise MalformedResponseError(
            f"unknown recording status {value}", vendor=VENDOR, code="MalformedResponse"
        ) from None


class UprtcClient(HttpApiClient):
    """One uprtc project (its AppSecret) talking to the server REST API."""

    def __init__(
        self,
        app_secret: str,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),
        http: HttpSettings = HttpSettings(),
    ) -> None:
        if not app_secret:
            raise ValidationError("the AppSecret is required", field="app_secret", vendor=VENDOR)
        self.retry = retry
        self._http = build_http_client(
            (base_url or DEFAULT_BASE_URL).rstrip("/"),
            transport=transport,
            settings=http,
            headers={"authorization": f"key={app_secret}"},
        )

    # --- transport ------------------------------------------------------------------

    def _call(self, method: str, path: str, *, body: Any = None, files: Any = None) -> Any:
        def attempt() -> Any:
            request = self._http.build_request(method, PREFIX + path, json=body if files is None else None, files=files)
            return self._envelope(send(self._http, request, vendor=VENDOR))

        return call_with_retries(
            attempt, policy=self.retry, idempotent=method == "GET", vendor=VENDOR, action=route_of(method, path)
        )

    def _envelope(self, response: httpx.Response) -> Any:
        try:
            payload = json.loads(response.content)
        except ValueError:
            if response.status_code < 400:
                raise MalformedResponseError(
                    "answer is not valid JSON",
                    vendor=VENDOR,
                    code="MalformedResponse",
                    http_status=response.status_code,
                ) from None
            raise error_for_status(response.status_code, response.text, response.headers.get("Retry-After")) from None
        if not isinstance(payload, dict) or "code" not in payload:
            if response.status_code >= 400:
                raise error_for_status(response.status_code, response.text, response.headers.get("Retry-After"))
            raise MalformedResponseError(
                "answer lacks the {code, data, msg} envelope",
                vendor=VENDOR,
                code="MalformedResponse",
                http_status=response.status_code,
            )
        code = payload["code"]
        if isinstance(code, bool) or not isinstance(code, int):
            raise MalformedResponseError("envelope code is not a number", vendor=VENDOR, code="MalformedResponse")
        if code != 0:
            message = payload.get("msg") or payload.get("message") or ""
            raise error_for_code(code, str(message), http_status=response.status_code)
        return payload.get("data")

    # --- rooms ----------------------------------------------------------------------

    def create_conversation_room(
        self,
        master_id: str,
        member_ids: Sequence[str] = (),
        *,
        max_member_num: int | None = None,
        room_id: str | None = None,
        protocol: Protocol | int | None = None,
        min_bitrate: int | None = None,
        max_bitrate: int | None = None,
    ) -> CreatedRoom:
        """POST /room/convo. Only invited users may join; a known room_id is reused (see roomId详解)."""
        body: dict[str, Any] = {
            "masterId": self._user(master_id, "masterId"),
            "memberIds": _ids(member_ids, "memberIds"),
        }
        if max_member_num is not None:
            if not isinstance(max_member_num, int) or max_member_num < 0:
                raise ValidationError("maxMemberNum is 0 (no limit) or more", field="maxMemberNum", vendor=VENDOR)
            body["maxMemberNum"] = max_member_num
        if room_id is not None:
            body["roomId"] = room_id
            _segment(room_id, "roomId")
        body |= _protocol(protocol) | _bitrates(min_bitrate, max_bitrate)
        return to_created_room(self._call("POST", "/room/convo", body=body))

    def add_conversation_members(self, room_id: str, member_ids: Sequence[str]) -> None:
        ids = _ids(member_ids, "memberIds", allow_empty=False)
        self._call("POST", f"/room/{_segment(room_id, 'roomId')}/convo/members", body={"memberIds": ids})

    def broadcast(self, room_id: str, message: Mapping[str, Any]) -> None:
        """POST /room/{roomId}/message: the body is the message, any JSON object."""
        if not isinstance(message, Mapping):
            raise ValidationError("the message is a JSON object", field="message", vendor=VENDOR)
        self._call("POST", f"/room/{_segment(room_id, 'roomId')}/message", body=dict(message))

    def message_peers(self, room_id: str, peers: Sequence[str], message: Mapping[str, Any]) -> None:
        if not isinstance(message, Mapping):
            raise ValidationError("the message is a JSON object", field="msg", vendor=VENDOR)
        body = {"msg": dict(message), "peers": _ids(peers, "peers", allow_empty=False)}
        self._call("POST", f"/room/{_segment(room_id, 'roomId')}/peers/message/", body=body)

    def delete_room(self, room_id: str) -> None:
        self._call("DELETE", f"/room/{_segment(room_id, 'roomId')}")

    def room_info(self, room_id: str) -> RoomInfo:
        return to_room_info(self._call("GET", f"/room/{_segment(room_id, 'roomId')}"))

    def room_exists(self, room_id: str) -> bool:
        data = _obj(self._call("GET", f"/room/{_segment(room_id, 'roomId')}/exist"), "exist")
        if not isinstance(data.get("exist"), bool):
            raise MalformedResponseError("'exist' is not true or false", vendor=VENDOR, code="MalformedResponse")
        return data["exist"]

    def set_joinable(self, room_id: str, enable: bool) -> None:
        flag = "true" if enable else "false"
        self._call("POST", f"/room/{_segment(room_id, 'roomId')}/join/{JOIN_ENABLE_SEGMENT}/{flag}")

    def remove_peer(self, room_id: str, peer_id: str) -> None:
        self._call("DELETE", f"/room/{_segment(room_id, 'roomId')}/peer/{_segment(peer_id, 'peerId')}")

    def peer_joined(self, room_id: str, peer_id: str) -> bool:
        data = _obj(
            self._call("GET", f"/room/{_segment(room_id, 'roomId')}/peer/{_segment(peer_id, 'peerId')}"), "peer"
        )
        if not isinstance(data.get("joined"), bool):
            raise MalformedResponseError("'joined' is not true or false", vendor=VENDOR, code="MalformedResponse")
        return data["joined"]

    # --- live rooms -----------------------------------------------------------------

    def create_live_room(
        self,
        master_id: str,
        *,
        room_id: str | None = None,
        protocol: Protocol | int | None = None,
        min_bitrate: int | None = None,
        max_bitrate: int | None = None,
    ) -> CreatedRoom:
        body: dict[str, Any] = {"masterId": self._user(master_id, "masterId")}
        if room_id is not None:
            body["roomId"] = room_id
            _segment(room_id, "roomId")
        body |= _protocol(protocol) | _bitrates(min_bitrate, max_bitrate)
        return to_created_room(self._call("POST", "/room/live", body=body))

    def create_mirror(self, room_id: str, server_alias: str, *, pid: int | None = None) -> None:
        body: dict[str, Any] = {"serverAlias": self._user(server_alias, "serverAlias")}
        if pid is not None:
            body["pid"] = pid
        self._call("POST", f"/room/{_segment(room_id, 'roomId')}/live/mirror", body=body)

    def mirrors(self, room_id: str) -> list[Server]:
        data = _list(self._call("GET", f"/room/{_segment(room_id, 'roomId')}/live/mirrors"), "mirrors")
        return [to_server(item) for item in data]

    def add_cohost(self, room_id: str, peer_id: str, *, kind: str = "audio", max_bitrate: int | None = None) -> None:
        if kind not in KINDS:
            raise ValidationError("kind is audio or video", field="kind", vendor=VENDOR)
        body: dict[str, Any] = {"peerId": self._user(peer_id, "peerId"), "kind": kind}
        if max_bitrate is not None:
            body |= _bitrates(None, max_bitrate)
        self._call("POST", f"/room/{_segment(room_id, 'roomId')}/live/member", body=body)

    def cohosts(self, room_id: str) -> list[str]:
        data = _list(self._call("GET", f"/room/{_segment(room_id, 'roomId')}/live/members"), "members")
        if not all(isinstance(item, str) for item in data):
            raise MalformedResponseError("co-host list holds a non-string", vendor=VENDOR, code="MalformedResponse")
        return data

    def remove_cohost(self, room_id: str, peer_id: str) -> None:
        self._call("DELETE", f"/room/{_segment(room_id, 'roomId')}/live/member/{_segment(peer_id, 'peerId')}")

    def merge(self, room_id: str, other_room_id: str) -> None:
        """Connect live room `other_room_id` into `room_id` (the request's object is `room_id`)."""
        _segment(other_room_id, "roomId")
        self._call("POST", f"/room/{_segment(room_id, 'roomId')}/live/merge", body={"roomId": other_room_id})

    def merged_rooms(self, room_id: str) -> list[MergedRoom]:
        data = _list(self._call("GET", f"/room/{_segment(room_id, 'roomId')}/live/merge"), "merged rooms")
        rooms = []
        for item in data:
            item = _obj(item, "merged room")
            rooms.append(
                MergedRoom(
                    _str(item, "roomId"),
                    _str(item, "serverAlias", required=False),
                    _str(item, "serverAddress", required=False),
                )
            )
        return rooms

    def separate_self(self, room_id: str, master_id: str) -> None:
        """The host of `room_id` leaves every connection (主动分离)."""
        self._call("POST", f"/room/{_segment(room_id, 'roomId')}/live/master/{_segment(master_id, 'peerId')}/separate")

    def separate(self, room_id: str, other_room_id: str) -> None:
        """Disconnect `other_room_id` from `room_id` (被动分离)."""
        _segment(other_room_id, "roomId")
        self._call("POST", f"/room/{_segment(room_id, 'roomId')}/live/separate", body={"roomId": other_room_id})

    def set_merged_track(self, room_id: str, track_id: str, *, paused: bool) -> None:
        action = "pause" if paused else "resume"
        self._call(
            "POST", f"/room/{_segment(room_id, 'roomId')}/live/{action}/mergeTrack/{_segment(track_id, 'trackId')}"
        )

    def room_record_status(self, room_id: str) -> RecordStatus:
        return to_status(self._call("GET", f"/room/{_segment(room_id, 'roomId')}/record/status"))

    # --- recording ------------------------------------------------------------------

    def record_server(self) -> Server:
        return to_server(self._call("GET", "/record/server"))

    def start_recording(
        self,
        room_id: str,
        *,
        server_alias: str | None = None,
        record_everyone: bool = False,
        peers: Sequence[str] = (),
        resolution: str = "720p",
        layout: str | None = None,
        fix_video_direction: bool = False,
    ) -> StartedRecording:
        if resolution not in RESOLUTIONS:
            raise ValidationError("resolution is 1080p, 720p or 480p", field="resolution", vendor=VENDOR)
        _segment(room_id, "roomId")
        body: dict[str, Any] = {
            "roomId": room_id,
            "all": record_everyone,
            "resolution": resolution,
            "fixVideoDirection": fix_video_direction,
        }
        if peers:
            body["peers"] = _ids(peers, "peers")
        if server_alias:
            body["serverAlias"] = server_alias
        if layout:
            body["layout"] = layout
        return to_started(self._call("POST", "/record/start", body=body))

    def stop_recording(self, room_id: str) -> None:
        self._call("POST", f"/record/stop/{_segment(room_id, 'roomId')}")

    def recording_status(self, record_id: str) -> RecordStatus:
        return to_status(self._call("GET", f"/record/{_segment(record_id, 'recordId')}/status"))

    def create_playback_room(
        self,
        record_id: str,
        server_alias: str,
        *,
        start_time: int | None = None,
        loop_play: bool = False,
        end_time: int | None = None,
        protocol: Protocol | int | None = None,
        min_bitrate: int | None = None,
        max_bitrate: int | None = None,
    ) -> CreatedRoom:
        if loop_play and end_time is None:
            raise ValidationError("endTime is required when loopPlay is on", field="endTime", vendor=VENDOR)
        if start_time is not None and end_time is not None and end_time <= start_time:
            raise ValidationError("endTime must be after startTime", field="endTime", vendor=VENDOR)
        body: dict[str, Any] = {
            "recordId": self._user(record_id, "recordId"),
            "serverAlias": server_alias,
            "loopPlay": loop_play,
        }
        if start_time is not None:
            body["startTime"] = start_time
        if end_time is not None:
            body["endTime"] = end_time
        body |= _protocol(protocol) | _bitrates(min_bitrate, max_bitrate)
        return to_created_room(self._call("POST", "/record/playback", body=body))

    def client_upload_url(self) -> StartedRecording:
        return to_started(self._call("POST", "/record/client/upload"))

    def download(self, record_id: str) -> Download:
        """GET /record/download/{recordId}: the file itself, or the envelope with 50019."""

        def attempt() -> Download:
            request = self._http.build_request("GET", f"{PREFIX}/record/download/{_segment(record_id, 'recordId')}")
            response = send(self._http, request, vendor=VENDOR)
            media_type = response.headers.get("content-type", "").split(";")[0].strip()
            if response.status_code == 200 and media_type and not media_type.endswith("json"):
                return Download(response.content, media_type, _filename(response, record_id))
            self._envelope(response)
            raise MalformedResponseError(
                "download answered success without a file", vendor=VENDOR, code="MalformedResponse"
            )

        return call_with_retries(
            attempt, policy=self.retry, idempotent=True, vendor=VENDOR, action="GET /record/download/{id}"
        )

    def upload(self, filename: str, content: bytes, media_type: str = "video/mp4") -> StartedRecording:
        if not content:
            raise ValidationError("the file is empty", field="file", vendor=VENDOR)
        return to_started(self._call("POST", "/record/upload", files={"file": (filename, content, media_type)}))

    # --- servers --------------------------------------------------------------------

    def least_loaded_server(self) -> Server:
        return to_server(self._call("GET", "/server/miniLoad"))

    def room_count(self) -> int:
        return _int(_obj(self._call("GET", "/server/room/num"), "room count"), "num")

    def cpu_load(self) -> list[WorkerLoad]:
        data = _list(self._call("GET", "/server/cpu/load"), "cpu load")
        loads = []
        for item in data:
            item = _obj(item, "worker")
            loads.append(WorkerLoad(_int(item, "workPid"), float(_int(item, "cpu"))))
        return loads

    def recycle_server(self) -> None:
        self._call("POST", "/server/recycle")

    def block_peer(self, peer_id: str) -> None:
        self._call("DELETE", f"/server/block/peer/{_segment(peer_id, 'peerId')}")

    @staticmethod
    def _user(value: str, name: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{name} is required", field=name, vendor=VENDOR)
        return value


def _filename(response: httpx.Response, record_id: str) -> str:
    header = response.headers.get("content-disposition", "")
    if header:
        message = Message()
        message["content-disposition"] = header
        name = message.get_param("filename", header="content-disposition")
        if isinstance(name, str) and name:
            return name
    return record_id
