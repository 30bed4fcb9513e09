"""Fault settings every simulator honours, for tests, benchmarks and the demo."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

DROP, ERROR, THROTTLE, MALFORMED = "drop", "error", "throttle", "malformed"


@dataclass
class Faults:
    """Each rate is a probability per request; they are checked in the order listed."""

    latency: float = 0.0  # seconds added to every request
    drop_rate: float = 0.0  # connection closed without an answer
    error_rate: float = 0.0  # the vendor's transient 5xx
    throttle_rate: float = 0.0  # the vendor's throttling answer
    malformed_rate: float = 0.0  # a success body cut short
    slow_rate: float = 0.0  # an answer that comes `slow_seconds` late (past a client's timeout)
    slow_seconds: float = 0.0
    seed: int | None = None
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def delay(self) -> None:
        pause = self.latency
        if self.slow_rate:
            with self._lock:
                if self._rng.random() < self.slow_rate:
                    pause += self.slow_seconds
        if pause > 0:
            time.sleep(pause)

    def roll(self) -> str | None:
        """Which fault, if any, this request suffers (malformed is decided later)."""
        with self._lock:
            for name, rate in ((DROP, self.drop_rate), (ERROR, self.error_rate), (THROTTLE, self.throttle_rate)):
                if rate and self._rng.random() < rate:
                    return name
        return None

    def intercept(
        self, server_error: Callable[[], httpx.Response], throttled: Callable[[], httpx.Response]
    ) -> httpx.Response | None:
        """Wait the added latency, then maybe fail as the vendor would: a dropped connection
        (raised), its 5xx answer or its throttling answer. None: answer normally."""
        self.delay()
        fault = self.roll()
        if fault == DROP:
            raise dropped_connection()
        if fault == ERROR:
            return server_error()
        if fault == THROTTLE:
            return throttled()
        return None

    def garble(self, response: httpx.Response) -> httpx.Response:
        with self._lock:
            hit = self.malformed_rate and self._rng.random() < self.malformed_rate
            cut = self._rng.randrange(max(1, len(response.content) - 1)) if hit else 0
        if not hit:
            return response
        return httpx.Response(
            response.status_code,
            headers={"Content-Type": response.headers.get("Content-Type", "")},
            content=response.content[:cut],
        )


def dropped_connection() -> httpx.RemoteProtocolError:
    """What httpx raises when a server closes the socket without answering."""
    return httpx.RemoteProtocolError("Server disconnected without sending a response.")


def bad_gateway() -> httpx.Response:
    """What a load balancer answers when the vendor's backend is down: HTML, no vendor envelope."""
    return httpx.Response(502, headers={"Content-Type": "text/html"}, content=b"<html>502 Bad Gateway</html>")
