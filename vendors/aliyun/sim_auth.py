"""Who is calling the Aliyun simulator, and is the request genuine?

Verifies RPC signature 1.0 (GET or POST; parameters in the query or a form body) and the
ACS3-HMAC-SHA256 header signature the current official SDKs send, refuses replayed nonces
and timestamps more than 15 minutes off, and applies an optional per-key request rate.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from vendors.sim.query import parse_query, parse_utc

from .client import API_VERSION
from .errors import SECTION_9
from .signing import (
    acs3_canonical_request,
    acs3_signature,
    acs3_string_to_sign,
    parse_acs3_authorization,
    rpc_signature,
    rpc_string_to_sign,
)

MAX_SKEW = timedelta(minutes=15)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
STATUS_OF = {name: status for _, _, status, name in SECTION_9}


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else STATUS_OF.get(code, 400)


@dataclass
class Account:
    secret: str
    app_ids: set[str] | None = None  # None: every aliyun app in the world
    rate_limit: float | None = None  # requests per second, answered with Throttling.User
    recent: list[float] = field(default_factory=list)


class Gatekeeper:
    def __init__(self, accounts: dict[str, Account], now: Callable[[], datetime]) -> None:
        self.accounts = accounts
        self._now = now
        self._nonces: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def authenticate(self, request: httpx.Request, params: dict[str, str]) -> tuple[str, Account]:
        authorization = request.headers.get("authorization", "")
        if authorization.startswith("ACS3-"):
            return self._authenticate_acs3(request, params, authorization)
        return self._authenticate_rpc(request, params)

    def _authenticate_rpc(self, request: httpx.Request, params: dict[str, str]) -> tuple[str, Account]:
        if "Timestamp" not in params:
            raise ApiError("Request.NoTimestamp", "Timestamp is mandatory for this action.")
        if "Signature" not in params:
            raise ApiError("Request.NoSignature", "Signature is mandatory for this action.")
        for name in ("AccessKeyId", "SignatureNonce", "Action", "Version"):
            if not params.get(name):
                raise ApiError(f"Missing{name}", f"{name} is mandatory for this action.")
        if params.get("SignatureMethod", "").upper() != "HMAC-SHA1":
            raise ApiError("InvalidSignatureMethod", "Specified signature method is not valid. Use HMAC-SHA1.")
        if params.get("SignatureVersion") != "1.0":
            raise ApiError("InvalidSignatureVersion", "Specified signature version is not valid. Use 1.0.")
        account = self._account(params["AccessKeyId"])
        expected = rpc_signature(request.method, params, account.secret)
        if expected != params["Signature"]:
            string_to_sign = rpc_string_to_sign(request.method, params)
            raise ApiError(
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:" + string_to_sign,
                400,
            )
        self._check_fresh(params["Timestamp"], params["SignatureNonce"])
        self._check_version(params["Version"])
        return params["Action"], account

    def _authenticate_acs3(self, request: httpx.Request, params: dict[str, str], header: str) -> tuple[str, Account]:
        fields = parse_acs3_authorization(header)
        if fields is None:
            raise ApiError("IncompleteSignature", "The request signature does not conform to Aliyun standards.")
        headers = {k.lower(): v for k, v in request.headers.items()}
        account = self._account(fields["Credential"])
        payload_hash = headers.get("x-acs-content-sha256", "")
        actual_hash = hashlib.sha256(request.content).hexdigest()
        if payload_hash != actual_hash:
            raise ApiError("IncompleteSignature", "x-acs-content-sha256 does not match the request body.")
        signed = [name.strip().lower() for name in fields["SignedHeaders"].split(";") if name.strip()]
        for required in ("host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce"):
            if required not in signed:
                raise ApiError("IncompleteSignature", f"{required} must be signed.")
        query = parse_query(request.url.query.decode("ascii"))
        canonical = acs3_canonical_request(request.method, request.url.path, query, headers, signed, payload_hash)
        string_to_sign = acs3_string_to_sign(canonical)
        if acs3_signature(string_to_sign, account.secret) != fields["Signature"]:
            raise ApiError(
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:" + string_to_sign,
                400,
            )
        self._check_fresh(headers["x-acs-date"], headers["x-acs-signature-nonce"])
        self._check_version(headers["x-acs-version"])
        return headers["x-acs-action"], account

    def _account(self, access_key_id: str) -> Account:
        account = self.accounts.get(access_key_id)
        if account is None:
            raise ApiError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        return account

    def _check_fresh(self, timestamp: str, nonce: str) -> None:
        sent = parse_utc(timestamp, TIME_FORMAT)
        if sent is None:
            raise ApiError("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
        now = self._now()
        if abs(now - sent) > MAX_SKEW:
            raise ApiError("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        with self._lock:
            # Oldest first: forget nonces whose timestamps would be refused anyway.
            while self._nonces and now - next(iter(self._nonces.values())) > MAX_SKEW * 2:
                self._nonces.popitem(last=False)
            if nonce in self._nonces:
                raise ApiError("SignatureNonceUsed", "Specified signature nonce was used already.")
            self._nonces[nonce] = now

    def _check_version(self, version: str) -> None:
        if version != API_VERSION:
            raise ApiError("InvalidVersion", f"Specified parameter Version is not valid: {version}.")

    def throttle(self, account: Account) -> None:
        if account.rate_limit is None:
            return
        with self._lock:
            now = time.monotonic()
            account.recent = [t for t in account.recent if now - t < 1.0]
            if len(account.recent) >= account.rate_limit:
                raise ApiError("Throttling.User", "Request was denied due to user flow control.", 400)
            account.recent.append(now)
