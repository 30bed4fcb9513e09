"""uprtc behind the normalized Provider interface.

An AppSecret belongs to one project, so `app_id` arguments only label the console's app;
rooms are the console's channels.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from vendors.base.errors import NotFoundError, ValidationError, VendorError
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
    ChannelDetails,
    ChannelMode,
    ChannelRecordingStatus,
    KickResult,
    MediaServer,
    Member,
    MemberRole,
    Membership,
    MergedChannel,
    PeerResult,
    PlaybackRoom,
    Recording,
    RecordingDownload,
    RecordingFile,
    RecordingKind,
    RecordingRequest,
    RecordingUpload,
    WorkerLoad,
)

from .client import DEFAULT_BASE_URL, UprtcClient
from .errors import VENDOR
from .models import RecordStatus, RoomKind, Server, StartedRecording

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
            vendor_status=_status_text(status),
            files=files,
            handle=dict(handle),
        )

    # --- room controls ---------------------------------------------------------------

    def set_join_lock(self, app_id: str, channel_id: str, *, locked: bool) -> str:
        self.client.set_joinable(channel_id, not locked)
        return ""

    def block_members(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[PeerResult]:
        # uprtc blocks a user for the whole project (DELETE /server/block/peer) and has no
        # call to lift it; removing them from the room first disconnects them now.
        def block(user_id: str) -> None:
            # Not in the room (50011), or the room is gone: the block still keeps them out.
            with contextlib.suppress(NotFoundError):
                self.client.remove_peer(channel_id, user_id)
            self.client.block_peer(user_id)

        return kick_one_by_one(block, user_ids)

    def broadcast_message(self, app_id: str, channel_id: str, message: Mapping[str, Any]) -> str:
        self.client.broadcast(channel_id, message)
        return ""

    def message_members(
        self, app_id: str, channel_id: str, user_ids: Sequence[str], message: Mapping[str, Any]
    ) -> list[PeerResult]:
        # One call per user: uprtc refuses a whole list when one of them is not in the room.
        return kick_one_by_one(lambda user_id: self.client.message_peers(channel_id, [user_id], message), user_ids)

    def invite_members(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[PeerResult]:
        # One call for all: the member cap is judged on the whole list.
        try:
            self.client.add_conversation_members(channel_id, user_ids)
        except VendorError as error:
            return [PeerResult(user_id, False, error.code, error.message, error.request_id) for user_id in user_ids]
        return [PeerResult(user_id, True) for user_id in user_ids]

    def member_present(self, app_id: str, channel_id: str, user_id: str) -> bool:
        return self.client.peer_joined(channel_id, user_id)

    def channel_exists(self, app_id: str, channel_id: str) -> bool:
        return self.client.room_exists(channel_id)

    def channel_details(self, app_id: str, channel_id: str) -> ChannelDetails:
        room = self.client.room_info(channel_id)
        return ChannelDetails(
            channel_id=room.room_id,
            mode=ChannelMode.COMMUNICATION if room.kind is RoomKind.CONVERSATION else ChannelMode.INTERACTIVE_LIVE,
            owner_id=room.master_id,
            total=room.total,
            server=_server(room.server),
            invited=room.invited_user_ids,
            max_members=room.max_member_num,
            merged_channel_ids=room.merge_room_ids,
            mirror_servers=room.mirror_servers,
        )

    def add_co_hosts(
        self, app_id: str, channel_id: str, user_ids: Sequence[str], *, video: bool = False
    ) -> list[PeerResult]:
        kind = "video" if video else "audio"
        return kick_one_by_one(lambda user_id: self.client.add_cohost(channel_id, user_id, kind=kind), user_ids)

    def remove_co_hosts(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[PeerResult]:
        return kick_one_by_one(lambda user_id: self.client.remove_cohost(channel_id, user_id), user_ids)

    def mirrors(self, app_id: str, channel_id: str) -> list[MediaServer]:
        return [_server(server) for server in self.client.mirrors(channel_id)]

    def create_mirror(self, app_id: str, channel_id: str, server_alias: str) -> str:
        self.client.create_mirror(channel_id, server_alias)
        return ""

    def merged_channels(self, app_id: str, channel_id: str) -> list[MergedChannel]:
        return [
            MergedChannel(room.room_id, MediaServer(room.server_alias, room.server_address))
            for room in self.client.merged_rooms(channel_id)
        ]

    def merge_channels(self, app_id: str, channel_id: str, other_channel_id: str) -> str:
        self.client.merge(channel_id, other_channel_id)
        return ""

    def separate_channels(self, app_id: str, channel_id: str, other_channel_id: str | None) -> str:
        if other_channel_id is None:
            # 主动分离 names the room's host: the console asks the room who that is.
            self.client.separate_self(channel_id, self.client.room_info(channel_id).master_id)
        else:
            self.client.separate(channel_id, other_channel_id)
        return ""

    def set_merged_track(self, app_id: str, channel_id: str, track_id: str, *, paused: bool) -> str:
        self.client.set_merged_track(channel_id, track_id, paused=paused)
        return ""

    def channel_recording_status(self, app_id: str, channel_id: str) -> ChannelRecordingStatus:
        status = self.client.room_record_status(channel_id)
        state = None if status is RecordStatus.NOT_RECORDING else status.state
        return ChannelRecordingStatus(state, _status_text(status))

    # --- servers ----------------------------------------------------------------------

    def least_loaded_server(self) -> MediaServer:
        return _server(self.client.least_loaded_server())

    def recording_server(self) -> MediaServer:
        return _server(self.client.record_server())

    def server_cpu_load(self) -> list[WorkerLoad]:
        return [WorkerLoad(load.pid, load.cpu_percent) for load in self.client.cpu_load()]

    def server_channel_count(self) -> int:
        return self.client.room_count()

    def recycle_server(self) -> str:
        self.client.recycle_server()
        return ""

    def recording_upload_url(self) -> RecordingUpload:
        return _upload(self.client.client_upload_url())

    def upload_recording(self, filename: str, content: bytes, media_type: str) -> RecordingUpload:
        return _upload(self.client.upload(filename, content, media_type))

    def close(self) -> None:
        self.client.close()


def _server(server: Server) -> MediaServer:
    return MediaServer(server.alias, server.address, server.url)


def _upload(started: StartedRecording) -> RecordingUpload:
    return RecordingUpload(
        started.record_id, MediaServer(started.server_alias, started.server_address), started.upload_url
    )


def _status_text(status: RecordStatus) -> str:
    return f"{int(status)} {status.name.lower().replace('_', ' ')}"


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
            Capability.JOIN_LOCK,
            Capability.BLOCK_MEMBER,
            Capability.SEND_MESSAGE,
            Capability.INVITE_MEMBERS,
            Capability.MEMBER_PRESENCE,
            Capability.CHANNEL_EXISTS,
            Capability.CHANNEL_DETAILS,
            Capability.CO_HOSTS,
            Capability.MIRRORS,
            Capability.MERGE_CHANNELS,
            Capability.MERGED_TRACKS,
            Capability.CHANNEL_RECORDING_STATUS,
            Capability.SERVER_LOAD,
            Capability.SERVER_RECYCLE,
            Capability.RECORDING_UPLOAD,
        }
    ),
    credential_fields=CREDENTIAL_FIELDS,
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(),
    connect=connect,
)
