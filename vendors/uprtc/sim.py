"""A uprtc server (spec 003) in process, over the shared synthetic world.

Each project of the world (`World.apps("uprtc")`) has an AppSecret. Every channel of a
project is a room that exists while someone is in it, with a room id derived from the
channel; rooms created through the API exist until deleted. Peers come from the world's
live sessions: removing one ends their session, and deleting a room ends them all.

Decisions where the spec is silent (the client agrees with each):
- Errors are HTTP 200 with a non-zero `code` (the spec: "所有应答为以下格式"); an unknown
  path is HTTP 404 and a wrong method 405, both with code 10003.
- A room id "belongs to this service" when this simulator issued it (world rooms included).
- The join-enable path is spelt `enbale` as documented; `enable` is accepted too.
- Recording: preparing (1) for 3 s, recording (2) until stopped, then ended (3) for 2 s,
  waiting (4) until 5 s, processing (5) until 10 s, processed (6). Deleting a room while it
  records fails the recording (7). Without `all` or `peers`, a live room records its host
  and a conversation room is refused (10002).
- `/server/recycle` recycles the server that answered, "rtc-1:cluster-1".
- A blocked peer (`/server/block/peer`) is out of every room of the project and cannot join
  one again (50000); a room whose join is disabled refuses new joins (50022), whoever is in
  stays; a conversation room made through the API admits its invitees only (50003). Clients
  join through `join()` (the SDK's side, which the REST API does not cover).
- Messages are kept per room (`Room.messages`), as the room's clients would receive them.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any, Literal, overload

import httpx

from vendors.sim.answer import json_body
from vendors.sim.faults import Faults, bad_gateway
from vendors.sim.guard import answer_internal_errors
from vendors.sim.media import mp4
from vendors.sim.routing import Router
from vendors.sim.world import ROLE_VIEWER, World, _digest

from .client import DEFAULT_MAX_BITRATE, DEFAULT_MIN_BITRATE, PREFIX
from .errors import CODES
from .models import KINDS, RESOLUTIONS, RecordStatus

VENDOR = "uprtc"
DEFAULT_MAX_MEMBERS = 16
ENTRY_SERVER = "rtc-1:cluster-1"
SERVERS = {
    alias: {
        "name": alias.split(":")[0],
        "serverAlias": alias,
        "serverAddress": f"10.8.0.{11 + n}:6017",
        "serverUrl": f"wss://rtc-{n + 1}.uprtc.sim.invalid:6016/s{n + 1}/c1/",
        "serverUrl6": "",
    }
    for n, alias in enumerate(("rtc-1:cluster-1", "rtc-2:cluster-1", "rtc-3:cluster-1"))
}
WORKER_PIDS = (32412, 32413)
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class ApiError(Exception):
    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message or CODES[code][0]


def demo_secret(app_id: str) -> str:
    return f"uprtcSimSecret{app_id}"


def _base62(seed: str, length: int = 7) -> str:
    number = int(_digest(seed), 16)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return "".join(chars)


@dataclass
class Room:
    room_id: str
    app_id: str
    kind: str  # "convo" or "live"
    master_id: str
    server_alias: str
    channel_id: str | None = None  # the world channel behind the room, if any
    explicit: bool = False  # created through the API and not deleted since
    invited: list[str] = field(default_factory=list)
    max_member_num: int = DEFAULT_MAX_MEMBERS
    protocol: int = 0
    min_bitrate: int = DEFAULT_MIN_BITRATE
    max_bitrate: int = DEFAULT_MAX_BITRATE
    joinable_since: int | None = None  # minute join was disabled; None when joinable
    cohosts: dict[str, str] = field(default_factory=dict)
    merged: set[str] = field(default_factory=set)
    mirrors: list[str] = field(default_factory=list)
    paused_tracks: set[str] = field(default_factory=set)
    invitation_code: int = 0
    playback_of: str = ""
    # What the room's clients were sent: {"at", "to" (None: everyone), "body"}, oldest first.
    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SimRecording:
    record_id: str
    app_id: str
    room_id: str
    server_alias: str
    kind: str  # "server", "client" or "upload"
    started: datetime
    stopped: datetime | None = None
    failed: bool = False
    content: bytes = b""
    media_type: str = "video/mp4"
    filename: str = ""

    def status(self, now: datetime) -> RecordStatus:
        if self.failed:
            return RecordStatus.FAILED
        if self.kind == "client":
            return RecordStatus.NOT_RECORDING
        if self.kind == "upload":
            age = (now - self.started).total_seconds()
            return RecordStatus.PROCESSING if age < 3 else RecordStatus.PROCESSED
        if self.stopped is None:
            age = (now - self.started).total_seconds()
            return RecordStatus.PREPARING if age < 3 else RecordStatus.RECORDING
        after = (now - self.stopped).total_seconds()
        if after < 2:
            return RecordStatus.ENDED
        if after < 5:
            return RecordStatus.WAITING_FOR_PROCESSING
        if after < 10:
            return RecordStatus.PROCESSING
        return RecordStatus.PROCESSED

    def active(self, now: datetime) -> bool:
        return self.status(now) in (RecordStatus.PREPARING, RecordStatus.RECORDING)


def _ok(data: Any = None) -> dict[str, Any]:
    return {"code": 0, "data": {} if data is None else data, "msg": ""}


@overload
def _text(body: dict[str, Any], key: str, *, required: Literal[True]) -> str: ...


@overload
def _text(body: dict[str, Any], key: str, *, required: bool = False) -> str | None: ...


def _text(body: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise ApiError(10002, f"{key}不能为空")
        return None
    if not isinstance(value, str):
        raise ApiError(10002, f"{key}必须是字符串")
    return value


def _ids(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ApiError(10002, f"{key}必须是用户ID数组")
    return value


def _number(body: dict[str, Any], key: str, default: int, lo: int, hi: int | None = None) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo or (hi is not None and value > hi):
        raise ApiError(10002, f"{key}无效")
    return value


class UprtcSimulator:
    vendor = VENDOR

    def __init__(self, world: World, *, faults: Faults | None = None) -> None:
        self.world = world
        self.faults = faults or Faults()
        self._lock = threading.RLock()
        self.secrets: dict[str, str] = {demo_secret(app.app_id): app.app_id for app in world.apps(VENDOR)}
        self.rooms: dict[str, Room] = {}
        self.issued: set[str] = set()
        self.recordings: dict[str, SimRecording] = {}
        self.recycled: set[str] = set()
        self.blocked: dict[str, set[str]] = {}
        self.requests_served = 0
        self._counter = 0
        # Ids the service hands out are unique over time, not only within one run of the simulator.
        self._run = uuid.uuid4().hex
        for app in world.apps(VENDOR):
            for channel in app.channels:
                room_id = self.world_room_id(app.app_id, channel.channel_id)
                self.issued.add(room_id)
        self.router = Router()
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("POST", "/room/convo", self._create_convo),
            ("POST", "/room/{roomId}/convo/members", self._add_convo_members),
            ("POST", "/room/{roomId}/message", self._broadcast),
            ("POST", "/room/{roomId}/peers/message/", self._message_peers),
            ("POST", "/room/{roomId}/peers/message", self._message_peers),
            ("DELETE", "/room/{roomId}", self._delete_room),
            ("GET", "/room/{roomId}", self._room_info),
            ("GET", "/room/{roomId}/exist", self._exists),
            ("POST", "/room/{roomId}/join/enbale/{enable}", self._join_enable),
            ("POST", "/room/{roomId}/join/enable/{enable}", self._join_enable),
            ("DELETE", "/room/{roomId}/peer/{peerId}", self._remove_peer),
            ("GET", "/room/{roomId}/peer/{peerId}", self._peer_joined),
            ("POST", "/room/live", self._create_live),
            ("POST", "/room/{roomId}/live/mirror", self._create_mirror),
            ("GET", "/room/{roomId}/live/mirrors", self._mirrors),
            ("POST", "/room/{roomId}/live/member", self._add_cohost),
            ("GET", "/room/{roomId}/live/members", self._cohosts),
            ("DELETE", "/room/{roomId}/live/member/{peerId}", self._remove_cohost),
            ("POST", "/room/{roomId}/live/merge", self._merge),
            ("GET", "/room/{roomId}/live/merge", self._merged),
            ("POST", "/room/{roomId}/live/master/{peerId}/separate", self._separate_self),
            ("POST", "/room/{roomId}/live/separate", self._separate),
            ("POST", "/room/{roomId}/live/{action}/mergeTrack/{trackId}", self._merge_track),
            ("GET", "/room/{roomId}/record/status", self._room_record_status),
            ("GET", "/record/server", self._record_server),
            ("POST", "/record/start", self._start_recording),
            ("POST", "/record/stop/{roomId}", self._stop_recording),
            ("GET", "/record/{recordId}/status", self._recording_status),
            ("POST", "/record/playback", self._playback),
            ("POST", "/record/client/upload", self._client_upload),
            ("GET", "/record/download/{recordId}", self._download),
            ("POST", "/record/upload", self._upload),
            ("GET", "/server/miniLoad", self._mini_load),
            ("GET", "/server/room/num", self._room_num),
            ("GET", "/server/cpu/load", self._cpu_load),
            ("POST", "/server/recycle", self._recycle),
            ("DELETE", "/server/block/peer/{peerId}", self._block_peer),
        ]
        for method, template, handler in routes:
            self.router.add(method, template, handler)

    # --- set-up used by tests, the demo and benchmarks -------------------------------

    def demo_credentials(self) -> dict[str, str]:
        return {"app_secret": demo_secret(self.world.apps(VENDOR)[0].app_id)}

    def demo_app_ids(self, share: int, shares: int) -> list[str]:
        apps = self.world.apps(VENDOR)
        return [apps[share % len(apps)].app_id]

    def demo_channel_ids(self, app_id: str) -> list[str]:
        """The project's rooms, as a console user would look them up by id."""
        app = self.world.app(app_id)
        return [self.world_room_id(app_id, channel.channel_id) for channel in app.channels] if app else []

    def demo_account(self, share: int, shares: int) -> dict[str, str]:
        """One project per demo tenant (a uprtc AppSecret belongs to exactly one project)."""
        apps = self.world.apps(VENDOR)
        return {"app_secret": demo_secret(apps[share % len(apps)].app_id)}

    def world_room_id(self, app_id: str, channel_id: str) -> str:
        return _base62(f"uprtc-room:{app_id}:{channel_id}")

    def join(self, app_id: str, room_id: str, user_id: str, *, role: int | None = None, minutes: int = 30) -> None:
        """A client connects to a room (the SDK's side of uprtc): refused as the server would.

        Raises ApiError 50001 (no such room), 50000 (blocked), 50022 (join disabled),
        50003 (not invited to a conversation room made through the API), 50012 (room full)."""
        with self._lock:
            room = self._room(app_id, room_id)
            if user_id in self.blocked.get(app_id, set()):
                raise ApiError(50000, f"非法客户端连接: {user_id} 已被删除")
            if room.joinable_since is not None:
                raise ApiError(50022)
            present = self._peers(room)
            own_traffic = room.channel_id in (None, room.room_id)  # not a channel of the world
            if room.kind == "convo" and room.explicit and own_traffic:
                if user_id not in room.invited:
                    raise ApiError(50003)
                if room.max_member_num and len(present | {user_id}) > room.max_member_num:
                    raise ApiError(50012)
            if room.channel_id is None:
                room.channel_id = room.room_id  # an API-made room's own traffic
            self.world.join(app_id, room.channel_id, user_id, role=role, minutes=minutes)

    # --- HTTP -----------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        return answer_internal_errors(
            VENDOR, lambda: self._handle(request), lambda: self._json(_error(ApiError(10000, "系统错误")), 500)
        )

    def _handle(self, request: httpx.Request) -> httpx.Response:
        faulty = self.faults.intercept(
            bad_gateway,
            lambda: httpx.Response(
                429, headers={"Retry-After": "1", "Content-Type": "text/plain"}, content=b"Too Many Requests"
            ),
        )
        if faulty is not None:
            return faulty
        path = request.url.path
        if not path.startswith(PREFIX + "/"):
            return self._json(_error(ApiError(10003, "无效请求")), 404)
        found = self.router.match(request.method, path.removeprefix(PREFIX))
        if isinstance(found, str):
            return self._json(_error(ApiError(10003, "无效请求")), 404 if found == "not found" else 405)
        handler, params = found
        try:
            app_id = self._authenticate(request)
            with self._lock:
                self.requests_served += 1
                result = handler(app_id, request, **params)
        except ApiError as exc:
            return self._json(_error(exc), 200)
        if isinstance(result, httpx.Response):
            return result
        return self.faults.garble(self._json(result, 200))

    def _authenticate(self, request: httpx.Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition("=")
        app_id = self.secrets.get(secret) if scheme.strip().lower() == "key" else None
        if app_id is None:
            raise ApiError(10001, "API认证错误: authorization 应为 key=AppSecret")
        return app_id

    @staticmethod
    def _json(body: dict[str, Any], status: int) -> httpx.Response:
        return httpx.Response(
            status,
            headers={"Content-Type": "application/json;charset=utf-8"},
            content=json_body(body),
        )

    @staticmethod
    def _body(request: httpx.Request) -> dict[str, Any]:
        if not request.content:
            return {}
        try:
            body = json.loads(request.content)
        except ValueError:
            raise ApiError(10002, "请求体不是有效的JSON") from None
        if not isinstance(body, dict):
            raise ApiError(10002, "请求体必须是JSON对象")
        return body

    # --- rooms and peers ------------------------------------------------------------

    def _now_minute(self) -> int:
        return self.world.now_minute()

    def _world_room(self, app_id: str, room_id: str) -> Room | None:
        app = self.world.app(app_id)
        if app is None:
            return None
        for channel in app.channels:
            if self.world_room_id(app_id, channel.channel_id) == room_id:
                live = self.world.live_sessions(app_id, channel.channel_id)
                hosts = sorted((s for s in live if s.role != ROLE_VIEWER), key=lambda s: (s.start, s.user_id))
                master = hosts[0].user_id if hosts else app.users[int(_digest(room_id), 16) % len(app.users)]
                room = Room(
                    room_id=room_id,
                    app_id=app_id,
                    kind="live" if channel.profile == 2 else "convo",
                    master_id=master,
                    server_alias=self._place(room_id),
                    channel_id=channel.channel_id,
                    invitation_code=int(_digest(room_id, "code"), 16) % 900_000_000 + 100_000_000,
                )
                self.rooms[room_id] = room
                return room
        return None

    def _room(self, app_id: str, room_id: str, *, kind: str | None = None) -> Room:
        room = self.rooms.get(room_id)
        if room is None:
            room = self._world_room(app_id, room_id)
        if room is None or room.app_id != app_id or not self._exists_now(room):
            raise ApiError(50001, f"没有找到房间 {room_id}")
        if kind and room.kind != kind:
            raise ApiError(10003, "只对直播房间有效" if kind == "live" else "只对会话房间有效")
        return room

    def _exists_now(self, room: Room) -> bool:
        return room.explicit or (room.channel_id is not None and bool(self._sessions(room)))

    def _sessions(self, room: Room) -> list:
        if room.channel_id is None:
            return []
        blocked = self.blocked.get(room.app_id, set())
        found = []
        for session in self.world.live_sessions(room.app_id, room.channel_id):
            if session.user_id in blocked:
                continue
            if room.joinable_since is not None and session.start >= room.joinable_since:
                continue
            found.append(session)
        return found

    def _peers(self, room: Room) -> set[str]:
        return {session.user_id for session in self._sessions(room)}

    def _members(self, room: Room) -> list[str]:
        """memberIds: everyone but the audience (conversation: everyone; live: hosts and co-hosts)."""
        sessions = self._sessions(room)
        if room.kind == "convo":
            return sorted({s.user_id for s in sessions})
        return sorted({s.user_id for s in sessions if s.role != ROLE_VIEWER or s.user_id in room.cohosts})

    def _place(self, room_id: str) -> str:
        usable = [alias for alias in SERVERS if alias not in self.recycled]
        if not usable:
            raise ApiError(50015)
        return usable[int(_digest(room_id, "server"), 16) % len(usable)]

    def _new_room_id(self, app_id: str) -> str:
        while True:
            self._counter += 1
            room_id = _base62(f"uprtc-new:{app_id}:{self._counter}:{self._run}")
            if room_id not in self.issued:
                self.issued.add(room_id)
                return room_id

    def _choose_room_id(self, app_id: str, master_id: str, wanted: str | None) -> str:
        """roomId详解: reuse a free id of this service; a room of another owner gets a new id."""
        if wanted is None:
            return self._new_room_id(app_id)
        existing = self.rooms.get(wanted) or self._world_room(app_id, wanted)
        if existing is not None and existing.app_id == app_id and self._exists_now(existing):
            if existing.master_id == master_id:
                raise ApiError(50002)
            return self._new_room_id(app_id)
        if wanted not in self.issued or (existing is not None and existing.app_id != app_id):
            return self._new_room_id(app_id)  # not this service's id
        return wanted

    def _room_answer(self, room: Room, *, invitation: bool = False) -> dict[str, Any]:
        server = SERVERS[room.server_alias]
        answer: dict[str, Any] = {
            "roomId": room.room_id,
            "serverUrl": server["serverUrl"],
            "serverUrl6": "",
            "serverAddress": server["serverAddress"],
            "serverAlias": server["serverAlias"],
        }
        if invitation:
            answer["invitationCode"] = room.invitation_code
        return answer

    def _new_room(self, app_id: str, kind: str, body: dict[str, Any]) -> Room:
        master = _text(body, "masterId", required=True)
        wanted = _text(body, "roomId")
        protocol = _number(body, "protocol", 0, 0, 3)
        low = _number(body, "minBitrate", DEFAULT_MIN_BITRATE, 1)
        high = _number(body, "maxBitrate", DEFAULT_MAX_BITRATE, 1)
        if low > high:
            raise ApiError(10002, "minBitrate不能大于maxBitrate")
        room_id = self._choose_room_id(app_id, master, wanted)
        previous = self.rooms.get(room_id)
        room = Room(
            room_id=room_id,
            app_id=app_id,
            kind=kind,
            master_id=master,
            server_alias=previous.server_alias if previous else self._place(room_id),
            channel_id=previous.channel_id if previous else None,
            explicit=True,
            protocol=protocol,
            min_bitrate=low,
            max_bitrate=high,
            invitation_code=int(_digest(room_id, "code"), 16) % 900_000_000 + 100_000_000,
        )
        self.rooms[room_id] = room
        return room

    def _create_convo(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        body = self._body(request)
        members = _ids(body, "memberIds")
        max_members = _number(body, "maxMemberNum", DEFAULT_MAX_MEMBERS, 0)
        if max_members and len(set(members) | {body.get("masterId")}) > max_members:
            raise ApiError(50012)
        room = self._new_room(app_id, "convo", body)
        room.invited = sorted(set(members) | {room.master_id})
        room.max_member_num = max_members
        return _ok(self._room_answer(room, invitation=True))

    def _add_convo_members(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="convo")
        members = _ids(self._body(request), "memberIds")
        if not members:
            raise ApiError(10002, "memberIds不能为空")
        invited = set(room.invited) | set(members)
        if room.max_member_num and len(invited) > room.max_member_num:
            raise ApiError(50012)
        room.invited = sorted(invited)
        return _ok()

    def _broadcast(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId)
        room.messages.append({"at": self.world.now().isoformat(), "to": None, "body": self._body(request)})
        return _ok()

    def _message_peers(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId)
        body = self._body(request)
        if not isinstance(body.get("msg"), dict):
            raise ApiError(10002, "msg必须是JSON对象")
        peers = _ids(body, "peers")
        if not peers:
            raise ApiError(10002, "peers不能为空")
        absent = sorted(set(peers) - self._peers(room))
        if absent:
            raise ApiError(50011, f"用户不在房间里: {', '.join(absent)}")
        room.messages.append({"at": self.world.now().isoformat(), "to": sorted(set(peers)), "body": body["msg"]})
        return _ok()

    def _delete_room(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId)
        if room.channel_id:
            self.world.end_channel(app_id, room.channel_id)
        room.explicit = False
        room.cohosts.clear()
        for other_id in list(room.merged):
            other = self.rooms.get(other_id)
            if other:
                other.merged.discard(room.room_id)
        room.merged.clear()
        now = self.world.now()
        for recording in self.recordings.values():
            if recording.room_id == room.room_id and recording.active(now):
                recording.failed = True
        return _ok()

    def _room_info(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId)
        sessions = self._sessions(room)
        answer = self._room_answer(room) | {
            "total": len({s.user_id for s in sessions}),
            "masterId": room.master_id,
            "memberIds": self._members(room),
        }
        if room.kind == "convo":
            invited = set(room.invited) | {s.user_id for s in sessions}  # present users were invited
            answer |= {"invitedUserIds": sorted(invited), "maxMemberNum": room.max_member_num}
        else:
            answer |= {"mergeRoomIds": sorted(room.merged), "mirrorServers": list(room.mirrors)}
        return _ok(answer)

    def _exists(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        try:
            self._room(app_id, roomId)
        except ApiError:
            return _ok({"exist": False})
        return _ok({"exist": True})

    def _join_enable(self, app_id: str, request: httpx.Request, roomId: str, enable: str) -> dict[str, Any]:
        room = self._room(app_id, roomId)
        if enable not in ("true", "false"):
            raise ApiError(10002, "enable必须是true或false")
        if enable == "true":
            room.joinable_since = None
        elif room.joinable_since is None:
            room.joinable_since = self._now_minute() + 1  # whoever is in now stays
        return _ok()

    def _remove_peer(self, app_id: str, request: httpx.Request, roomId: str, peerId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId)
        if room.channel_id is None or peerId not in self._peers(room):
            raise ApiError(50011)
        self.world.kick(app_id, room.channel_id, peerId)
        room.cohosts.pop(peerId, None)
        return _ok()

    def _peer_joined(self, app_id: str, request: httpx.Request, roomId: str, peerId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId)
        return _ok({"joined": peerId in self._peers(room)})

    # --- live rooms -----------------------------------------------------------------

    def _create_live(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        room = self._new_room(app_id, "live", self._body(request))
        return _ok(self._room_answer(room))

    def _create_mirror(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="live")
        body = self._body(request)
        alias = _text(body, "serverAlias", required=True)
        if alias not in SERVERS or alias in self.recycled:
            raise ApiError(10002, f"没有找到服务器 {alias}")
        if alias == room.server_alias:
            raise ApiError(10002, "镜像不能创建在房间所在的服务器上")
        if "pid" in body and body["pid"] not in WORKER_PIDS:
            raise ApiError(50015)
        if alias in room.mirrors:
            raise ApiError(50013)
        room.mirrors.append(alias)
        return _ok()

    def _mirrors(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="live")
        return _ok([SERVERS[alias] for alias in room.mirrors])

    def _add_cohost(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="live")
        body = self._body(request)
        peer = _text(body, "peerId", required=True)
        kind = body.get("kind", "audio")
        if kind not in KINDS:
            raise ApiError(10002, "kind必须是audio或video")
        _number(body, "maxBitrate", DEFAULT_MAX_BITRATE, 1)
        if peer not in self._peers(room):
            raise ApiError(50011)
        if peer in room.cohosts or peer in self._members(room):
            raise ApiError(50006)
        room.cohosts[peer] = kind
        return _ok()

    def _cohosts(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="live")
        return _ok(sorted(room.cohosts))

    def _remove_cohost(self, app_id: str, request: httpx.Request, roomId: str, peerId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="live")
        if room.cohosts.pop(peerId, None) is None:
            raise ApiError(50011)
        return _ok()

    def _other_live(self, app_id: str, body: dict[str, Any]) -> Room:
        other_id = _text(body, "roomId", required=True)
        try:
            return self._room(app_id, other_id, kind="live")
        except ApiError:
            raise ApiError(50010) from None

    def _merge(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="live")
        other = self._other_live(app_id, self._body(request))
        if other.room_id == room.room_id:
            raise ApiError(10002, "不能连接自己")
        if other.room_id in room.merged:
            raise ApiError(50014)
        room.merged.add(other.room_id)
        other.merged.add(room.room_id)
        return _ok()

    def _component(self, room: Room) -> list[Room]:
        seen, todo = {room.room_id}, [room]
        while todo:
            for other_id in todo.pop().merged:
                other = self.rooms.get(other_id)
                if other and other_id not in seen:
                    seen.add(other_id)
                    todo.append(other)
        return [self.rooms[room_id] for room_id in sorted(seen - {room.room_id})]

    def _merged(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="live")
        return _ok(
            [
                {
                    "roomId": other.room_id,
                    "serverAlias": other.server_alias,
                    "serverAddress": SERVERS[other.server_alias]["serverAddress"],
                }
                for other in self._component(room)
            ]
        )

    def _separate_self(self, app_id: str, request: httpx.Request, roomId: str, peerId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="live")
        if peerId != room.master_id:
            raise ApiError(10002, "peerId不是该房间的主播")
        if not room.merged:
            raise ApiError(50010)
        for other_id in room.merged:
            self.rooms[other_id].merged.discard(room.room_id)
        room.merged.clear()
        return _ok()

    def _separate(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId, kind="live")
        other_id = _text(self._body(request), "roomId", required=True)
        if other_id not in room.merged:
            raise ApiError(50010)
        room.merged.discard(other_id)
        self.rooms[other_id].merged.discard(room.room_id)
        return _ok()

    def track_ids(self, room: Room) -> set[str]:
        """Tracks a room can pause: the audio and video of every other host it is connected to."""
        return {f"{other.master_id}-{kind}" for other in self._component(room) for kind in KINDS}

    def _merge_track(self, app_id: str, request: httpx.Request, roomId: str, action: str, trackId: str) -> dict:
        room = self._room(app_id, roomId, kind="live")
        if action not in ("pause", "resume"):
            raise ApiError(10002, "action必须是pause或resume")
        if trackId not in self.track_ids(room):
            raise ApiError(50016)
        if action == "pause":
            room.paused_tracks.add(trackId)
        else:
            room.paused_tracks.discard(trackId)
        return _ok()

    def _room_record_status(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId)
        latest = self._latest_recording(room.room_id)
        return _ok({"status": int(latest.status(self.world.now())) if latest else 0})

    # --- recording ------------------------------------------------------------------

    def _latest_recording(self, room_id: str) -> SimRecording | None:
        found = [r for r in self.recordings.values() if r.room_id == room_id and r.kind == "server"]
        return max(found, key=lambda r: r.started) if found else None

    def _record_server(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        return _ok(SERVERS[self._least_loaded()])

    def _least_loaded(self) -> str:
        usable = [alias for alias in SERVERS if alias not in self.recycled]
        if not usable:
            raise ApiError(50015)
        load = {alias: 0 for alias in usable}
        for room in self.rooms.values():
            if room.server_alias in load and self._exists_now(room):
                load[room.server_alias] += 1
        return min(usable, key=lambda alias: (load[alias], alias))

    def _new_record_id(self) -> str:
        while True:
            self._counter += 1
            record_id = _base62(f"uprtc-record:{self._counter}:{self._run}")
            if record_id not in self.recordings:
                return record_id

    def _start_recording(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        body = self._body(request)
        room = self._room(app_id, _text(body, "roomId", required=True))
        alias = _text(body, "serverAlias")
        if alias is not None and (alias not in SERVERS or alias in self.recycled):
            raise ApiError(50021)
        resolution = body.get("resolution", "720p")
        if resolution not in RESOLUTIONS:
            raise ApiError(10002, "resolution必须是1080p、720p或480p")
        everyone = body.get("all", False)
        if not isinstance(everyone, bool):
            raise ApiError(10002, "all必须是布尔值")
        peers = _ids(body, "peers")
        if not everyone and not peers and room.kind == "convo":
            raise ApiError(10002, "会话房间需要指定peers或all")
        now = self.world.now()
        latest = self._latest_recording(room.room_id)
        if latest is not None and latest.active(now):
            raise ApiError(50020)
        recording = SimRecording(
            record_id=self._new_record_id(),
            app_id=app_id,
            room_id=room.room_id,
            server_alias=alias or self._least_loaded(),
            kind="server",
            started=now,
        )
        self.recordings[recording.record_id] = recording
        server = SERVERS[recording.server_alias]
        return _ok(
            {
                "recordId": recording.record_id,
                "serverAlias": server["serverAlias"],
                "serverAddress": server["serverAddress"],
            }
        )

    def _stop_recording(self, app_id: str, request: httpx.Request, roomId: str) -> dict[str, Any]:
        room = self._room(app_id, roomId)
        latest = self._latest_recording(room.room_id)
        now = self.world.now()
        if latest is None or not latest.active(now):
            raise ApiError(10003, "房间没有在录制")
        latest.stopped = now
        return _ok()

    def _recording(self, app_id: str, record_id: str) -> SimRecording:
        recording = self.recordings.get(record_id)
        if recording is None or recording.app_id != app_id:
            raise ApiError(10002, f"没有找到录制 {record_id}")
        return recording

    def _recording_status(self, app_id: str, request: httpx.Request, recordId: str) -> dict[str, Any]:
        return _ok({"status": int(self._recording(app_id, recordId).status(self.world.now()))})

    def _playback(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        body = self._body(request)
        recording = self.recordings.get(_text(body, "recordId", required=True) or "")
        if recording is None or recording.app_id != app_id:
            raise ApiError(50019)
        if recording.status(self.world.now()) != RecordStatus.PROCESSED:
            raise ApiError(50019, "录像尚未处理完成")
        if _text(body, "serverAlias") not in (None, recording.server_alias):
            raise ApiError(10002, "serverAlias不是录像所在的服务器")
        loop = body.get("loopPlay", False)
        if not isinstance(loop, bool):
            raise ApiError(10002, "loopPlay必须是布尔值")
        if loop and body.get("endTime") is None:
            raise ApiError(10002, "loopPlay为true时必须设置endTime")
        room = self._new_room(app_id, "live", {**body, "masterId": f"playback-{recording.record_id}", "roomId": None})
        room.playback_of = recording.record_id
        return _ok(self._room_answer(room))

    def _client_upload(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        alias = self._least_loaded()
        recording = SimRecording(self._new_record_id(), app_id, "", alias, "client", self.world.now())
        self.recordings[recording.record_id] = recording
        server = SERVERS[alias]
        return _ok(
            {
                "recordId": recording.record_id,
                "serverUrl": f"{server['serverUrl']}record?recordId={recording.record_id}",
                "serverAlias": alias,
                "serverAddress": server["serverAddress"],
            }
        )

    def _download(self, app_id: str, request: httpx.Request, recordId: str) -> httpx.Response:
        recording = self.recordings.get(recordId)
        if recording is None or recording.app_id != app_id:
            raise ApiError(50019)
        if recording.status(self.world.now()) != RecordStatus.PROCESSED:
            raise ApiError(50019, "录像文件尚未生成")
        if recording.content:
            content, media_type, name = recording.content, recording.media_type, recording.filename
        else:
            seconds = ((recording.stopped or recording.started) - recording.started).total_seconds()
            content, media_type, name = mp4(seconds, recording.record_id), "video/mp4", f"{recording.record_id}.mp4"
        return httpx.Response(
            200,
            headers={"Content-Type": media_type, "Content-Disposition": f'attachment; filename="{name}"'},
            content=content,
        )

    def _upload(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            raise ApiError(10002, "需要multipart/form-data")
        message = BytesParser(policy=email_policy).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.content
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "file":
                data = part.get_payload(decode=True)
                if not isinstance(data, bytes) or not data:
                    break
                alias = self._least_loaded()
                recording = SimRecording(
                    self._new_record_id(),
                    app_id,
                    "",
                    alias,
                    "upload",
                    self.world.now(),
                    content=data,
                    media_type=part.get_content_type(),
                    filename=part.get_filename() or "upload",
                )
                self.recordings[recording.record_id] = recording
                return _ok(
                    {
                        "recordId": recording.record_id,
                        "serverAlias": alias,
                        "serverAddress": SERVERS[alias]["serverAddress"],
                    }
                )
        raise ApiError(10002, "缺少file")

    # --- servers --------------------------------------------------------------------

    def _mini_load(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        return _ok(SERVERS[self._least_loaded()])

    def _project_rooms(self, app_id: str) -> list[Room]:
        app = self.world.app(app_id)
        for channel in app.channels if app else ():
            room_id = self.world_room_id(app_id, channel.channel_id)
            if room_id not in self.rooms:
                self._world_room(app_id, room_id)
        return [room for room in self.rooms.values() if room.app_id == app_id and self._exists_now(room)]

    def _room_num(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        return _ok({"num": len(self._project_rooms(app_id))})

    def _cpu_load(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        rooms = len(self._project_rooms(app_id))
        rng = random.Random(_digest(app_id, self._now_minute()))
        return _ok(
            [
                {"workPid": pid, "cpu": min(95, 3 + 4 * rooms // len(WORKER_PIDS) + rng.randrange(5))}
                for pid in WORKER_PIDS
            ]
        )

    def _recycle(self, app_id: str, request: httpx.Request) -> dict[str, Any]:
        self.recycled.add(ENTRY_SERVER)
        return _ok()

    def _block_peer(self, app_id: str, request: httpx.Request, peerId: str) -> dict[str, Any]:
        self.blocked.setdefault(app_id, set()).add(peerId)
        for room in self._project_rooms(app_id):
            if room.channel_id:
                self.world.kick(app_id, room.channel_id, peerId)
        return _ok()


def _error(exc: ApiError) -> dict[str, Any]:
    return {"code": exc.code, "data": None, "msg": exc.message}
