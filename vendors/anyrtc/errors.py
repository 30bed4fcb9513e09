"""anyRTC cloud recording errors (spec 002, 响应状态码 and 常见错误) mapped to the hierarchy.

The spec lists codes but not the error body. We read `{"code": N, "reason": "..."}` (the
Agora-compatible shape) and the gateway's `{"message": "..."}`; the simulator sends those.
"""

from __future__ import annotations

from typing import Any

from vendors.base.errors import (
    AuthenticationError,
    ConflictError,
    ErrorOrigin,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
    VendorError,
)
from vendors.base.http import error_for_status, parse_retry_after

VENDOR = "anyrtc"

CODES: dict[int, tuple[str, type[VendorError]]] = {
    2: ("invalid parameter", InvalidRequestError),
    7: ("recording already in progress with this resource ID", ConflictError),
    8: ("wrong HTTP header, method or body", InvalidRequestError),
    49: ("stop already called for this resource ID and sid", ConflictError),
    53: ("recording already in progress for this channel and uid", ConflictError),
    62: ("cloud recording is not enabled for this App ID", PermissionDeniedError),
    65: ("network jitter: retry with the same resource ID", UnavailableError),
    404: ("recording not found or already finished", NotFoundError),
    432: ("request does not match the resource ID (App ID, channel or uid)", InvalidRequestError),
    433: ("resource ID expired: acquire a new one", InvalidRequestError),
    435: ("no recording file: nobody published in the channel", NotFoundError),
    501: ("recording service is exiting", ConflictError),
    1001: ("resource ID could not be decrypted: acquire a new one", InvalidRequestError),
    1003: ("App ID or sid does not match the resource ID", InvalidRequestError),
    1013: ("invalid channel name", InvalidRequestError),
    1028: ("invalid updateLayout parameters", InvalidRequestError),
}

MESSAGES: dict[str, type[VendorError]] = {
    "invalid authentication credentials": AuthenticationError,
    "invalid appid": NotFoundError,
    "no route matched with those values": InvalidRequestError,
    "api rate limit exceeded": RateLimitedError,
}


def build_error(status: int, payload: Any, text: str, retry_after: str | None) -> VendorError:
    common: ErrorOrigin = {"vendor": VENDOR, "http_status": status}
    if isinstance(payload, dict):
        code = payload.get("code")
        reason = payload.get("reason") or payload.get("message") or ""
        if isinstance(code, int) and not isinstance(code, bool) and code in CODES:
            description, cls = CODES[code]
            return cls(str(reason) or description, code=str(code), **common)
        message = payload.get("message")
        if isinstance(message, str) and message.strip().lower() in MESSAGES:
            cls = MESSAGES[message.strip().lower()]
            if cls is RateLimitedError:
                return RateLimitedError(message, code="429", retry_after=parse_retry_after(retry_after), **common)
            return cls(message, code=message, **common)
    return error_for_status(VENDOR, status, text, retry_after)
