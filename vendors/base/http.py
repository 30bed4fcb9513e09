"""The one place vendor HTTP clients are built and calls are retried.

Every client gets a timeout, connection reuse, a user agent and, optionally, an injected
transport (a simulator in process, or a recording transport in tests). Retries use
stamina: exponential backoff with jitter, only for transient errors, only for calls the
caller marks idempotent. Signing happens inside the retried block, so each attempt carries
a fresh nonce and timestamp.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Self, TypeVar

import httpx
import stamina

from .curl import CurlGetter, RawResponse
from .errors import (
    AuthenticationError,
    ErrorOrigin,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
    VendorError,
    is_transient,
)
from .observe import observed
from .outbound import OutboundPolicy, guarded_transport

USER_AGENT = "rtc-dashboard/0.1 (+httpx)"
transport_log = logging.getLogger("vendors.transport")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HttpSettings:
    timeout: float = 10.0
    connect_timeout: float = 5.0
    max_connections: int = 20
    user_agent: str = USER_AGENT
    # Called with the call's name (see call_name) before every request is sent, retries
    # included: rate limiting, counting and logging.
    before_request: Callable[[str], None] | None = None
    # Where real connections may go (private networks refused unless allowed); None: anywhere.
    outbound: OutboundPolicy | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try transient failures. `attempts=1` disables retrying."""

    attempts: int = 4
    total_timeout: float = 30.0
    wait_initial: float = 0.2
    wait_max: float = 5.0
    wait_jitter: float = 0.5

    @classmethod
    def never(cls) -> RetryPolicy:
        return cls(attempts=1)


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: building one costs tens of milliseconds of CPU
    (it loads the CA bundle), far more than the request it would serve."""
    return httpx.create_ssl_context()


def build_http_client(
    base_url: str,
    *,
    transport: httpx.BaseTransport | None = None,
    settings: HttpSettings = HttpSettings(),
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    limits = httpx.Limits(max_connections=settings.max_connections, max_keepalive_connections=settings.max_connections)
    if transport is None and settings.outbound is not None:
        transport = guarded_transport(settings.outbound, verify=default_ssl_context(), limits=limits)
    return httpx.Client(
        base_url=base_url,
        transport=transport,
        verify=default_ssl_context(),
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        limits=limits,
        headers={"User-Agent": settings.user_agent, **(headers or {})},
        follow_redirects=False,
        event_hooks={"request": [_named(settings.before_request)]} if settings.before_request else None,
    )


def build_getter(
    base_url: str, *, vendor: str, transport: httpx.BaseTransport | None, settings: HttpSettings = HttpSettings()
) -> CurlGetter | None:
    """The lean GET path (vendors/base/curl.py) for a client's high-volume calls, or None when
    a transport is injected (a simulator in process, a recording transport in tests): those
    go through the httpx client, which is what they plug into."""
    if transport is not None:
        return None
    return CurlGetter(
        base_url,
        vendor=vendor,
        timeout=settings.timeout,
        connect_timeout=settings.connect_timeout,
        user_agent=settings.user_agent,
        outbound=settings.outbound,
        before_request=settings.before_request,
    )


def call_name(request: httpx.Request) -> str:
    """What a log line or a rate limit may call a vendor request: the RPC action, or the method
    and path; never the query (it carries signatures)."""
    action = request.url.params.get("Action")
    return action if action else f"{request.method} {request.url.path}"


def _named(hook: Callable[[str], None]) -> Callable[[httpx.Request], None]:
    return lambda request: hook(call_name(request))


def raw(response: httpx.Response) -> RawResponse:
    """An httpx answer in the shape the lean path gives, so a client reads both one way."""
    return RawResponse(
        status_code=response.status_code,
        content=response.content,
        content_type=response.headers.get("Content-Type", ""),
        retry_after=response.headers.get("Retry-After"),
    )


def _retry_decision(exc: Exception) -> bool | float:
    """stamina's hook: retry transient vendor errors, after Retry-After when the vendor gave one."""
    if not is_transient(exc):
        return False
    if isinstance(exc, RateLimitedError) and exc.retry_after:
        return float(exc.retry_after)
    return True


def call_with_retries(
    attempt: Callable[[], T], *, policy: RetryPolicy, idempotent: bool, vendor: str, action: str
) -> T:
    """Run `attempt`, retrying transient vendor errors only when the call is idempotent.

    Each attempt is reported to the call observer (observe.py) as `action` at `vendor`.

    The first attempt runs before stamina is asked: setting up its retry loop costs tens of µs
    of CPU, a good part of a signed call, and most calls succeed at once. A first failure
    worth retrying enters stamina's loop as its first attempt (raised again at once), so the
    waits, the attempt count, the timeout (counted from the first attempt's start) and
    stamina's retry hooks are what they were with the whole call inside the loop."""

    if not idempotent or policy.attempts <= 1:
        return observed(vendor, action, attempt)
    started = time.monotonic()
    try:
        return observed(vendor, action, attempt)
    except Exception as exc:
        if not is_transient(exc):
            raise
        first_failure = exc
    remaining = policy.total_timeout - (time.monotonic() - started)
    if remaining <= 0:
        raise first_failure
    attempts = iter([first_failure])
    for retrying in stamina.retry_context(
        on=_retry_decision,
        attempts=policy.attempts,
        timeout=remaining,
        wait_initial=policy.wait_initial,
        wait_max=policy.wait_max,
        wait_jitter=policy.wait_jitter,
    ):
        with retrying:
            earlier = next(attempts, None)
            if earlier is not None:
                raise earlier
            return observed(vendor, action, attempt)
    raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover


def send(client: httpx.Client, request: httpx.Request, *, vendor: str) -> httpx.Response:
    """Send and read a request, turning transport failures into UnavailableError.

    Every failure before an HTTP answer reads the same (refused, reset, timed out, not HTTP,
    an address the outbound policy refused): told apart, they would let whoever picks the
    host map which ports of it are open. The server's log keeps the difference.
    """
    try:
        response = client.send(request)
        response.read()
        return response
    except httpx.TransportError as exc:
        transport_log.info("%s %s: %s", vendor, type(exc).__name__, exc)
        raise UnavailableError(
            f"could not reach {vendor} at {request.url.host}: no answer", vendor=vendor, code="Unreachable"
        ) from exc


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class HttpApiClient:
    """What every vendor client shares: one httpx client, closed by close() or `with`."""

    _http: httpx.Client

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def error_for_status(
    vendor: str, status: int, text: str, retry_after: str | None, *, unexpected: str = "unexpected answer"
) -> VendorError:
    """An answer without the vendor's own error body (a gateway or proxy spoke): judged by its status."""
    common: ErrorOrigin = {"vendor": vendor, "http_status": status}
    snippet = " ".join(text.split())[:200] or f"HTTP {status}"
    if status == 429:
        return RateLimitedError(snippet, code="429", retry_after=parse_retry_after(retry_after), **common)
    by_status: dict[int, type[VendorError]] = {
        401: AuthenticationError,
        403: PermissionDeniedError,
        404: NotFoundError,
    }
    if status in by_status:
        return by_status[status](snippet, code=str(status), **common)
    if status >= 500:
        return UnavailableError(snippet, code=str(status), **common)
    if status >= 400:
        return InvalidRequestError(snippet, code=str(status), **common)
    return MalformedResponseError(f"{unexpected}: {snippet}", code="MalformedResponse", **common)
