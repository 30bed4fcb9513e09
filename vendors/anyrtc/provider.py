"""anyRTC cloud recording behind the normalized Provider interface.

The API records; it has no app listing, usage or membership reads, so apps are registered
by hand in the console and the rest answers UnsupportedCapabilityError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vendors.base.provider import Capability, CredentialField, VendorInfo, VendorLimits, connector
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


def make_provider(credentials: Mapping[str, str], **options: Any) -> AnyRtcProvider:
    return AnyRtcProvider(AnyRtcClient(credentials["customer_id"], credentials["customer_secret"], **options))


connect = connector(make_provider)


INFO = VendorInfo(
    name=VENDOR,
    label="anyRTC cloud recording",
    capabilities=frozenset({Capability.RECORDING}),
    credential_fields=CREDENTIAL_FIELDS,
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(requests_per_second=RATE_LIMIT_PER_SECOND),
    connect=connect,
)
