"""The iRTC join token of spec 004 section 7.4.

token = base64(payload + "@#@" + signature), where payload is JSON with the keys in the
order of the spec's Java `getBody` (timeStamp, role, port, appId, host, tenantId, userId,
channelId), and signature = base64(HMAC-SHA256(key = accessKey + timeStamp, message = the
parameters sorted by name as `k=v` joined with `&`, without authToken)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from vendors.base.errors import ValidationError

VENDOR = "isdp"
SEPARATOR = "@#@"
PAYLOAD_ORDER = ("timeStamp", "role", "port", "appId", "host", "tenantId", "userId", "channelId")
ROLES = {"0": "publisher (publish only)", "1": "joiner (publish and watch)"}


@dataclass(frozen=True, slots=True)
class JoinParams:
    app_id: str
    channel_id: str
    user_id: str
    timestamp_ms: int
    host: str
    port: str
    role: str = "1"
    tenant_id: str = ""

    def as_map(self) -> dict[str, str | int]:
        return {
            "timeStamp": self.timestamp_ms,
            "role": self.role,
            "port": self.port,
            "appId": self.app_id,
            "host": self.host,
            "tenantId": self.tenant_id,
            "userId": self.user_id,
            "channelId": self.channel_id,
        }


def _check(params: JoinParams) -> None:
    if params.role not in ROLES:
        raise ValidationError("role is 1 (joiner) or 0 (publisher)", field="role", vendor=VENDOR)
    if not isinstance(params.timestamp_ms, int) or params.timestamp_ms < 0:
        raise ValidationError("timeStamp is UTC milliseconds", field="timeStamp", vendor=VENDOR)
    for name, value in params.as_map().items():
        # The spec's payload is built by string concatenation: these would break its JSON.
        if isinstance(value, str) and any(ch in '"\\' or ord(ch) < 32 for ch in value):
            raise ValidationError(
                f"{name} cannot contain quotes, backslashes or control characters", field=name, vendor=VENDOR
            )
    for name in ("appId", "channelId", "userId"):
        if not params.as_map()[name]:
            raise ValidationError(f"{name} is required", field=name, vendor=VENDOR)


def payload(params: JoinParams) -> str:
    values = params.as_map()
    parts = [f'"timeStamp":{values["timeStamp"]}'] + [f'"{key}":"{values[key]}"' for key in PAYLOAD_ORDER[1:]]
    return "{" + ",".join(parts) + "}"


def signature(access_key: str, params: JoinParams, extra: dict[str, str] | None = None) -> str:
    values = {key: str(value) for key, value in params.as_map().items()} | (extra or {})
    values.pop("authToken", None)
    message = "&".join(f"{key}={values[key]}" for key in sorted(values))
    key = f"{access_key}{params.timestamp_ms}"
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def join_token(access_key: str, params: JoinParams) -> str:
    if not access_key:
        raise ValidationError("the app's accessKey is required", field="access_key", vendor=VENDOR)
    _check(params)
    return base64.b64encode(f"{payload(params)}{SEPARATOR}{signature(access_key, params)}".encode()).decode()


def read_join_token(token: str) -> tuple[dict[str, Any], str]:
    """The payload and signature of a token (not verified)."""
    try:
        text = base64.b64decode(token, validate=True).decode()
        body, separator, sig = text.rpartition(SEPARATOR)
        if not separator:
            raise ValueError("no separator")
        return json.loads(body), sig
    except ValueError as error:
        raise ValidationError(f"not an iRTC join token: {error}", field="token", vendor=VENDOR) from None


def verify_join_token(token: str, access_key: str) -> JoinParams:
    data, sig = read_join_token(token)
    try:
        params = JoinParams(
            app_id=str(data["appId"]),
            channel_id=str(data["channelId"]),
            user_id=str(data["userId"]),
            timestamp_ms=int(data["timeStamp"]),
            host=str(data["host"]),
            port=str(data["port"]),
            role=str(data["role"]),
            tenant_id=str(data["tenantId"]),
        )
    except (KeyError, TypeError, ValueError):
        raise ValidationError("the join token lacks a field", field="token", vendor=VENDOR) from None
    if not hmac.compare_digest(sig, signature(access_key, params)):
        raise ValidationError("the join token's signature does not match", field="token", vendor=VENDOR)
    return params
