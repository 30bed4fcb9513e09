"""ISDP+ errors (spec 004 section 8.3.3) mapped to the vendor-neutral hierarchy.

Interface errors come with HTTP 200 as `{errorCode, errorMessage, data, timestamp}`; gateway
errors come with another status as `{error, error_description}`. The appendix of status
codes is cut off in the spec: 1001001 PARAM_IS_INVALID, 1001026 (media server fault) and
1001027 (record server fault) are the codes it shows, and the only ones used.
"""

from __future__ import annotations

from typing import Any

from vendors.base.errors import (
    AuthenticationError,
    ErrorOrigin,
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
    VendorError,
)
from vendors.base.http import error_for_status, parse_retry_after

VENDOR = "isdp"
PARAM_IS_INVALID = 1001001
MEDIA_SERVER_ERROR = 1001026
RECORD_SERVER_ERROR = 1001027

CODES: dict[int, tuple[str, type[VendorError]]] = {
    PARAM_IS_INVALID: ("PARAM_IS_INVALID", InvalidRequestError),
    MEDIA_SERVER_ERROR: ("live webrtc server is error", UnavailableError),
    RECORD_SERVER_ERROR: ("live record server is error", UnavailableError),
}

GATEWAY: dict[str, type[VendorError]] = {
    "invalid_token": AuthenticationError,
    "unauthorized": AuthenticationError,
    "invalid_grant": AuthenticationError,
    "invalid_client": AuthenticationError,
    "access_denied": PermissionDeniedError,
    "too_many_requests": RateLimitedError,
}


def interface_error(code: int, message: str, status: int) -> VendorError:
    description, cls = CODES.get(code, ("", InvalidRequestError))
    return cls(message or description or f"error {code}", vendor=VENDOR, code=str(code), http_status=status)


def gateway_error(status: int, payload: Any, text: str, retry_after: str | None) -> VendorError:
    common: ErrorOrigin = {"vendor": VENDOR, "http_status": status}
    if isinstance(payload, dict):
        # The spec's own 401 example spells the key " error", with a space.
        error = payload.get("error") or payload.get(" error")
        if isinstance(error, str) and error:
            description = str(payload.get("error_description") or error)
            cls = GATEWAY.get(error)
            if cls is RateLimitedError or status == 429:
                return RateLimitedError(description, code=error, retry_after=parse_retry_after(retry_after), **common)
            if cls is None:
                cls = (
                    AuthenticationError
                    if status == 401
                    else (UnavailableError if status >= 500 else InvalidRequestError)
                )
            return cls(description, code=error, **common)
    return error_for_status(VENDOR, status, text, retry_after)
