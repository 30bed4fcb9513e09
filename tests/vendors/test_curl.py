"""The lean libcurl path (vendors/base/curl.py) that Aliyun's signed GETs take over the network:
connections kept alive, one handle per thread, the call's name before every attempt, the
vendor's own error answers read as through httpx."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pycurl
import pytest

from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.errors import RateLimitedError, UnavailableError
from vendors.base.http import HttpSettings, RetryPolicy
from vendors.sim.faults import Faults
from vendors.sim.server import SimServer

FAST = RetryPolicy(attempts=3, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0)


NEVER = RetryPolicy.never()


def over_network(base_url: str, clock, *, retry=NEVER, **settings) -> AliyunRtcClient:
    return AliyunRtcClient(
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        base_url=base_url,
        clock=clock,
        retry=retry,
        http=HttpSettings(**settings),
    )


@pytest.fixture
def served(world) -> Iterator[tuple[AliyunSimulator, str]]:
    sim = AliyunSimulator(world)
    with SimServer(sim.handle) as server:
        yield sim, server.base_url


def test_calls_over_the_network_take_the_curl_path_and_reuse_one_connection(served, clock):
    sim, base_url = served
    with over_network(base_url, clock) as client:
        assert client._getter is not None
        for _ in range(3):
            assert client.describe_apps().total == len(sim.world.apps("aliyun"))
        handle = client._getter._handle()
        assert handle.getinfo(pycurl.NUM_CONNECTS) == 0  # the last call opened no new connection


def test_the_call_name_reaches_the_hook_before_every_attempt(world, clock):
    names: list[str] = []
    sim = AliyunSimulator(world, faults=Faults(error_rate=1.0, seed=1))
    with (
        SimServer(sim.handle) as server,
        over_network(server.base_url, clock, retry=FAST, before_request=names.append) as client,
        pytest.raises(UnavailableError),
    ):
        client.describe_apps()
    assert names == ["DescribeApps"] * FAST.attempts


def test_threads_each_get_their_own_handle_and_all_calls_answer(served, clock):
    sim, base_url = served
    app_id = sim.world.apps("aliyun")[0].app_id
    channel_id = sim.world.apps("aliyun")[0].channels[0].channel_id
    with over_network(base_url, clock) as client:
        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(lambda _: client.describe_channel_users(app_id, channel_id), range(60)))
        assert {r.channel_id for r in results} == {channel_id}
        assert 1 < len(client._getter._handles) <= 6
        client.close()
        assert client._getter._handles == []


class Throttling(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = json.dumps({"Code": "Throttling.User", "Message": "Request was denied", "RequestId": "R-42"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Retry-After", "7")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_the_vendors_error_body_status_and_retry_after_are_read(clock):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with (
            over_network(f"http://127.0.0.1:{server.server_port}", clock) as client,
            pytest.raises(RateLimitedError) as info,
        ):
            client.describe_apps()
    finally:
        server.shutdown()
    assert (info.value.code, info.value.request_id, info.value.retry_after) == ("Throttling.User", "R-42", 7.0)
    assert info.value.http_status == 400


class CutShortThenWhole(BaseHTTPRequestHandler):
    """The first answer ends before its Content-Length (the connection drops mid-body); the
    next ones are whole, with a Retry-After given twice in different case."""

    protocol_version = "HTTP/1.1"
    served = 0

    def do_GET(self) -> None:
        type(self).served += 1
        body = json.dumps({"RequestId": f"R-{self.served}", "TotalNum": 0, "AppList": {"App": []}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("retry-after", "1")
        self.send_header("Retry-After ", " 2 ")
        if self.served == 1:
            self.send_header("Content-Length", str(len(body) + 50))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_call_cut_short_is_unreachable_and_leaves_nothing_for_the_next(clock):
    server = ThreadingHTTPServer(("127.0.0.1", 0), CutShortThenWhole)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with over_network(f"http://127.0.0.1:{server.server_port}", clock) as client:
            with pytest.raises(UnavailableError) as info:
                client.describe_apps()
            assert info.value.code == "Unreachable"
            page = client.describe_apps()  # the same handle and buffers
            answer = client._getter.get("/", name="GET /")
    finally:
        server.shutdown()
    assert page.request_id == "R-2" and page.items == ()
    assert json.loads(answer.content)["RequestId"] == "R-3"
    assert (answer.status_code, answer.content_type, answer.retry_after) == (200, "application/json", "2")
