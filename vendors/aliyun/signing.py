"""Alibaba Cloud request signatures.

- RPC signature 1.0 (spec 001 section 2.5): HMAC-SHA1 over
  ``METHOD&%2F&percent(canonical query)`` keyed with ``secret + "&"``, Base64.
- ACS3-HMAC-SHA256: the header signature current official SDKs use by default. The
  simulator verifies it; our own client sends RPC 1.0 GET as the spec documents.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import quote

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"


@functools.lru_cache(maxsize=4096)
def percent_encode(value: str) -> str:
    """RFC 3986 encoding: only A-Z a-z 0-9 - _ . ~ stay literal; UTF-8 bytes as %XX.

    Cached: most of a signed query repeats from call to call (names, version, key id, app
    and channel ids), and quote() is a good part of a call's CPU."""
    return quote(value, safe="-_.~", encoding="utf-8")


def rpc_canonical_query(params: Mapping[str, str]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(rpc_canonical_query(params))}"


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    digest = hmac.new(
        (secret + "&").encode("utf-8"),
        rpc_string_to_sign(method, params).encode("utf-8"),
        hashlib.sha1,
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def acs3_canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def acs3_canonical_request(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: list[str],
    payload_sha256: str,
) -> str:
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed_headers)
    return "\n".join(
        [
            method.upper(),
            path or "/",
            acs3_canonical_query(query),
            canonical_headers,
            ";".join(signed_headers),
            payload_sha256,
        ]
    )


def acs3_string_to_sign(canonical_request: str) -> str:
    hashed = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"{ACS3_ALGORITHM}\n{hashed}"


def acs3_signature(string_to_sign: str, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_acs3_authorization(header: str) -> dict[str, str] | None:
    """Split ``ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..``."""
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ACS3_ALGORITHM:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields[key] = value
    if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        return None
    return fields
