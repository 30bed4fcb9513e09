"""Huawei ISDP+ iRTC behind the normalized Provider interface.

ISDP+ can remove users and close rooms, and record; it cannot say who is in a channel,
list apps or report usage, so those answer UnsupportedCapabilityError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vendors.base.provider import Capability, CredentialField, VendorInfo, VendorLimits, connector
from vendors.base.types import KickResult
from vendors.base.unsupported import Unsupported, kick_one_by_one

from .client import DEFAULT_BASE_URL, REQUESTS_PER_MINUTE, IsdpClient
from .errors import VENDOR

CREDENTIAL_FIELDS = (
    CredentialField("app_id", "App ID", help_text="Integration center → Applications in the ISDP+ console."),
    CredentialField("app_token", "App token", secret=True, help_text="Created with the app; the API's password."),
    CredentialField(
        "access_key",
        "Access key",
        secret=True,
        required=False,
        help_text="Signs join tokens and the recording callbacks; needed to verify callbacks.",
    ),
)


class IsdpProvider(Unsupported):
    vendor = VENDOR

    def __init__(self, client: IsdpClient) -> None:
        self.client = client

    def check_connection(self) -> str:
        self.client.check_health()
        return ""  # ISDP+ answers carry no request id

    def kick(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[KickResult]:
        return kick_one_by_one(lambda user_id: self.client.release_user(channel_id, user_id), user_ids)

    def close_channel(self, app_id: str, channel_id: str) -> str:
        self.client.release_room(channel_id)
        return ""

    def close(self) -> None:
        self.client.close()


def make_provider(credentials: Mapping[str, str], **options: Any) -> IsdpProvider:
    return IsdpProvider(IsdpClient(credentials["app_id"], credentials["app_token"], **options))


connect = connector(make_provider)


INFO = VendorInfo(
    name=VENDOR,
    label="Huawei ISDP+ iRTC",
    capabilities=frozenset({Capability.KICK, Capability.CLOSE_CHANNEL, Capability.RECORDING}),
    credential_fields=CREDENTIAL_FIELDS,
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(requests_per_second=REQUESTS_PER_MINUTE / 60, per_api=True, rate_window_seconds=60),
    connect=connect,
)
