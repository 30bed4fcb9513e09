"""The lean path for high-volume vendor calls: libcurl through pycurl.

Live membership polls and usage windows are small signed GETs sent thousands of times a
minute. Through httpx, most of a call's CPU went into building and validating the request
URL and headers in Python (about 0.5 ms per call, on par with Alibaba's own SDKs); libcurl
does the same work in C and keeps each connection alive. bench/aliyun_client.py prints the
difference against the official SDKs.

One easy handle per thread (libcurl handles are not thread-safe; the live poller calls from
a thread pool), each keeping its own connections. Every new connection passes the outbound
policy at the moment libcurl opens the socket, on the very address it is about to dial, so
a name that resolves differently later (DNS rebinding) cannot slip through; TLS verifies the
host name against the certifi bundle, as httpx does. Redirects are not followed.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urlsplit

import certifi
import pycurl

from .errors import UnavailableError
from .outbound import OutboundPolicy, is_public, origin_of

transport_log = logging.getLogger("vendors.transport")


@dataclass(frozen=True, slots=True)
class RawResponse:
    status_code: int
    content: bytes
    content_type: str
    retry_after: str | None


class CurlGetter:
    """Sends GET requests to one origin; what a vendor client uses instead of httpx for its
    hottest calls when no test transport is injected."""

    def __init__(
        self,
        base_url: str,
        *,
        vendor: str,
        timeout: float,
        connect_timeout: float,
        user_agent: str,
        outbound: OutboundPolicy | None,
        before_request: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.vendor = vendor
        self._host = urlsplit(base_url).hostname or ""
        self._origin = origin_of(base_url)
        self._timeout_ms = int(timeout * 1000)
        self._connect_timeout_ms = int(connect_timeout * 1000)
        self._user_agent = user_agent
        self._outbound = outbound
        self._before_request = before_request
        self._local = threading.local()
        self._handles: list[pycurl.Curl] = []
        self._lock = threading.Lock()

    def get(self, target: str, *, name: str) -> RawResponse:
        """GET base_url + target (path and already-encoded query). `name` is what logs and rate
        limits call the request (the action)."""
        if self._before_request is not None:
            self._before_request(name)
        local = self._local
        try:
            handle = local.handle
        except AttributeError:
            handle = self._handle()
        body, head = local.body, local.head
        handle.setopt(pycurl.URL, self.base_url + target)
        try:
            handle.perform()
            content = body.getvalue()
            headers = head.getvalue()
        except pycurl.error as exc:
            # The same words for every failure before an answer (see http.send): refused,
            # reset, timed out and not-allowed addresses must not be told apart by the user.
            transport_log.info("%s curl error %s: %s", self.vendor, *exc.args)
            raise UnavailableError(
                f"could not reach {self.vendor} at {self._host}: no answer", vendor=self.vendor, code="Unreachable"
            ) from None
        finally:
            # The buffers serve this thread's next call: emptied now, so a failed call leaves
            # nothing behind and an answer is not kept alive until then.
            body.seek(0)
            body.truncate()
            head.seek(0)
            head.truncate()
        content_type = handle.getinfo_raw(pycurl.CONTENT_TYPE)
        return RawResponse(
            status_code=handle.getinfo(pycurl.RESPONSE_CODE),
            content=content,
            content_type=content_type.decode("latin-1") if content_type else "",
            # Looked for only when there is one: most answers have none.
            retry_after=header_value(headers, "retry-after") if b"retry-after" in headers.lower() else None,
        )

    def close(self) -> None:
        with self._lock:
            handles, self._handles = self._handles, []
        for handle in handles:
            handle.close()

    def _handle(self) -> pycurl.Curl:
        """This thread's handle, created on its first call with the buffers it writes into."""
        local = self._local
        handle = getattr(local, "handle", None)
        if handle is None:
            handle = self._new_handle()
            local.body, local.head = BytesIO(), BytesIO()
            handle.setopt(pycurl.WRITEFUNCTION, local.body.write)
            handle.setopt(pycurl.HEADERFUNCTION, local.head.write)
            local.handle = handle
            with self._lock:
                self._handles.append(handle)
        return handle

    def _new_handle(self) -> pycurl.Curl:
        handle = pycurl.Curl()
        handle.setopt(pycurl.TIMEOUT_MS, self._timeout_ms)
        handle.setopt(pycurl.CONNECTTIMEOUT_MS, self._connect_timeout_ms)
        handle.setopt(pycurl.USERAGENT, self._user_agent)
        handle.setopt(pycurl.FOLLOWLOCATION, 0)
        handle.setopt(pycurl.NOSIGNAL, 1)  # timeouts without SIGALRM: safe in threads
        handle.setopt(pycurl.CAINFO, certifi.where())
        handle.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        handle.setopt(pycurl.HTTPHEADER, ["Accept: */*", "Expect:"])
        if self._outbound is not None:
            handle.setopt(pycurl.OPENSOCKETFUNCTION, self._open_socket)
        return handle

    def _open_socket(self, purpose: int, address: tuple) -> socket.socket | int:
        """libcurl's hook for every socket it opens: refuse addresses the policy does not allow."""
        family, socktype, protocol, sockaddr = address
        ip = sockaddr[0]
        assert self._outbound is not None
        if not (is_public(ip) or self._origin in self._outbound.allowed_private):
            transport_log.warning("outbound connection to %s:%s refused: %s is not a public address", *self._origin, ip)
            return pycurl.SOCKET_BAD
        return socket.socket(family, socktype, protocol)


def header_value(raw_headers: bytes, name: str) -> str | None:
    """The last value of header `name` (lower case) in a response's header lines, stripped."""
    value = None
    for line in raw_headers.decode("latin-1").split("\n"):
        key, sep, rest = line.partition(":")
        if sep and key.strip().lower() == name:
            value = rest.strip()
    return value
