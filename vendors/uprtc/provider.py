"""uprtc behind the normalized Provider interface.

An AppSecret belongs to one project, so `app_id` arguments only label the console's app;
rooms are the console's channels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from vendors.base.errors import NotFoundError
from vendors.base.provider import Capability, CredentialField, VendorInfo, VendorLimits, connector
from vendors.base.types import ChannelMode, KickResult, Member, MemberRole, Membership
from vendors.base.unsupported import Unsupported, kick_one_by_one

from .client import DEFAULT_BASE_URL, UprtcClient
from .errors import VENDOR
from .models import RoomKind

CREDENTIAL_FIELDS = (
    CredentialField(
        "app_secret",
        "AppSecret",
        secret=True,
        help_text="From the project information page of the uprtc developer console.",
    ),
)


class UprtcProvider(Unsupported):
    vendor = VENDOR

    def __init__(self, client: UprtcClient) -> None:
        self.client = client

    def check_connection(self) -> str:
        self.client.room_count()
        return ""  # uprtc answers carry no request id

    def membership(self, app_id: str, channel_id: str) -> Membership:
        observed = datetime.now(UTC)
        try:
            room = self.client.room_info(channel_id)
        except NotFoundError:
            return Membership(channel_id, exists=False, mode=ChannelMode.UNKNOWN, members=(), observed_at=observed)
        if room.kind is RoomKind.CONVERSATION:
            members = tuple(Member(user, MemberRole.COMMUNICATION) for user in room.member_ids)
            counts = {MemberRole.COMMUNICATION: max(room.total, len(members))}
            mode = ChannelMode.COMMUNICATION
        else:
            # memberIds of a live room are its publishers; the audience is only counted.
            cohosts = set(self.client.cohosts(channel_id))
            members = tuple(
                Member(user, MemberRole.CO_HOST if user in cohosts else MemberRole.INTERACTIVE)
                for user in room.member_ids
            )
            hosts = sum(1 for member in members if member.role is MemberRole.INTERACTIVE)
            counts = {
                MemberRole.INTERACTIVE: hosts,
                MemberRole.CO_HOST: len(members) - hosts,
                MemberRole.VIEWER: max(0, room.total - len(members)),
            }
            mode = ChannelMode.INTERACTIVE_LIVE
        return Membership(channel_id, exists=True, mode=mode, members=members, counts=counts, observed_at=observed)

    def create_channel(self, app_id: str, owner_id: str, mode: ChannelMode, channel_id: str | None = None) -> str:
        if mode is ChannelMode.INTERACTIVE_LIVE:
            return self.client.create_live_room(owner_id, room_id=channel_id).room_id
        return self.client.create_conversation_room(owner_id, room_id=channel_id).room_id

    def kick(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[KickResult]:
        return kick_one_by_one(lambda user_id: self.client.remove_peer(channel_id, user_id), user_ids)

    def close_channel(self, app_id: str, channel_id: str) -> str:
        self.client.delete_room(channel_id)
        return ""

    def close(self) -> None:
        self.client.close()


def make_provider(credentials: Mapping[str, str], **options: Any) -> UprtcProvider:
    return UprtcProvider(UprtcClient(credentials["app_secret"], **options))


connect = connector(make_provider)


INFO = VendorInfo(
    name=VENDOR,
    label="uprtc",
    capabilities=frozenset(
        {
            Capability.LIVE_MEMBERSHIP,
            Capability.CREATE_CHANNEL,
            Capability.KICK,
            Capability.CLOSE_CHANNEL,
            Capability.RECORDING,
        }
    ),
    credential_fields=CREDENTIAL_FIELDS,
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(),
    connect=connect,
)
