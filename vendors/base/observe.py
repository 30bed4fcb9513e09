"""Who wants to know about every vendor call: one observer, set by the application.

Vendors stay plain Python: the console (dashboard.metrics) installs an observer that counts
calls for Prometheus; without one, observing costs a clock read. Every attempt is observed
(a retried call is several), from before signing to the parsed answer or the error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CallObservation:
    vendor: str
    # The vendor's own name for the operation (Aliyun's Action, ISDP+'s interface) or its route
    # with the ids left out ("GET /room/{id}"): a small, fixed set per vendor.
    action: str
    seconds: float
    # "" when the call succeeded; otherwise the error's class (AuthenticationError, UnavailableError, ...).
    error: str


CallObserver = Callable[[CallObservation], None]
_observer: CallObserver | None = None


def set_call_observer(observer: CallObserver | None) -> None:
    global _observer
    _observer = observer


def observed(vendor: str, action: str, attempt: Callable[[], T]) -> T:
    """Run one attempt of a vendor call and report it to the observer, if one is set.

    A plain function, not a context manager: it runs around every attempt, and a
    generator-based context manager costs several times as much."""
    started = time.perf_counter()
    error = ""
    try:
        return attempt()
    except Exception as exc:
        error = type(exc).__name__
        raise
    finally:
        observer = _observer
        if observer is not None:
            try:
                observer(CallObservation(vendor, action, time.perf_counter() - started, error))
            except Exception:  # counting must never break a vendor call
                log.warning("the vendor call observer failed", exc_info=True)
