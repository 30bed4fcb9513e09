"""Alibaba Cloud request signatures.

- RPC signature 1.0 (spec 001 section 2.5): HMAC-SHA1 over
  ``METHOD&%2F&percent(canonical query)`` keyed with ``secret + "&"``, Base64.
- ACS3-HMAC-SHA256: the header signature current official SDKs use by default. The
  simulator verifies it; our own client sends RPC 1.0 GET as the spec documents.
"""

from __future__ import annotations

import binascii
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
    return _quote(value)


def rpc_canonical_query(params: Mapping[str, str]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)


def _encode_canonical(canonical: str) -> str:
    """percent_encode(canonical query), without quote()'s Python loop over every byte.

    A canonical query holds only what percent_encode leaves (A-Z a-z 0-9 - _ . ~ and %XX)
    joined by = and &, so encoding it again turns exactly %, = and & into %25, %3D, %26
    (% first, so the escapes added after it are not escaped twice)."""
    return canonical.replace("%", "%25").replace("=", "%3D").replace("&", "%26")


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method.upper()}&%2F&{_encode_canonical(rpc_canonical_query(params))}"


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    return _sign(rpc_string_to_sign(method, params), (secret + "&").encode("utf-8"))


def _sign(string_to_sign: str, key: bytes) -> str:
    digest = hmac.digest(key, string_to_sign.encode("utf-8"), "sha1")
    return binascii.b2a_base64(digest, newline=False).decode("ascii")


class RpcGetSigner:
    """Signed GET queries for one AccessKey, signed as `rpc_signature` signs them.

    The parameters that are the same in every call (version, format, key id, signature method
    and version, security token) are encoded once, here; a call encodes only its own (action,
    nonce, timestamp and the action's parameters), sorts all pairs once and joins them once.
    The canonical query is also the query string sent, so it is built only once."""

    def __init__(self, secret: str, static: Mapping[str, str], overriding: Mapping[str, str]) -> None:
        """A call's own parameters override `static` ones of the same name; `overriding` ones
        (the security token) override a call's own. "Signature" is never signed."""
        self._key = (secret + "&").encode("utf-8")
        self._static = {**static, **overriding}
        self._overriding = dict(overriding)
        self._static_pairs = [(k, f"{percent_encode(k)}={percent_encode(v)}") for k, v in self._static.items()]
        self._reserved = frozenset({*self._static, "Action", "SignatureNonce", "Timestamp", "Signature"})
        self._last_timestamp = ("", "")

    def signed_query_string(self, action: str, nonce: str, timestamp: str, params: Mapping[str, str]) -> str:
        """The query string to send (canonical query, then Signature) for
        `{**static, "Action": action, "SignatureNonce": nonce, "Timestamp": timestamp, **params,
        **overriding}`, signed as rpc_signature("GET", ...) signs that."""
        if not self._reserved.isdisjoint(params):
            merged = {**self._static, "Action": action, "SignatureNonce": nonce, "Timestamp": timestamp}
            merged.update(params)
            merged.update(self._overriding)
            merged.pop("Signature", None)
            return self._signed(rpc_canonical_query(merged))
        pairs = [(k, f"{percent_encode(k)}={percent_encode(v)}") for k, v in params.items()]
        pairs += self._static_pairs
        # The nonce changes every call and the timestamp every second: caching them would only
        # evict percent_encode's useful entries. A nonce of letters and digits (ours: hex) needs
        # no encoding; the last timestamp's encoding is kept.
        pairs.append(("Action", f"Action={percent_encode(action)}"))
        pairs.append(
            ("SignatureNonce", f"SignatureNonce={nonce if nonce.isascii() and nonce.isalnum() else _quote(nonce)}")
        )
        last = self._last_timestamp  # one tuple, read and replaced whole: safe across threads
        if last[0] != timestamp:
            last = self._last_timestamp = (timestamp, _quote(timestamp))
        pairs.append(("Timestamp", f"Timestamp={last[1]}"))
        pairs.sort()
        return self._signed("&".join([pair for _, pair in pairs]))

    def _signed(self, canonical: str) -> str:
        signature = _sign(f"GET&%2F&{_encode_canonical(canonical)}", self._key)
        # Base64 holds A-Z a-z 0-9 + / and =; the last three are encoded by hand (see above).
        return f"{canonical}&Signature={signature.replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}"


def _quote(value: str) -> str:
    return quote(value, safe="-_.~", encoding="utf-8")


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
