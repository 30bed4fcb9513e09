"""anyRTC cloud recording (spec 002) in process, over the shared synthetic world.

Customers authenticate with HTTP Basic; each owns some of the world's anyRTC apps. A
channel name is a world channel of the app; its publishers are the world's live sessions.

Decisions where the spec is silent (the client agrees with each):
- Errors are `{"code": N, "reason": "..."}` with HTTP 400 (404 for a finished recording);
  gateway errors are `{"message": "..."}`: 401 "Invalid authentication credentials",
  400 "invalid appid", 404 "no Route matched with those values", 429 "API rate limit
  exceeded" (10 requests per second per App ID, with Retry-After).
- Status over time after start: 0, 1, 2, 3 and 4 one second apart, 5 once a file is
  uploaded (6 s in, if anyone publishes). After stop: 6, 7, 8 two seconds each, then 501
  until 10 s, then 404. A storage bucket the storage vendor refuses (`rejected_buckets`)
  makes the recorder exit abnormally (20) at 4 s.
- With nobody publishing for maxIdleTime seconds the recorder leaves by itself.
- stop answers 206 when nobody published during the recording; `uploadingStatus` is
  "uploaded" with a storageConfig and "backuped" without one (files wait in anyRTC's backup).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from vendors.sim.answer import json_body
from vendors.sim.faults import Faults
from vendors.sim.guard import answer_internal_errors
from vendors.sim.routing import Router
from vendors.sim.world import World

from . import rules
from .client import RATE_LIMIT_PER_SECOND
from .models import Status

VENDOR = "anyrtc"
DEMO_CUSTOMER_ID = "anyrtcSimCustomer"
DEMO_CUSTOMER_SECRET = "anyrtcSimCustomerSecret2021"

RESOURCE_LIFETIME = timedelta(minutes=5)
PREFIX = "/v1/apps/{appid}/cloud_recording"


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def code_error(code: int, reason: str, status: int = 400) -> ApiError:
    return ApiError(status, {"code": code, "reason": reason})


@dataclass
class Customer:
    secret: str
    app_ids: set[str]


@dataclass
class Resource:
    resource_id: str
    app_id: str
    cname: str
    uid: str
    acquired: datetime
    expired_hours: int
    sid: str = ""


@dataclass
class Session:
    sid: str
    resource_id: str
    app_id: str
    cname: str
    uid: str
    mode: str
    request: dict[str, Any]
    started: datetime
    expired_hours: int
    stopped: datetime | None = None
    stop_called: bool = False
    published: bool = False
    publishers: set[str] = field(default_factory=set)
    idle_since: datetime | None = None
    layout: dict[str, Any] = field(default_factory=dict)
    updates: int = 0

    @property
    def recording_config(self) -> dict[str, Any]:
        return self.request.get("recordingConfig", {})


def _token(*parts: object, length: int = 48) -> str:
    raw = hashlib.sha512(":".join(map(str, parts)).encode()).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:length]


class AnyRtcSimulator:
    vendor = VENDOR

    def __init__(self, world: World, *, faults: Faults | None = None) -> None:
        self.world = world
        self.faults = faults or Faults()
        self._lock = threading.RLock()
        apps = {app.app_id for app in world.apps(VENDOR)}
        self.customers: dict[str, Customer] = {DEMO_CUSTOMER_ID: Customer(DEMO_CUSTOMER_SECRET, apps)}
        self.recording_disabled: set[str] = set()
        self.rejected_buckets: set[str] = {"rejected-bucket"}
        self.resources: dict[str, Resource] = {}
        self.sessions: dict[str, Session] = {}
        self._requests: dict[str, deque[float]] = {}
        self._counter = 0
        self.requests_served = 0
        self.router = Router()
        for method, template, handler in (
            ("POST", "/acquire", self._acquire),
            ("POST", "/resourceid/{resourceid}/mode/{mode}/start", self._start),
            ("POST", "/resourceid/{resourceid}/sid/{sid}/mode/{mode}/update", self._update),
            ("POST", "/resourceid/{resourceid}/sid/{sid}/mode/{mode}/updateLayout", self._update_layout),
            ("GET", "/resourceid/{resourceid}/sid/{sid}/mode/{mode}/query", self._query),
            ("POST", "/resourceid/{resourceid}/sid/{sid}/mode/{mode}/stop", self._stop),
        ):
            self.router.add(method, PREFIX + template, handler)

    # --- set-up used by tests, the demo and benchmarks -------------------------------

    def demo_credentials(self) -> dict[str, str]:
        return {"customer_id": DEMO_CUSTOMER_ID, "customer_secret": DEMO_CUSTOMER_SECRET}

    def demo_app_ids(self, share: int, shares: int) -> list[str]:
        return [app.app_id for app in self.world.apps(VENDOR)[share::shares]]

    def demo_channel_ids(self, app_id: str) -> list[str]:
        """The world's channels of the app: what a demo user would record."""
        app = self.world.app(app_id)
        return [channel.channel_id for channel in app.channels] if app else []

    def demo_account(self, share: int, shares: int) -> dict[str, str]:
        customer_id = f"anyrtcSimCustomer{share}of{shares}"
        secret = f"anyrtcSimSecret{share}of{shares}"
        apps = {app.app_id for app in self.world.apps(VENDOR)[share::shares]}
        with self._lock:
            self.customers[customer_id] = Customer(secret, apps)
        return {"customer_id": customer_id, "customer_secret": secret}

    # --- HTTP -----------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        return answer_internal_errors(
            VENDOR,
            lambda: self._handle(request),
            # The spec's status table: "500 服务器内部错误,无法完成请求。"
            lambda: self._json(500, {"code": 500, "reason": "Internal Server Error"}),
        )

    def _handle(self, request: httpx.Request) -> httpx.Response:
        faulty = self.faults.intercept(
            lambda: self._json(504, {"message": "An invalid response was received from the upstream server"}),
            lambda: self._json(429, {"message": "API rate limit exceeded"}, {"Retry-After": "1"}),
        )
        if faulty is not None:
            return faulty
        try:
            customer = self._authenticate(request)
            found = self.router.match(request.method, request.url.path)
            if isinstance(found, str):
                raise ApiError(404, {"message": "no Route matched with those values"})
            handler, params = found
            app_id = params.pop("appid")
            with self._lock:
                if app_id not in customer.app_ids:
                    raise ApiError(400, {"message": "invalid appid"})
                self._throttle(app_id)
                self.requests_served += 1
                body = self._body(request) if request.method == "POST" else {}
                status, answer = handler(app_id, body, **params)
        except ApiError as exc:
            return self._json(exc.status, exc.body, exc.headers)
        return self.faults.garble(self._json(status, answer))

    def _authenticate(self, request: httpx.Request) -> Customer:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        refused = ApiError(401, {"message": "Invalid authentication credentials"})
        if scheme.lower() != "basic":
            raise refused
        try:
            customer_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise refused from None
        customer = self.customers.get(customer_id)
        if customer is None or customer.secret != secret:
            raise refused
        return customer

    def _throttle(self, app_id: str) -> None:
        now = self.world.now().timestamp()
        recent = self._requests.setdefault(app_id, deque())
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        if len(recent) >= RATE_LIMIT_PER_SECOND:
            raise ApiError(429, {"message": "API rate limit exceeded"}, {"Retry-After": "1"})
        recent.append(now)

    @staticmethod
    def _body(request: httpx.Request) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "").replace(" ", "").lower()
        if not content_type.startswith("application/json"):
            raise code_error(8, "Content-type must be application/json;charset=utf-8")
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            raise code_error(8, "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise code_error(8, "the body is not a JSON object")
        return body

    @staticmethod
    def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.Response(
            status,
            headers={"Content-Type": "application/json;charset=utf-8", **(headers or {})},
            content=json_body(body),
        )

    # --- the world ------------------------------------------------------------------

    def _publishers(self, app_id: str, cname: str) -> set[str]:
        return {s.user_id for s in self.world.live_sessions(app_id, cname) if s.publishes}

    def _advance(self, session: Session) -> None:
        """Bring a running session up to now: who published, idle exit, storage failure."""
        now = self.world.now()
        if session.stopped is not None:
            return
        publishers = self._publishers(session.app_id, session.cname)
        if publishers:
            session.published = True
            session.publishers |= publishers
            session.idle_since = None
        else:
            session.idle_since = session.idle_since or now
            idle = timedelta(seconds=session.recording_config.get("maxIdleTime", 30))
            if now - session.idle_since >= idle:
                session.stopped = session.idle_since + idle

    def status(self, session: Session) -> Status | None:
        """Status now, or None once the session is over (query answers 404)."""
        self._advance(session)
        now = self.world.now()
        if self._storage_refused(session):
            failed_at = session.started + timedelta(seconds=4)
            if now >= failed_at:
                return Status.ABNORMAL_EXIT if now < failed_at + timedelta(seconds=10) else None
        if session.stopped is None:
            age = (now - session.started).total_seconds()
            if age < 4:
                return Status(int(age))
            if age >= 6 and session.published and self._makes_files(session):
                return Status.FIRST_FILE_UPLOADED
            return Status.RECORDER_READY
        after = (now - session.stopped).total_seconds()
        if after < 2:
            return Status.STOPPED
        if after < 4:
            return Status.ALL_STOPPED
        if after < 6:
            return Status.EXITING
        return None

    def _storage_refused(self, session: Session) -> bool:
        return session.request.get("storageConfig", {}).get("bucket") in self.rejected_buckets

    @staticmethod
    def _makes_files(session: Session) -> bool:
        return "snapshotConfig" not in session.request

    def _expired(self, session: Session) -> bool:
        return self.world.now() > session.started + timedelta(hours=session.expired_hours)

    # --- handlers -------------------------------------------------------------------

    def _acquire(self, app_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        problem = rules.check_acquire(body)
        if problem:
            raise code_error(problem.code, problem.message)
        if app_id in self.recording_disabled:
            raise code_error(62, "cloud recording is not enabled for this App ID")
        self._counter += 1
        hours = body.get("clientRequest", {}).get("resourceExpiredHour", 72)
        resource_id = _token("resource", app_id, body["cname"], body["uid"], self._counter, length=172)
        self.resources[resource_id] = Resource(resource_id, app_id, body["cname"], body["uid"], self.world.now(), hours)
        return 200, {"resourceId": resource_id}

    def _resource(self, app_id: str, resource_id: str) -> Resource:
        resource = self.resources.get(resource_id)
        if resource is None:
            raise code_error(1001, "failed to decrypt the resource ID")
        if resource.app_id != app_id:
            raise code_error(1003, "App ID does not match the resource ID")
        return resource

    def _start(self, app_id: str, body: dict[str, Any], resourceid: str, mode: str) -> tuple[int, dict[str, Any]]:
        resource = self._resource(app_id, resourceid)
        if resource.sid:
            raise code_error(7, "recording already in progress with this resource ID")
        if self.world.now() - resource.acquired > RESOURCE_LIFETIME:
            raise code_error(433, "the resource ID has expired: acquire a new one")
        problem = rules.check_start(mode, body)
        if problem:
            raise code_error(problem.code, problem.message)
        if (body["cname"], body["uid"]) != (resource.cname, resource.uid):
            raise code_error(432, "cname or uid does not match the resource ID")
        for other in self.sessions.values():
            if (other.app_id, other.cname, other.uid) == (app_id, resource.cname, resource.uid) and self.status(
                other
            ) not in (None, Status.STOPPED, Status.ALL_STOPPED, Status.EXITING, Status.ABNORMAL_EXIT):
                raise code_error(53, "a recording with this channel and uid is already in progress")
        self._counter += 1
        sid = hashlib.md5(f"{resourceid}:{self._counter}".encode(), usedforsecurity=False).hexdigest()
        resource.sid = sid
        request = body["clientRequest"]
        session = Session(
            sid,
            resourceid,
            app_id,
            resource.cname,
            resource.uid,
            mode,
            request,
            self.world.now(),
            resource.expired_hours,
            layout=request.get("recordingConfig", {}).get("transcodingConfig", {}),
        )
        self.sessions[sid] = session
        self._advance(session)
        return 200, {"resourceId": resourceid, "sid": sid}

    def _session(self, app_id: str, resourceid: str, sid: str, mode: str) -> Session:
        resource = self._resource(app_id, resourceid)
        session = self.sessions.get(sid)
        if session is None or resource.sid != sid:
            raise code_error(1003, "sid does not match the resource ID")
        if mode != session.mode:
            raise code_error(432, "mode does not match the recording")
        if self._expired(session):
            raise code_error(404, "the resource has expired (resourceExpiredHour)", 404)
        return session

    def _update(
        self, app_id: str, body: dict[str, Any], resourceid: str, sid: str, mode: str
    ) -> tuple[int, dict[str, Any]]:
        session = self._session(app_id, resourceid, sid, mode)
        self._check_identity(session, body)
        problem = rules.check_update(body, session.recording_config.get("streamTypes", 2))
        if problem:
            raise code_error(problem.code, problem.message)
        self._require_running(session)
        subscribe = body["clientRequest"]["streamSubscribe"]
        config = session.recording_config
        for kind in ("Audio", "Video"):
            lists = subscribe.get(f"{kind.lower()}UidList")
            if lists:
                config.pop(f"subscribe{kind}Uids", None)
                config.pop(f"unSubscribe{kind}Uids", None)
                config.update(lists)
        session.updates += 1
        return 200, {"resourceId": resourceid, "sid": sid}

    def _update_layout(
        self, app_id: str, body: dict[str, Any], resourceid: str, sid: str, mode: str
    ) -> tuple[int, dict[str, Any]]:
        problem = rules.check_update_layout(mode, body)
        if problem:
            raise code_error(problem.code, problem.message)
        session = self._session(app_id, resourceid, sid, mode)
        self._check_identity(session, body)
        self._require_running(session)
        # Every call replaces the layout: what is left out returns to its default.
        session.layout = {"mixedVideoLayout": 0, "backgroundColor": "#000000", **body["clientRequest"]}
        return 200, {"resourceId": resourceid, "sid": sid}

    def _check_identity(self, session: Session, body: dict[str, Any]) -> None:
        if (body.get("cname"), body.get("uid")) != (session.cname, session.uid):
            raise code_error(432, "cname or uid does not match the resource ID")

    def _require_running(self, session: Session) -> None:
        status = self.status(session)
        if status is None or status in (Status.STOPPED, Status.ALL_STOPPED, Status.EXITING, Status.ABNORMAL_EXIT):
            raise code_error(404, "the recording is not running", 404)

    def _server_response(self, session: Session, *, stopping: bool = False) -> dict[str, Any]:
        server: dict[str, Any] = {}
        start_ms = int(session.started.timestamp() * 1000)
        if "extensionServiceConfig" in session.request:
            name = f"{session.sid}_{session.cname}.m3u8"
            server["extensionServiceState"] = [
                {
                    "serviceName": rules.VOD_SERVICE,
                    "payload": {
                        "state": "inProgress" if session.published else "idle",
                        "videoInfo": [{"fileName": name, "videoId": _token("vod", session.sid, length=32)}]
                        if session.published
                        else [],
                    },
                }
            ]
            server["subServiceStatus"] = {
                "recordingService": "serviceCompleted"
                if stopping
                else ("serviceInProgress" if session.published else "serviceReady")
            }
            return server
        if self._makes_files(session):
            if session.mode == "mix":
                server["fileListMode"] = "string"
                server["fileList"] = f"{session.sid}_{session.cname}.m3u8" if session.published else ""
            else:
                server["fileListMode"] = "json"
                server["fileList"] = [
                    self._file(session, uid, start_ms) for uid in sorted(self._recorded_uids(session))
                ]
        server["sliceStartTime"] = start_ms
        return server

    def _recorded_uids(self, session: Session) -> set[str]:
        """Publishers the subscription lists take in. A list for one kind only means none of the other."""
        config = session.recording_config
        any_list = {
            kind: f"subscribe{kind}Uids" in config or f"unSubscribe{kind}Uids" in config for kind in ("Audio", "Video")
        }

        def takes(uid: str, kind: str, other: str) -> bool:
            chosen, refused = config.get(f"subscribe{kind}Uids"), config.get(f"unSubscribe{kind}Uids")
            if chosen is not None:
                return rules.ALL_STREAMS in chosen or uid in chosen
            if refused is not None:
                return uid not in refused
            return not any_list[other]

        return {uid for uid in session.publishers if takes(uid, "Audio", "Video") or takes(uid, "Video", "Audio")}

    def _file(self, session: Session, uid: str, start_ms: int) -> dict[str, Any]:
        track = {0: "audio", 1: "video"}.get(session.recording_config.get("streamTypes", 2), "audio_and_video")
        return {
            "filename": f"{session.sid}_{session.cname}__uid_s_{uid}__uid_e_{track}.m3u8",
            "trackType": track,
            "uid": uid,
            "mixedAllUser": False,
            "isPlayable": True,
            "sliceStartTime": start_ms,
        }

    def _query(
        self, app_id: str, body: dict[str, Any], resourceid: str, sid: str, mode: str
    ) -> tuple[int, dict[str, Any]]:
        session = self._session(app_id, resourceid, sid, mode)
        status = self.status(session)
        if status is None:
            if session.stopped and self.world.now() - session.stopped < timedelta(seconds=10):
                raise code_error(501, "the recording service is exiting")
            raise code_error(404, "the recording has finished", 404)
        server = self._server_response(session)
        if "extensionServiceConfig" not in session.request:
            server["status"] = int(status)
        return 200, {"resourceId": resourceid, "sid": sid, "serverResponse": server}

    def _stop(
        self, app_id: str, body: dict[str, Any], resourceid: str, sid: str, mode: str
    ) -> tuple[int, dict[str, Any]]:
        session = self._session(app_id, resourceid, sid, mode)
        self._check_identity(session, body)
        if session.stop_called:
            raise code_error(49, "stop was already called for this resource ID and sid")
        self._advance(session)
        now = self.world.now()
        if session.stopped is not None and now - session.stopped >= timedelta(seconds=10):
            raise code_error(404, "the recording has finished", 404)
        session.stop_called = True
        if session.stopped is None:
            session.stopped = now
        server = self._server_response(session, stopping=True)
        if "extensionServiceConfig" not in session.request:
            server["uploadingStatus"] = "uploaded" if "storageConfig" in session.request else "backuped"
        return (200 if session.published else 206), {"resourceId": resourceid, "sid": sid, "serverResponse": server}
