"""Signed recording and snapshot callbacks (spec 004 sections 8.5.4 and 8.5.5).

The header X-HW-SIGN is HmacSHA256 over appId + appKey + channelId + userId + extraData +
authTimestamp. The spec names neither the key nor the encoding. Our reading, shared by
the simulator (which signs) and the console (which verifies): the key is the app key (the
app's accessKey, the only key ISDP+ gives an app), the output is lowercase hex.

authTimestamp is "the UNIX time the signature expires" (decimal seconds; the spec's example
shows an ISO time, which is accepted too). A callback is refused once that time has passed
(with a minute's grace for clock skew) or when it lies absurdly far ahead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vendors.base.errors import CallbackRejectedError

SIGN_HEADER = "X-HW-SIGN"
GRACE = timedelta(minutes=1)
LONGEST_VALIDITY = timedelta(hours=1)


class CallbackRejected(CallbackRejectedError):
    """The callback's signature or timestamp does not hold."""


@dataclass(frozen=True, slots=True)
class CallbackEvent:
    kind: str  # "video" or "image"
    app_id: str
    channel_id: str
    recording_id: str
    user_id: str
    extra_data: str
    expires_at: datetime
    file_id: str = ""
    file_path: str = ""
    file_name: str = ""
    image_base64: str = ""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def sign(app_key: str, fields: Mapping[str, Any]) -> str:
    """Lowercase hex HmacSHA256, keyed with the app key, over appId+appKey+channelId+userId+extraData+authTimestamp."""
    message = _text(fields.get("appId")) + app_key
    message += "".join(_text(fields.get(name)) for name in ("channelId", "userId", "extraData", "authTimestamp"))
    # Text from JSON may hold half a surrogate pair: signed as is, it simply does not match.
    return hmac.new(app_key.encode(), message.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def parse_auth_timestamp(value: Any) -> datetime:
    text = _text(value).strip()
    try:
        if text.isascii() and text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        try:
            parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
        except ValueError:
            parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            raise CallbackRejected("authTimestamp has no time zone")
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        # Past year 9999 (or before year 1 once moved to UTC) no time can be held.
        raise CallbackRejected(f"authTimestamp {_shown(text)} is not a UNIX time in range") from None


def verify(headers: Mapping[str, str], body: Mapping[str, Any], app_key: str, now: datetime) -> CallbackEvent:
    given = next((value for name, value in headers.items() if name.lower() == SIGN_HEADER.lower()), "")
    if not given:
        raise CallbackRejected(f"missing {SIGN_HEADER}")
    # compare_digest refuses non-ASCII text: compare bytes, whatever the header holds.
    if not hmac.compare_digest(given.strip().lower().encode("utf-8", "surrogatepass"), sign(app_key, body).encode()):
        raise CallbackRejected(f"{SIGN_HEADER} does not match")
    expires = parse_auth_timestamp(body.get("authTimestamp"))
    if expires < now - GRACE:
        raise CallbackRejected("authTimestamp has passed: the callback is stale")
    if expires > now + LONGEST_VALIDITY:
        raise CallbackRejected("authTimestamp lies too far ahead")
    kind = "image" if "imageData" in body else "video"
    return CallbackEvent(
        kind=kind,
        app_id=_text(body.get("appId")),
        channel_id=_text(body.get("channelId")),
        recording_id=_text(body.get("recordingId")),
        user_id=_text(body.get("userId")),
        extra_data=_text(body.get("extraData")),
        expires_at=expires,
        file_id=_text(body.get("fileId")),
        file_path=_text(body.get("filePath")),
        file_name=_text(body.get("fileName")),
        image_base64=_text(body.get("imageData")),
    )
