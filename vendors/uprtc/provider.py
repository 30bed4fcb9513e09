"""uprtc behind the normalized Provider interface.

An AppSecret belongs to one project, so `app_id` arguments only label the console's app;
rooms are the console's channels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from vendors.base.errors import NotFoundError, ValidationError
from vendors.base.provider import (
    Capability,
    CredentialField,
    Provider,
    VendorInfo,
    VendorLimits,
    connector,
    kick_one_by_one,
)
from vendors.base.types import (
    ChannelMode,
    KickResult,
    Member,
    MemberRole,
    Membership,
    PlaybackRoom,
    Recording,
    RecordingDownload,
    RecordingFile,
    RecordingKind,
    RecordingRequest,
)

from .client import DEFAULT_BASE_URL, UprtcClient
from .errors import VENDOR
from .models import RecordStatus, RoomKind

CREDENTIAL_FIELDS = (
    CredentialField(
        "app_secret",
        "AppSecret",
        secret=True,
        help_text="From the project information page of the uprtc developer console.",
    ),
)


class UprtcProvider(Provider):
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

    # --- recordings: one server recording per room at a time, one MP4 when processed ---

    def start_recording(self, app_id: str, channel_id: str, request: RecordingRequest) -> Recording:
        if request.kind is not RecordingKind.VIDEO or not request.mixed:
            raise ValidationError("uprtc records one mixed video per room", field="kind", vendor=VENDOR)
        if request.layout is not None:
            raise ValidationError(
                "uprtc lays the video out itself (a grid, or one user large)", field="layout", vendor=VENDOR
            )
        started = self.client.start_recording(
            channel_id,
            record_everyone=not request.users,
            peers=request.users,
            resolution=request.resolution,
            layout=request.featured_user or None,
        )
        handle = {"record_id": started.record_id, "room_id": channel_id, "server_alias": started.server_alias}
        return self._recording(handle, RecordStatus.PREPARING)

    def recording_status(self, app_id: str, handle: Mapping[str, str]) -> Recording:
        return self._recording(handle, self.client.recording_status(handle["record_id"]))

    def stop_recording(self, app_id: str, handle: Mapping[str, str]) -> Recording:
        self.client.stop_recording(handle["room_id"])
        return self._recording(handle, RecordStatus.ENDED)

    def recording_playback(self, app_id: str, handle: Mapping[str, str]) -> PlaybackRoom:
        room = self.client.create_playback_room(handle["record_id"], handle["server_alias"])
        return PlaybackRoom(room.room_id, room.server.url, room.server.alias)

    def download_recording(self, app_id: str, handle: Mapping[str, str]) -> RecordingDownload:
        found = self.client.download(handle["record_id"])
        return RecordingDownload(found.content, found.media_type, found.filename)

    @staticmethod
    def _recording(handle: Mapping[str, str], status: RecordStatus) -> Recording:
        # The processed MP4 is fetched through download_recording; it is named after the recording.
        files = (
            (RecordingFile(f"{handle['record_id']}.mp4", media_type="video/mp4"),)
            if status is RecordStatus.PROCESSED
            else ()
        )
        return Recording(
            recording_id=handle["record_id"],
            channel_id=handle["room_id"],
            state=status.state,
            vendor_status=f"{int(status)} {status.name.lower().replace('_', ' ')}",
            files=files,
            handle=dict(handle),
        )

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
            Capability.RECORDING_STATUS,
            Capability.RECORDING_FEATURED_USER,
            Capability.RECORDING_RESOLUTION,
            Capability.RECORDING_PLAYBACK,
            Capability.RECORDING_DOWNLOAD,
        }
    ),
    credential_fields=CREDENTIAL_FIELDS,
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(),
    connect=connect,
)
