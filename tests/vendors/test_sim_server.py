"""The simulators' loopback HTTP server: what a client sends reaches the simulator as httpx would
have built it, answers come back as HTTP/1.1 with keep-alive, and it counts what arrives and how
much of it at once."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendors.sim.query import parse_query
from vendors.sim.server import SimServer, build_request, request_url

SIGNED = (
    "/?Action=DescribeChannelUsers&Version=2018-01-11&Format=JSON&AccessKeyId=LTAI5tSimDemoAccessKey"
    "&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=781ff64929234ffb8af944664d1cd830"
    "&Timestamp=2026-12-01T19%3A23%3A39Z&AppId=87c55507&ChannelId=lobby-001&Signature=CTrCl7a45VIo%2BMGuf5pal7HFnJA%3D"
)
TARGETS = [
    SIGNED,
    "/",
    "/?",
    "/?a",
    "/?a=&b=1&&c",
    "/uprtc/api/v2/rooms/room-1/peers?page=2",
    "/openapi/v1/rtcLive/getMediaEndpoint",
    "/path%2Fwith%zzodd%escapes?q=%E4%B8%AD&r=100%",
    "/with space?q=a b",  # httpx quotes these: taken through httpx
    "/中文?名=值",
    "/a/./b/../c?x=1",
    "/a/.hidden?x=.",
    '/q?x=<b>&y="z"&w=`{}`',
    "/frag?x=1#part",
    "//double/slash?x=1",
    "/p?x=!$&'()*+,;=:@/?~",
]
HOSTS = ["127.0.0.1:46693", "localhost:8000", "RTC.Sim.Invalid", "rtc.aliyuncs.com:80", "[::1]:8080", "127.0.0.1"]


def parts(url: httpx.URL) -> tuple[object, ...]:
    return (str(url), url.scheme, url.host, url.port, url.path, url.query, url.raw_path, url.fragment, url.params)


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("target", TARGETS)
def test_request_url_is_the_url_httpx_parses(host: str, target: str) -> None:
    expected = httpx.URL(f"http://{host}{target}")
    url = request_url(host, target)
    assert parts(url) == parts(expected)
    assert url == expected


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40))
def test_request_url_matches_httpx_for_any_printable_target(tail: str) -> None:
    target = "/" + tail
    assert parts(request_url("127.0.0.1:9", target)) == parts(httpx.URL(f"http://127.0.0.1:9{target}"))


@pytest.mark.parametrize("target", ["/bad\x01target", "/?x=\x7f"])
def test_request_url_refuses_what_httpx_refuses(target: str) -> None:
    with pytest.raises(httpx.InvalidURL):
        httpx.URL(f"http://127.0.0.1:9{target}")
    with pytest.raises(httpx.InvalidURL):
        request_url("127.0.0.1:9", target)


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE", "POST", "PUT", "PATCH"])
@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("Host", "h:1"), ("Accept", "*/*")],
        [("Accept", "*/*"), ("content-length", "3")],
        [("HOST", "h:1"), ("Transfer-Encoding", "chunked"), ("X-Twice", "1"), ("X-Twice", "2")],
        [("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"), ("x-acs-date", "2026-12-01T19:23:39Z")],
    ],
)
@pytest.mark.parametrize("body", [b"", b"a=1"])
def test_build_request_is_the_request_httpx_builds(method: str, headers: list[tuple[str, str]], body: bytes) -> None:
    url = httpx.URL("http://127.0.0.1:9/?x=1")
    expected = httpx.Request(method, url, headers=headers, content=body)
    request = build_request(method, url, headers, body)
    assert (request.method, request.url, request.content) == (expected.method, expected.url, expected.content)
    assert request.headers.raw == expected.headers.raw


@given(st.text(alphabet="ab=&%+2FE4中 ", max_size=30))
def test_parse_query_is_parse_qsl_keeping_blank_values(query: str) -> None:
    assert parse_query(query) == parse_qsl(query, keep_blank_values=True)


def echo(request: httpx.Request) -> httpx.Response:
    seen = {
        "method": request.method,
        "url": str(request.url),
        "headers": [[name, value] for name, value in request.headers.multi_items()],
        "body": request.content.decode(),
    }
    return httpx.Response(200, headers={"Content-Type": "application/json"}, json=seen)


@pytest.fixture
def server():
    with SimServer(echo) as running:
        yield running


def connect(server: SimServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(server.base_url.removeprefix("http://"), timeout=5)


def test_the_simulator_sees_the_request_httpx_would_build(server: SimServer) -> None:
    response = httpx.post(server.base_url + SIGNED, content=b"a=1&b=2", headers={"X-Custom": "yes"})
    seen = response.json()
    host = server.base_url.removeprefix("http://")
    assert seen["method"] == "POST"
    assert seen["url"] == f"http://{host}{SIGNED}"
    assert seen["body"] == "a=1&b=2"
    headers = {name.lower(): value for name, value in seen["headers"]}
    assert headers["host"] == host and headers["x-custom"] == "yes" and headers["content-length"] == "7"


def test_keep_alive_serves_several_requests_on_one_connection(server: SimServer) -> None:
    connection = connect(server)
    for n in range(3):
        connection.request("GET", f"/?n={n}")
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["url"].endswith(f"/?n={n}")
        assert response.getheader("Connection") is None and not response.will_close
    connection.close()


def raw_exchange(server: SimServer, request: bytes) -> bytes:
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):  # the server closes: the whole answer, then EOF
            received += chunk
    return received


def test_http_1_0_and_connection_close_end_the_connection(server: SimServer) -> None:
    for request in (b"GET /?x=1 HTTP/1.0\r\n\r\n", b"GET /?x=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"):
        answer = raw_exchange(server, request)
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"}")


def test_head_answers_the_length_without_a_body(server: SimServer) -> None:
    response = httpx.head(server.base_url + "/thing")
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) > 0


def test_every_answer_has_one_date_and_a_server_header(server: SimServer) -> None:
    response = httpx.get(server.base_url + "/")
    assert len(response.headers.get_list("date")) == 1 and response.headers["server"]


def test_a_body_sent_after_100_continue_is_read(server: SimServer) -> None:
    host = server.base_url.removeprefix("http://")
    answer = raw_exchange(
        server,
        f"POST /up HTTP/1.1\r\nHost: {host}\r\nExpect: 100-continue\r\nContent-Length: 5\r\n"
        "Connection: close\r\n\r\nhello".encode(),
    )
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    assert json.loads(answer.split(b"\r\n\r\n", 2)[2])["body"] == "hello"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NONSENSE\r\n\r\n", b"400"),
        (b"OPTIONS / HTTP/1.1\r\nHost: h\r\n\r\n", b"501"),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nContent-Length: many\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n", b"431"),
    ],
)
def test_unreadable_requests_are_refused_and_the_connection_closed(
    server: SimServer, request_bytes: bytes, status: bytes
) -> None:
    answer = raw_exchange(server, request_bytes)
    assert answer.startswith(b"HTTP/1.1 " + status + b" ")


def test_stats_count_arrivals_and_post_resets_them(server: SimServer) -> None:
    httpx.get(server.base_url + "/one")
    httpx.get(server.base_url + "/two")
    assert httpx.get(server.base_url + "/__sim__/stats").json()["requests"] == 2
    assert httpx.post(server.base_url + "/__sim__/stats").json()["requests"] == 0
    httpx.get(server.base_url + "/three")
    stats = httpx.get(server.base_url + "/__sim__/stats").json()
    assert stats["requests"] == 1 and len(stats["arrivals"]) == 1


def test_profiling_collects_the_handlers_calls() -> None:
    with SimServer(echo, profile=True) as profiled:
        httpx.get(profiled.base_url + "/?x=1")
        stats = profiled.profile_stats()
    assert stats is not None
    assert any(function == "echo" for _, _, function in stats.stats)  # type: ignore[attr-defined]


def stats_of(server: SimServer) -> dict:
    return httpx.get(server.base_url + "/__sim__/stats").json()


def test_requests_one_after_another_are_never_two_in_flight() -> None:
    with SimServer(lambda request: httpx.Response(200, text="ok")) as server, httpx.Client() as client:
        for _ in range(5):
            assert client.get(server.base_url + "/anything").text == "ok"
        counted = stats_of(server)
    assert counted["requests"] == 5 and len(counted["arrivals"]) == 5
    assert counted["most_in_flight"] == 1
    assert server.traffic.in_flight == 0


def test_requests_held_together_are_counted_in_flight_together() -> None:
    # Each answer waits until three requests are inside the handler: they overlap for certain.
    together = threading.Barrier(3, timeout=30)

    def handle(request: httpx.Request) -> httpx.Response:
        together.wait()
        return httpx.Response(200, text="ok")

    with SimServer(handle) as server, ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: httpx.get(server.base_url + "/x", timeout=30).text, range(3)))
        counted = stats_of(server)
        reset = httpx.post(server.base_url + "/__sim__/stats").json()
        after_reset = stats_of(server)
    assert answers == ["ok"] * 3
    assert counted["requests"] == 3 and counted["most_in_flight"] == 3
    assert reset["most_in_flight"] == 0 and after_reset == {"requests": 0, "arrivals": [], "most_in_flight": 0}
