"""Serve a simulator's `handle(httpx.Request) -> httpx.Response` over real loopback HTTP.

One thread per connection (a handler that sleeps to model latency holds only its own
connection), HTTP/1.1 keep-alive. The request line and headers are read here rather than by
http.server (whose email-based header parser and per-header writes cost more CPU than most
simulators spend answering), and the httpx.Request is built without httpx parsing the long
signed URL again in Python when the target needs no normalising (`request_url`).
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import json
import pstats
import re
import socket
import socketserver
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import httpx

from .query import http_date

Handler = Callable[[httpx.Request], httpx.Response]
STATS_PATH = "/__sim__/stats"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}
METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
MAX_LINE = 65536  # http.server's limits: a longer request line is 414, a longer header line 431
MAX_HEADERS = 100
MAX_ARRIVALS = 100_000  # arrival times kept for /__sim__/stats: about 3 MB at most
SERVER_NAME = "vendors.sim"
REASONS = {status.value: status.phrase for status in HTTPStatus}

# What httpx leaves as it is in a path and in a query (its _urlparse PATH_SAFE / QUERY_SAFE
# with the unreserved characters; "%" is kept literally by both).
_PATH_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"#<>?`{}')
_QUERY_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"#<>')
_PLAIN_TARGET = re.compile(f"/[{re.escape(_PATH_CHARS)}]*(?:\\?[{re.escape(_QUERY_CHARS)}]*)?")
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")


@functools.lru_cache(maxsize=64)
def _origin(host: str) -> httpx.URL | None:
    """`http://{host}/`, parsed once per Host header; None where the host needs httpx each time."""
    if not _PLAIN_HOST.fullmatch(host):
        return None
    try:
        return httpx.URL(f"http://{host}/")
    except httpx.InvalidURL:
        return None


def request_url(host: str, target: str) -> httpx.URL:
    """`httpx.URL(f"http://{host}{target}")`, equal to it in every part.

    httpx validates and re-quotes a URL character by character in Python; a signed Aliyun
    query (300-odd characters, a dozen %XX escapes) cost more to parse than to answer. A
    target of characters httpx keeps as they are, without dot segments, needs none of that:
    its path and query are taken as they come, beside the host parsed once.
    """
    origin = _origin(host)
    if origin is None or len(target) > MAX_LINE or "/." in target or not _PLAIN_TARGET.fullmatch(target):
        return httpx.URL(f"http://{host}{target}")
    path, question, query = target.partition("?")
    url = httpx.URL(origin)
    url._uri_reference = origin._uri_reference._replace(path=path, query=query if question else None)
    return url


def build_request(method: str, url: httpx.URL, headers: list[tuple[str, str]], body: bytes) -> httpx.Request:
    """`httpx.Request(method, url, headers=headers, content=body)`, headers for headers.

    Given the body as a stream, httpx neither encodes it nor rebuilds the headers a second
    time; the two it would add (Host when the client sent none, Content-Length: 0 for a POST,
    PUT or PATCH without a length) are added here, first, as httpx adds them."""
    names = {name.lower() for name, _ in headers}
    added = []
    if "host" not in names and url.host:
        added.append(("Host", url.netloc.decode("ascii")))
    if body and "content-length" not in names:
        headers = [*headers, ("Content-Length", str(len(body)))]
    elif not body and not names & {"content-length", "transfer-encoding"} and method in ("POST", "PUT", "PATCH"):
        added.append(("Content-Length", "0"))
    request = httpx.Request(method, url, headers=added + headers if added else headers, stream=httpx.ByteStream(body))
    request.read()
    return request


class Traffic:
    """What arrived at a simulator: for tests and benchmarks that watch it from another
    process (`GET /__sim__/stats`; `POST` also resets). Not part of any vendor's API."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        # The newest arrivals only: a demo left running for days answers millions of requests.
        self.arrivals: deque[float] = deque(maxlen=MAX_ARRIVALS)
        # Requests being answered now, and the most there were at once since the last reset:
        # concurrency shown by a count, whatever the machine's speed.
        self.in_flight = 0
        self.most_in_flight = 0

    def arrived(self) -> None:
        with self._lock:
            self.requests += 1
            self.arrivals.append(time.time())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def left(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.arrivals.clear()
            self.most_in_flight = self.in_flight

    def as_dict(self) -> dict[str, object]:
        with self._lock:
            return {
                "requests": self.requests,
                "arrivals": list(self.arrivals),
                "most_in_flight": self.most_in_flight,
            }


class _Refused(Exception):
    """A request this server cannot read: answered with `status` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Connection(socketserver.StreamRequestHandler):
    """One client connection: requests read and answered in turn until either side closes."""

    server: _QuietServer
    # Headers and body leave in one write, but with Nagle on a second small write would wait
    # for the client's delayed ACK (40 ms on Linux), which would dwarf any latency we model.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        profiler = self.server.profiler_for_thread()
        keep_alive = True
        while keep_alive:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                return
            if profiler:
                profiler.enable()
            try:
                keep_alive = self._serve(line)
            except _Refused as refused:
                self._send(refused.status, [("Content-Type", "text/plain")], str(refused).encode(), head=False)
                return
            finally:
                if profiler:
                    profiler.disable()

    def _serve(self, line: bytes) -> bool:
        """Read the rest of one request, answer it; whether the connection stays open."""
        if len(line) > MAX_LINE:
            raise _Refused(414, "Request-URI Too Long")
        words = line.decode("iso-8859-1").split()
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            raise _Refused(400, f"Bad request syntax ({line.strip()!r})")
        method, target, version = words
        headers = self._read_headers()
        connection = ""
        host = length = None
        expect_continue = False
        for name, value in headers:
            lower = name.lower()
            if lower == "host":
                host = host or value
            elif lower == "content-length":
                length = value
            elif lower == "connection":
                connection = value.lower()
            elif lower == "expect":
                expect_continue = value.lower() == "100-continue"
        # http.server's rules: HTTP/1.1 stays open unless told to close; 1.0 only when asked.
        keep_alive = connection != "close" and (version >= "HTTP/1.1" or connection == "keep-alive")
        if method not in METHODS:
            raise _Refused(501, f"Unsupported method ({method!r})")
        if expect_continue and version >= "HTTP/1.1":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            body = self.rfile.read(int(length)) if length and int(length) > 0 else b""
        except ValueError:
            raise _Refused(400, "Bad Content-Length") from None
        if target.startswith(STATS_PATH):
            self._answer_stats(method)
            return keep_alive
        self.server.traffic.arrived()
        host = host or "{}:{}".format(*self.server.server_address[:2])
        request = build_request(method, request_url(host, target), headers, body)
        try:
            response = self.server.handle(request)
        except httpx.TransportError:  # an injected drop: close without answering
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return False
        finally:
            # Out of flight before the answer leaves: a client's next request, on any
            # connection, then never meets this one still counted.
            self.server.traffic.left()
        sent = [(name, value) for name, value in response.headers.items() if name.lower() not in HOP_BY_HOP]
        self._send(response.status_code, sent, response.content, head=method == "HEAD")
        return keep_alive

    def _read_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise _Refused(431, "Line too long")
            if line in (b"\r\n", b"\n", b""):
                return headers
            if len(headers) >= MAX_HEADERS:
                raise _Refused(431, "Too many headers")
            text = line.decode("iso-8859-1")
            if text[0] in " \t" and headers:  # an obsolete folded continuation
                name, value = headers.pop()
                headers.append((name, f"{value} {text.strip()}"))
                continue
            name, colon, value = text.partition(":")
            if not colon:
                raise _Refused(400, "Bad header line")
            headers.append((name.strip(), value.strip()))

    def _send(self, status: int, headers: list[tuple[str, str]], content: bytes, *, head: bool) -> None:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, '')}", f"Server: {SERVER_NAME}"]
        if not any(name.lower() == "date" for name, _ in headers):
            lines.append(f"Date: {http_date(time.time())}")
        lines.extend(f"{name}: {value}" for name, value in headers)
        lines.append(f"Content-Length: {len(content)}")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head_bytes if head else head_bytes + content)

    def _answer_stats(self, method: str) -> None:
        if method == "POST":
            self.server.traffic.reset()
        content = json.dumps(self.server.traffic.as_dict()).encode()
        self._send(200, [("Content-Type", "application/json")], content, head=False)


class _QuietServer(socketserver.ThreadingTCPServer):
    server_address: tuple[str, int]  # IPv4 loopback
    allow_reuse_address = True
    daemon_threads = True
    # socketserver listens with a backlog of 5: a poller opening a hundred connections at
    # once saw SYNs dropped and retried a second later (or timed out).
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], handle: Handler, *, profile: bool) -> None:
        super().__init__(address, _Connection)
        self.handle = handle
        self.traffic = Traffic()
        self.profiling = profile
        self.profilers: list[cProfile.Profile] = []
        self._profilers_lock = threading.Lock()

    def profiler_for_thread(self) -> cProfile.Profile | None:
        """A profiler of this connection's thread, when profiling (cProfile sees one thread)."""
        if not self.profiling:
            return None
        profiler = cProfile.Profile(time.thread_time)  # CPU: waits for the GIL or a socket are not cost
        with self._profilers_lock:
            self.profilers.append(profiler)
        return profiler

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        # A client that hung up (a killed worker, a timeout) is routine, not a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SimServer:
    """A simulator on a loopback port, in a background thread.

    With `profile=True` every request is profiled (cProfile, per connection thread) and
    `profile_stats()` gives the sum, for `python -m vendors.sim --profile FILE`."""

    def __init__(self, handle: Handler, host: str = "127.0.0.1", port: int = 0, *, profile: bool = False) -> None:
        self._httpd = _QuietServer((host, port), handle, profile=profile)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SimServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="sim-server", daemon=True
        )
        self._thread.start()
        return self

    @property
    def traffic(self) -> Traffic:
        return self._httpd.traffic

    def profile_stats(self) -> pstats.Stats | None:
        with self._httpd._profilers_lock:
            profilers = list(self._httpd.profilers)
        if not profilers:
            return None
        stats = pstats.Stats(profilers[0])
        for profiler in profilers[1:]:
            stats.add(profiler)
        return stats

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
