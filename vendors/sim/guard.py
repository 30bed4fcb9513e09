"""A simulator's own bug answers 500 in the vendor's error envelope, never a dropped connection.

A dropped connection is a fault the simulators inject on purpose (`Faults.drop_rate`, an
httpx.TransportError); any other exception escaping a handler is the simulator's fault, and
a client deserves the answer a vendor's backend gives when it fails: HTTP 500 with the
vendor's own body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

log = logging.getLogger("vendors.sim")


def answer_internal_errors(
    vendor: str, serve: Callable[[], httpx.Response], internal_error: Callable[[], httpx.Response]
) -> httpx.Response:
    try:
        return serve()
    except httpx.TransportError:
        raise  # an injected drop: the connection closes without an answer, as asked
    except Exception:
        log.exception("%s simulator failed inside its handler; answering 500", vendor)
        return internal_error()
