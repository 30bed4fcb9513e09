"""anyRTC cloud recording behind the normalized Provider interface.

The API records; it has no app listing, usage or membership reads, so apps are registered
by hand in the console and the rest answers UnsupportedCapabilityError.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from vendors.base.http import HttpSettings, RetryPolicy, client_options
from vendors.base.provider import Capability, CredentialField, VendorInfo, VendorLimits
from vendors.base.unsupported import Unsupported

from .client import DEFAULT_BASE_URL, RATE_LIMIT_PER_SECOND, AnyRtcClient
from .errors import VENDOR

CREDENTIAL_FIELDS = (
    CredentialField("customer_id", "Customer ID", help_text="From the RESTful API page of the anyRTC console."),
    CredentialField(
        "customer_secret",
        "Customer secret",
        secret=True,
        help_text="Shown beside the Customer ID; the console sends both as HTTP Basic authentication.",
    ),
)


class AnyRtcProvider(Unsupported):
    vendor = VENDOR

    def __init__(self, client: AnyRtcClient) -> None:
        self.client = client

    def check_connection(self) -> str:
        self.client.verify_credentials()
        return ""  # anyRTC answers carry no request id

    def close(self) -> None:
        self.client.close()


def connect(
    credentials: Mapping[str, str],
    *,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    http: HttpSettings | None = None,
    retry: RetryPolicy | None = None,
) -> AnyRtcProvider:
    client = AnyRtcClient(
        credentials["customer_id"],
        credentials["customer_secret"],
        base_url=base_url,
        transport=transport,
        **client_options(http, retry),
    )
    return AnyRtcProvider(client)


INFO = VendorInfo(
    name=VENDOR,
    label="anyRTC cloud recording",
    capabilities=frozenset({Capability.RECORDING}),
    credential_fields=CREDENTIAL_FIELDS,
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(requests_per_second=RATE_LIMIT_PER_SECOND),
    connect=connect,
)
