"""What the uprtc API answers, as typed values (spec 003)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from vendors.base.types import RecordingState


class Protocol(enum.IntEnum):
    """RTC连接协议."""

    UDP = 0
    TCP = 1
    UDP_THEN_TCP = 2
    TCP_THEN_UDP = 3


class RecordStatus(enum.IntEnum):
    """录制状态."""

    NOT_RECORDING = 0
    PREPARING = 1
    RECORDING = 2
    ENDED = 3
    WAITING_FOR_PROCESSING = 4
    PROCESSING = 5
    PROCESSED = 6
    FAILED = 7

    @property
    def state(self) -> RecordingState:
        return {
            RecordStatus.NOT_RECORDING: RecordingState.UNKNOWN,
            RecordStatus.PREPARING: RecordingState.STARTING,
            RecordStatus.RECORDING: RecordingState.RECORDING,
            RecordStatus.ENDED: RecordingState.STOPPING,
            RecordStatus.WAITING_FOR_PROCESSING: RecordingState.STOPPING,
            RecordStatus.PROCESSING: RecordingState.STOPPING,
            RecordStatus.PROCESSED: RecordingState.FINISHED,
            RecordStatus.FAILED: RecordingState.FAILED,
        }[self]


class RoomKind(enum.Enum):
    CONVERSATION = "convo"
    LIVE = "live"


RESOLUTIONS = ("1080p", "720p", "480p")
KINDS = ("audio", "video")


@dataclass(frozen=True, slots=True)
class Server:
    alias: str
    address: str
    url: str = ""
    url6: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class CreatedRoom:
    room_id: str
    server: Server
    invitation_code: int | None = None


@dataclass(frozen=True, slots=True)
class RoomInfo:
    room_id: str
    kind: RoomKind
    server: Server
    total: int
    master_id: str
    member_ids: tuple[str, ...]
    invited_user_ids: tuple[str, ...] = ()
    max_member_num: int | None = None
    merge_room_ids: tuple[str, ...] = ()
    mirror_servers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MergedRoom:
    room_id: str
    server_alias: str
    server_address: str


@dataclass(frozen=True, slots=True)
class StartedRecording:
    record_id: str
    server_alias: str
    server_address: str
    upload_url: str = ""


@dataclass(frozen=True, slots=True)
class WorkerLoad:
    pid: int
    cpu_percent: float


@dataclass(frozen=True, slots=True)
class Download:
    content: bytes
    media_type: str
    filename: str
