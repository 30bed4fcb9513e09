"""Serve a simulator's `handle(httpx.Request) -> httpx.Response` over real loopback HTTP."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]
STATS_PATH = "/__sim__/stats"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


def _make_request_handler(handle: Handler) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        server: _QuietServer
        protocol_version = "HTTP/1.1"  # keep-alive, as the vendors offer
        # Headers and body leave in two writes; with Nagle on, the second waits for the
        # client's delayed ACK (40 ms on Linux), which would dwarf any latency we model.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path.startswith(STATS_PATH):
                self._answer_stats()
                return
            self.server.traffic.arrived()
            host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
            request = httpx.Request(
                self.command,
                f"http://{host}{self.path}",
                headers=list(self.headers.items()),
                content=body,
            )
            try:
                response = handle(request)
            except httpx.TransportError:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            finally:
                # Out of flight before the answer leaves: a client's next request, on any
                # connection, then never meets this one still counted.
                self.server.traffic.left()
            content = response.content
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        def _answer_stats(self) -> None:
            if self.command == "POST":
                self.server.traffic.reset()
            content = json.dumps(self.server.traffic.as_dict()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return RequestHandler


class Traffic:
    """What arrived at a simulator: for tests and benchmarks that watch it from another
    process (`GET /__sim__/stats`; `POST` also resets). Not part of any vendor's API."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.arrivals: list[float] = []
        # Requests being answered now, and the most there were at once since the last reset:
        # concurrency shown by a count, whatever the machine's speed.
        self.in_flight = 0
        self.most_in_flight = 0

    def arrived(self) -> None:
        with self._lock:
            self.arrivals.append(time.time())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def left(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def reset(self) -> None:
        with self._lock:
            self.arrivals = []
            self.most_in_flight = self.in_flight

    def as_dict(self) -> dict[str, object]:
        with self._lock:
            return {
                "requests": len(self.arrivals),
                "arrivals": list(self.arrivals),
                "most_in_flight": self.most_in_flight,
            }


class _QuietServer(ThreadingHTTPServer):
    server_address: tuple[str, int]  # IPv4 loopback
    traffic: Traffic

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        # A client that hung up (a killed worker, a timeout) is routine, not a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SimServer:
    """A simulator on a loopback port, in a background thread."""

    def __init__(self, handle: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._httpd = _QuietServer((host, port), _make_request_handler(handle))
        self._httpd.daemon_threads = True
        self._httpd.traffic = Traffic()
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

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
