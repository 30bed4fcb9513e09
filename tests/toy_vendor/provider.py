"""The toy vendor's client and provider in one file: two capabilities, so few calls.

Its API: `Authorization: Bearer <token>`; `GET /v1/projects/{project}/apps` and
`GET /v1/projects/{project}/apps/{app}/channels/{channel}/members`; errors are
`{"error": {"code", "message"}}` with an HTTP status; `X-Request-Id` on every answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from vendors.base.errors import AuthenticationError, MalformedResponseError, NotFoundError, VendorError
from vendors.base.http import HttpApiClient, HttpSettings, RetryPolicy, build_http_client, call_with_retries, send
from vendors.base.http import error_for_status as http_error_for_status
from vendors.base.provider import Capability, CredentialField, Provider, VendorInfo, VendorLimits, connector
from vendors.base.types import App, ChannelMode, Member, MemberRole, Membership

VENDOR = "toy"
DEFAULT_BASE_URL = "https://api.toy-rtc.invalid"
CODES: dict[str, type[VendorError]] = {"BadToken": AuthenticationError, "NoSuchChannel": NotFoundError}


class ToyClient(HttpApiClient):
    def __init__(
        self,
        project: str,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        http: HttpSettings = HttpSettings(),
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self._prefix = f"/v1/projects/{quote(project, safe='')}"
        self._retry = retry
        self._http = build_http_client(
            base_url, transport=transport, settings=http, headers={"Authorization": f"Bearer {token}"}
        )

    def get(self, path: str) -> tuple[dict[str, Any], str]:
        """The answer's JSON body and request id; every call is a read, so every call is retried."""

        def attempt() -> tuple[dict[str, Any], str]:
            response = send(self._http, self._http.build_request("GET", self._prefix + path), vendor=VENDOR)
            request_id = response.headers.get("X-Request-Id", "")
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise http_error_for_status(VENDOR, response.status_code, response.text, None)
            if response.is_error:
                error = body["error"] if isinstance(body.get("error"), dict) else {}
                code, message = str(error.get("code", "")), str(error.get("message", ""))
                if code not in CODES:  # a gateway or a code we do not know: judged by the status
                    raise http_error_for_status(VENDOR, response.status_code, message, None)
                raise CODES[code](
                    message, vendor=VENDOR, code=code, http_status=response.status_code, request_id=request_id
                )
            return body, request_id

        return call_with_retries(attempt, policy=self._retry, idempotent=True, vendor=VENDOR, action=f"GET {path}")


class ToyProvider(Provider):
    vendor = VENDOR

    def __init__(self, client: ToyClient) -> None:
        self.client = client

    def check_connection(self) -> str:
        return self.client.get("/apps")[1]

    def list_apps(self) -> Iterator[App]:
        body, _ = self.client.get("/apps")
        try:
            yield from (App(app["id"], app["name"]) for app in body["apps"])
        except (KeyError, TypeError) as error:
            raise MalformedResponseError(f"no app list: {error}", vendor=VENDOR) from error

    def membership(self, app_id: str, channel_id: str) -> Membership:
        observed = datetime.now(UTC)
        try:
            body, _ = self.client.get(f"/apps/{quote(app_id, safe='')}/channels/{quote(channel_id, safe='')}/members")
        except NotFoundError:
            return Membership(channel_id, exists=False, mode=ChannelMode.UNKNOWN, members=(), observed_at=observed)
        members = tuple(Member(str(user), MemberRole.COMMUNICATION) for user in body.get("members", []))
        return Membership(channel_id, True, ChannelMode.COMMUNICATION, members, observed_at=observed)

    def close(self) -> None:
        self.client.close()


def make_provider(credentials: Mapping[str, str], **options: Any) -> ToyProvider:
    return ToyProvider(ToyClient(credentials["project"], credentials["token"], **options))


INFO = VendorInfo(
    name=VENDOR,
    label="Toy RTC",
    capabilities=frozenset({Capability.LIST_APPS, Capability.LIVE_MEMBERSHIP}),
    credential_fields=(
        CredentialField("project", "Project", help_text="The project name on the toy console."),
        CredentialField("token", "API token", secret=True, help_text="Settings → API tokens."),
    ),
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(requests_per_second=5),
    connect=connector(make_provider),
)
