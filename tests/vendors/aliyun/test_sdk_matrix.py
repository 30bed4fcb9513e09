"""Every one of the 20 actions through each of Alibaba's Python SDK flavours, against the
simulator over loopback HTTP: accepted, and read by the SDK's own models with values of the
types they declare and nothing dropped.

Flavours:
- alibabacloud-rtc20180111 5.x (current) with its default ACS3-HMAC-SHA256 signature, and
  with signature_algorithm="v2" (signature 1.0);
- aliyun-python-sdk-core over POST and over GET (CommonRequest: aliyun-python-sdk-rtc has no
  request class for half of the 20);
- release 1.0.0 of alibabacloud-rtc20180111 (all 20 modelled), in an interpreter of its own
  (sdk_release_1_0_0.py), installed hash-checked from requirements-sdk-1.0.0.txt into var/sdk/.

5.x no longer models five of the 20 (DescribeRtcChannelUserList, UpdateChannel,
DescribeRtcChannelCntData, DescribeRtcPeakUserCntData, UpdateMPULayout) and
aliyun-python-sdk-core has no models at all: those calls go through the SDK's generic call,
and the answer is read by the models of the newest release that has them (1.0.0).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alibabacloud_rtc20180111 import models as rtc_models
from alibabacloud_rtc20180111.client import Client as RtcClient
from alibabacloud_tea_openapi import utils_models as open_api_models
from alibabacloud_tea_openapi.utils import Utils
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from darabonba.runtime import RuntimeOptions

from tests.vendors.aliyun.sdk_models import ACTION_METHODS, reading, unread
from tests.vendors.conftest import WALL_CLOCK_WORLD
from vendors.aliyun.client import API_VERSION, AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.http import RetryPolicy
from vendors.sim.server import SimServer
from vendors.sim.world import ROLE_COMMUNICATION, World

ROOT = Path(__file__).resolve().parents[3]
RELEASE_1_0_0 = Path(__file__).with_name("requirements-sdk-1.0.0.txt")
FLAVOURS = ["current-acs3", "current-v2", "core-post", "core-get", "release-1.0.0"]


# --- the simulator, and what it answered ------------------------------------------------


@dataclass
class Live:
    sim: AliyunSimulator
    host: str
    own_client: AliyunRtcClient  # the project's client, for setting the scene
    answers: list[tuple[str, Any]] = field(default_factory=list)  # (action, JSON body) as sent
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app_id(self) -> str:
        return self.sim.world.apps("aliyun")[0].app_id

    def last_answer(self, action: str) -> Any:
        with self.lock:
            return next(body for name, body in reversed(self.answers) if name == action)


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    """Real clock: the SDKs stamp requests with the wall clock."""
    sim = AliyunSimulator(World(WALL_CLOCK_WORLD))
    own = AliyunRtcClient(
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        base_url="http://rtc.sim.invalid",
        transport=httpx.MockTransport(sim.handle),
        retry=RetryPolicy.never(),
    )
    state: dict[str, Live] = {}

    def recording(request: httpx.Request) -> httpx.Response:
        response = sim.handle(request)
        action = request.headers.get("x-acs-action") or request.url.params.get("Action")
        if not action and request.method == "POST":
            action = dict(httpx.QueryParams(request.content.decode())).get("Action", "")
        body = json.loads(response.content) if response.content.startswith(b"{") else response.content.decode()
        with state["live"].lock:
            state["live"].answers.append((action or "", body))
        return response

    with SimServer(recording) as server:
        state["live"] = Live(sim, server.base_url.removeprefix("http://"), own)
        yield state["live"]


# --- release 1.0.0 in its own interpreter -------------------------------------------------


def _install_release_1_0_0() -> Path:
    """Installed once per version of the requirements file (its hash names the folder)."""
    digest = hashlib.sha256(RELEASE_1_0_0.read_bytes()).hexdigest()[:16]
    target = ROOT / "var" / "sdk" / f"alibabacloud-rtc20180111-1.0.0-{digest}"
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=target.parent))
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps"]
    command += ["--no-build-isolation", "--target", str(scratch), "-r", str(RELEASE_1_0_0)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        pytest.fail(f"could not install {RELEASE_1_0_0.name}: {done.stderr[-2000:]}")
    try:
        scratch.rename(target)
    except OSError:  # another run finished first
        shutil.rmtree(scratch, ignore_errors=True)
    return target


@pytest.fixture(scope="module")
def release_1_0_0() -> Iterator[Callable[[dict[str, Any]], dict[str, Any]]]:
    target = _install_release_1_0_0()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.vendors.aliyun.sdk_release_1_0_0"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert worker.stdin and worker.stdout
    assert json.loads(worker.stdout.readline()) == {"ready": "1.0.0"}

    def ask(message: dict[str, Any]) -> dict[str, Any]:
        assert worker.stdin and worker.stdout
        worker.stdin.write(json.dumps(message) + "\n")
        worker.stdin.flush()
        return json.loads(worker.stdout.readline())

    yield ask
    worker.stdin.close()
    worker.wait(timeout=30)


# --- the scene each action needs, and its parameters -----------------------------------------


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT00:00:00Z")


def _usage_window() -> dict[str, str]:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=6)
    return {"StartTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "EndTime": end.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _busy_channel(live: Live) -> str:
    """A channel with records today (the wall-clock world is busy at any hour)."""
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    record = next(iter(live.own_client.iter_rtc_channel_list(day, app_id=live.app_id)))
    return record.channel_id


def _someone_in(live: Live, channel: str, user: str) -> None:
    live.sim.world.join(live.app_id, channel, user, role=ROLE_COMMUNICATION)


def _task(live: Live, tag: str) -> str:
    task_id = f"matrix-{tag}-{len(live.answers)}"
    channel = f"mpu-{tag}"
    _someone_in(live, channel, "host")
    live.own_client.start_mpu_task(
        live.app_id,
        channel,
        task_id,
        stream_url=f"rtmp://live.example.com/app/{task_id}",
        media_encode=20,
        task_profile="4IN_720P",
        layout_ids=[1],
    )
    return task_id


def scene(action: str, live: Live, tag: str) -> dict[str, Any]:
    """Set up what `action` needs in the simulator; the parameters to send, by API name."""
    app = live.app_id
    if action == "DescribeApps":
        return {"PageNum": 1, "PageSize": 10}
    if action == "ModifyApp":
        return {"AppId": app, "AppName": f"Renamed by {tag}"}
    if action in ("DeleteChannel", "RemoveTerminals", "DescribeChannelParticipants", "DescribeUserInfoInChannel"):
        channel = f"{action[:8].lower()}-{tag}"
        _someone_in(live, channel, "alice")
        _someone_in(live, channel, "bob")
        params: dict[str, Any] = {"AppId": app, "ChannelId": channel}
        extra = {
            "RemoveTerminals": {"TerminalIds": ["alice", "nobody-here"]},
            "DescribeChannelParticipants": {"PageNum": 1, "PageSize": 10, "Order": "asc"},
            "DescribeUserInfoInChannel": {"UserId": "alice"},
        }
        return params | extra.get(action, {})
    if action == "DescribeChannelUsers":
        channel = f"users-{tag}"
        _someone_in(live, channel, "carol")
        return {"AppId": app, "ChannelId": channel}
    if action == "DescribeRtcChannelUserList":
        return {"AppId": app, "ChannelId": _busy_channel(live), "TimePoint": _today(), "PageNo": 1, "PageSize": 5}
    if action == "DescribeRtcChannelList":
        return {"AppId": app, "TimePoint": _today(), "PageNo": 1, "PageSize": 5, "SortType": "desc"}
    if action == "DescribeRtcChannelMetric":
        return {"AppId": app, "ChannelId": _busy_channel(live), "TimePoint": _today()}
    if action == "UpdateChannel":
        channel = _busy_channel(live)
        return {"AppId": app, "ChannelId": channel, "Nonce": live.sim.channel_nonce(app, channel)}
    if action.startswith("DescribeRtc") and action.endswith("Data"):
        return {"AppId": app, "Interval": "3600", "ServiceArea": "CN"} | _usage_window()
    if action == "StartMPUTask":
        channel = f"mpu-{tag}"
        _someone_in(live, channel, "host")
        task_id = f"matrix-start-{tag}"
        return {
            "AppId": app,
            "ChannelId": channel,
            "TaskId": task_id,
            "StreamURL": f"rtmp://live.example.com/app/{task_id}",
            "MediaEncode": 20,
            "TaskProfile": "4IN_720P",
            "LayoutIds": [1],
            "UserPanes": [{"PaneId": 0, "UserId": "host", "SourceType": "camera"}],
        }
    if action in ("GetMPUTaskStatus", "StopMPUTask"):
        return {"AppId": app, "TaskId": _task(live, tag)}
    if action == "UpdateMPULayout":
        return {"AppId": app, "TaskId": _task(live, tag), "LayoutIds": [2], "CropMode": 1}
    raise AssertionError(f"no scene for {action}")


def flat(params: dict[str, Any]) -> dict[str, str]:
    """The wire form: lists as Name.N, list items' fields as Name.N.Field."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, list):
            for n, item in enumerate(value, 1):
                if isinstance(item, dict):
                    out.update({f"{key}.{n}.{name}": str(v) for name, v in item.items()})
                else:
                    out[f"{key}.{n}"] = str(item)
        else:
            out[key] = str(value)
    return out


# --- the flavours -----------------------------------------------------------------------------


def _generic_params(action: str) -> open_api_models.Params:
    return open_api_models.Params(
        action=action,
        version=API_VERSION,
        protocol="HTTPS",  # the config's http wins, as for the generated methods
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )


def read_by_newest_model(action: str, raw: Any, ask_1_0_0: Callable[[dict[str, Any]], dict[str, Any]]) -> dict:
    """The current SDK's model where it has one, else release 1.0.0's."""
    body_class = getattr(rtc_models, f"{action}ResponseBody", None)
    if body_class is not None:
        return reading(body_class().from_map(raw), raw)
    parsed = ask_1_0_0({"op": "parse", "action": action, "body": raw})
    assert "error" not in parsed, parsed
    return {**parsed, "unread": unread(raw, parsed["map"])}


def call_current(live: Live, action: str, params: dict[str, Any], ask_1_0_0, **config: Any) -> dict:
    client = RtcClient(
        open_api_models.Config(
            access_key_id=DEMO_ACCESS_KEY_ID,
            access_key_secret=DEMO_ACCESS_KEY_SECRET,
            endpoint=live.host,
            protocol="http",
            **config,
        )
    )
    method = getattr(client, ACTION_METHODS[action], None)
    if method is not None:
        body = method(getattr(rtc_models, f"{action}Request")().from_map(params)).body
        return reading(body, live.last_answer(action))
    request = open_api_models.OpenApiRequest(query=Utils.query(flat(params)))
    raw = client.call_api(_generic_params(action), request, RuntimeOptions())["body"]
    return read_by_newest_model(action, raw, ask_1_0_0)


def call_core(live: Live, action: str, params: dict[str, Any], ask_1_0_0, *, method: str) -> dict:
    client = AcsClient(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, "cn-hangzhou", auto_retry=False)
    request = CommonRequest(domain=live.host, version=API_VERSION, action_name=action)
    request.set_protocol_type("http")
    request.set_method(method)
    request.set_accept_format("json")
    for key, value in flat(params).items():
        if method == "POST":
            request.add_body_params(key, value)
        else:
            request.add_query_param(key, value)
    raw = json.loads(client.do_action_with_exception(request))
    return read_by_newest_model(action, raw, ask_1_0_0)


def call_release_1_0_0(live: Live, action: str, params: dict[str, Any], ask_1_0_0) -> dict:
    message = {
        "op": "call",
        "endpoint": live.host,
        "key": DEMO_ACCESS_KEY_ID,
        "secret": DEMO_ACCESS_KEY_SECRET,
        "action": action,
        "params": params,
    }
    parsed = ask_1_0_0(message)
    assert "error" not in parsed, parsed
    return {**parsed, "unread": unread(live.last_answer(action), parsed["map"])}


def call(flavour: str, live: Live, action: str, params: dict[str, Any], ask_1_0_0) -> dict:
    if flavour == "current-acs3":
        return call_current(live, action, params, ask_1_0_0)
    if flavour == "current-v2":
        return call_current(live, action, params, ask_1_0_0, signature_algorithm="v2")
    if flavour in ("core-post", "core-get"):
        return call_core(live, action, params, ask_1_0_0, method=flavour.removeprefix("core-").upper())
    return call_release_1_0_0(live, action, params, ask_1_0_0)


# --- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(ACTION_METHODS))
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_sdk_flavour_sends_the_action_and_reads_the_answer(live: Live, release_1_0_0, flavour: str, action: str):
    served = live.sim.requests_served
    params = scene(action, live, flavour.replace(".", "_"))
    result = call(flavour, live, action, params, release_1_0_0)
    assert live.sim.requests_served > served, "the simulator answered nothing"
    assert result["model"] == f"{action}ResponseBody"
    assert result["type_problems"] == []
    assert result["unread"] == []
    answer = live.last_answer(action)
    assert isinstance(answer, dict) and "Code" not in answer, answer
    assert answer["RequestId"]


def test_the_matrix_reaches_state_the_actions_change(live: Live, release_1_0_0):
    """Not only accepted: the simulator did what was asked (a kick, a rename, a new nonce)."""
    params = scene("RemoveTerminals", live, "state")
    call("current-acs3", live, "RemoveTerminals", params, release_1_0_0)
    terminals = live.last_answer("RemoveTerminals")["Terminals"]["Terminal"]
    assert [(t["Id"], t["Code"]) for t in terminals] == [("alice", 0), ("nobody-here", 34013465)]
    assert "alice" not in {s.user_id for s in live.sim.world.live_sessions(live.app_id, params["ChannelId"])}

    params = scene("UpdateChannel", live, "state")
    call("release-1.0.0", live, "UpdateChannel", params, release_1_0_0)
    fresh = live.last_answer("UpdateChannel")["Nonce"]
    assert live.sim.channel_nonce(live.app_id, params["ChannelId"]) == fresh != params["Nonce"]

    params = scene("DescribeRtcPeakUserCntData", live, "state")
    call("current-acs3", live, "DescribeRtcPeakUserCntData", params, release_1_0_0)
    rows = live.last_answer("DescribeRtcPeakUserCntData")["PeakUserCntDataPerInterval"]["PeakUserCntModule"]
    assert len(rows) == 6 and all("ActiveUserPeak" in row for row in rows)
