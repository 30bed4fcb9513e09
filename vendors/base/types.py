"""Normalized vocabulary shared by every vendor.

Plain frozen dataclasses: cheap to build in bulk, hashable, trivially comparable in tests.
Times are timezone-aware UTC datetimes; durations are whole minutes as the vendors report.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from .mixing import Presets

T = TypeVar("T")


class AppStatus(enum.Enum):
    ACTIVE = "active"
    STOPPED = "stopped"
    ARREARS = "arrears"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class App:
    app_id: str
    name: str
    app_type: str = ""
    status: AppStatus = AppStatus.UNKNOWN
    bill_type: str = ""
    service_areas: tuple[str, ...] = ()
    created_at: datetime | None = None


class UsageMetric(enum.Enum):
    DURATION = "duration"
    ACTIVE_USERS = "active_users"
    ACTIVE_CHANNELS = "active_channels"
    PEAK_USERS = "peak_users"
    PEAK_CHANNELS = "peak_channels"

    @property
    def has_peak_time(self) -> bool:
        return self in (UsageMetric.PEAK_USERS, UsageMetric.PEAK_CHANNELS)


class Interval(enum.IntEnum):
    """Granularities the vendors aggregate at, in seconds."""

    HOUR = 3600
    DAY = 86400


class Tier(enum.Enum):
    """Resolution tiers a minute of communication is billed at."""

    AUDIO = "audio"
    V360 = "360p"
    V720 = "720p"
    V1080 = "1080p"
    CONTENT = "screen_share"


@dataclass(frozen=True, slots=True)
class DurationBreakdown:
    """Minutes per tier. `total` is what the vendor reports, not necessarily the sum."""

    audio: int = 0
    v360: int = 0
    v720: int = 0
    v1080: int = 0
    content: int = 0
    total: int = 0

    def by_tier(self) -> dict[Tier, int]:
        return {
            Tier.AUDIO: self.audio,
            Tier.V360: self.v360,
            Tier.V720: self.v720,
            Tier.V1080: self.v1080,
            Tier.CONTENT: self.content,
        }


@dataclass(frozen=True, slots=True)
class UsagePoint:
    """One bucket of one statistic. `value` is the total minutes for DURATION."""

    metric: UsageMetric
    interval: Interval
    timestamp: datetime
    value: int
    peak_time: datetime | None = None
    duration: DurationBreakdown | None = None


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    """One communication record of a channel (a span of continuous activity)."""

    channel_id: str
    start: datetime
    end: datetime | None
    total_users: int
    call_areas: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelMetric:
    channel_id: str
    start: datetime | None
    end: datetime | None
    user_count: int
    publisher_count: int
    subscriber_count: int
    published: DurationBreakdown
    subscribed: DurationBreakdown


@dataclass(frozen=True, slots=True)
class ChannelUserRecord:
    """One user's stay in a channel on a day, with minutes per tier."""

    channel_id: str
    user_id: str
    start: datetime
    end: datetime | None
    service_area: str
    published: DurationBreakdown
    subscribed: DurationBreakdown


class ChannelMode(enum.Enum):
    COMMUNICATION = "communication"
    INTERACTIVE_LIVE = "interactive_live"
    UNKNOWN = "unknown"


class MemberRole(enum.Enum):
    COMMUNICATION = "communication"
    INTERACTIVE = "interactive"  # publishes in a live channel (its host or another publisher)
    CO_HOST = "co_host"  # a viewer promoted to publish (uprtc live co-host)
    VIEWER = "viewer"  # only watches a live channel
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    role: MemberRole = MemberRole.UNKNOWN
    joined_at: datetime | None = None
    session_id: str = ""


@dataclass(frozen=True, slots=True)
class Membership:
    """Who is in a channel at `observed_at`.

    Counts come from the vendor and may exceed `len(members)` where it truncates lists
    (Aliyun returns at most 1,000 live viewers).
    """

    channel_id: str
    exists: bool
    mode: ChannelMode
    members: tuple[Member, ...]
    counts: dict[MemberRole, int] = field(default_factory=dict)
    observed_at: datetime | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values()) if self.counts else len(self.members)


@dataclass(frozen=True, slots=True)
class MemberSession:
    """What the vendor says about one user in one channel right now."""

    channel_exists: bool
    in_channel: bool
    sessions: tuple[Member, ...] = ()


@dataclass(frozen=True, slots=True)
class KickResult:
    """The vendor's answer for one user of a request made for several: a kick, a block, a
    message to chosen members, co-hosts added or removed (also named PeerResult)."""

    user_id: str
    ok: bool
    code: str = ""
    message: str = ""
    request_id: str = ""


PeerResult = KickResult


@dataclass(frozen=True, slots=True)
class MediaServer:
    """One of the vendor's media servers, as the vendor names it."""

    alias: str
    address: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class WorkerLoad:
    """One worker process of a media server and its CPU use (percent)."""

    pid: int
    cpu_percent: float


@dataclass(frozen=True, slots=True)
class ChannelDetails:
    """What the vendor keeps about a channel beside who is in it."""

    channel_id: str
    mode: ChannelMode
    owner_id: str
    total: int
    server: MediaServer | None = None
    invited: tuple[str, ...] = ()
    max_members: int | None = None  # 0: no limit; None: the vendor has no cap for this kind
    merged_channel_ids: tuple[str, ...] = ()
    mirror_servers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MergedChannel:
    """A channel whose media is joined with another's (hosts of both seen by both audiences)."""

    channel_id: str
    server: MediaServer


@dataclass(frozen=True, slots=True)
class RecordingUpload:
    """A recording the vendor made room for: a file uploaded, or an address a client uploads to."""

    recording_id: str
    server: MediaServer
    upload_url: str = ""


class SourceType(enum.Enum):
    CAMERA = "camera"
    SCREEN = "screen"


class RenderMode(enum.Enum):
    CROP = "crop"
    FIT = "fit"


@dataclass(frozen=True, slots=True)
class Pane:
    """One window of a mixed stream, in normalized canvas coordinates (0..1)."""

    x: float
    y: float
    width: float
    height: float
    z: int = 0
    user_id: str | None = None  # None: whoever joins next
    source: SourceType = SourceType.CAMERA
    render_mode: RenderMode = RenderMode.CROP
    alpha: float = 1.0


@dataclass(frozen=True, slots=True)
class Rgb:
    red: int
    green: int
    blue: int

    def __post_init__(self) -> None:
        for channel in (self.red, self.green, self.blue):
            if not 0 <= channel <= 255:
                raise ValueError("colour channels are 0..255")

    @property
    def hex(self) -> str:
        return f"#{self.red:02X}{self.green:02X}{self.blue:02X}"

    @classmethod
    def from_hex(cls, value: str) -> Rgb:
        text = value.removeprefix("#")
        if len(text) != 6:
            raise ValueError(f"not a #RRGGBB colour: {value!r}")
        return cls(int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


@dataclass(frozen=True, slots=True)
class Encoding:
    width: int
    height: int
    bitrate_kbps: int
    fps: int


@dataclass(frozen=True, slots=True)
class MixLayout:
    panes: tuple[Pane, ...]
    background: Rgb = Rgb(0, 0, 0)
    crop_mode: RenderMode = RenderMode.FIT


class MixingState(enum.Enum):
    WAITING = "waiting"
    RUNNING = "running"
    STOPPED = "stopped"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class MixingTask:
    task_id: str
    state: MixingState
    vendor_status: str = ""
    detail: str = ""
    # The vendor ended the task on its own (the channel stopped, the CDN or the address failed),
    # not because someone asked it to stop.
    ended_by_vendor: bool = False


@dataclass(frozen=True, slots=True)
class MixingRequest:
    """A mixed stream to start: where it goes, how it is encoded, who is in it and where."""

    task_id: str
    stream_url: str
    media_encode: int
    task_profile: str
    layout: MixLayout
    subscribed_users: tuple[str, ...] = ()
    presets: Presets | None = None  # the vendor's preset geometry, where it mixes only presets


class RecordingState(enum.Enum):
    STARTING = "starting"
    RECORDING = "recording"
    STOPPING = "stopping"
    FINISHED = "finished"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @property
    def over(self) -> bool:
        return self in (RecordingState.FINISHED, RecordingState.FAILED)


class RecordingKind(enum.Enum):
    VIDEO = "video"
    IMAGE = "image"


RESOLUTIONS = {"1080p": (1920, 1080), "720p": (1280, 720), "480p": (848, 480)}


@dataclass(frozen=True, slots=True)
class StorageTarget:
    """A third-party bucket the vendor uploads files to. `vendor` and `region` are the
    recording vendor's own numbers for the storage provider and its region."""

    vendor: int
    region: int
    bucket: str
    access_key: str
    secret_key: str
    prefix: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordingRequest:
    """A recording to start. Each vendor takes what it can express; the console offers only
    the settings the vendor's capabilities name, and the vendor refuses the rest."""

    kind: RecordingKind = RecordingKind.VIDEO
    mixed: bool = True
    users: tuple[str, ...] = ()  # whose streams; empty: everyone
    resolution: str = "720p"  # a key of RESOLUTIONS
    layout: MixLayout | None = None
    featured_user: str = ""  # shown large where the vendor lays out by itself
    storage: StorageTarget | None = None
    callback_url: str = ""  # where the vendor announces files
    rule_id: str = ""  # the vendor's recording rule, where recordings follow rules
    max_idle_seconds: int = 30
    extra_data: str = ""  # handed back by the vendor's callbacks


@dataclass(frozen=True, slots=True)
class RecordingFile:
    name: str
    url: str = ""
    size_bytes: int | None = None
    media_type: str = ""
    user_id: str = ""
    content: bytes = b""  # where the vendor hands the file over itself (a snapshot)


@dataclass(frozen=True, slots=True)
class Recording:
    """What a vendor says about one recording. `handle` is what the vendor needs to find it
    again (kept by the console as is); `files` is empty until the vendor lists any."""

    recording_id: str
    channel_id: str
    state: RecordingState
    vendor_status: str = ""
    files: tuple[RecordingFile, ...] = ()
    started_at: datetime | None = None
    handle: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    request_id: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RecordingEvent:
    """A vendor's signed announcement about a recording (a file is ready)."""

    app_id: str
    recording_id: str
    channel_id: str
    user_id: str
    kind: RecordingKind
    files: tuple[RecordingFile, ...]
    extra_data: str = ""
    signature: str = ""


@dataclass(frozen=True, slots=True)
class ChannelRecordingStatus:
    """How the vendor's own recording of a channel stands now (its latest, if any)."""

    state: RecordingState | None  # None: the vendor is not recording the channel and has no recording of it
    vendor_status: str


@dataclass(frozen=True, slots=True)
class PlaybackRoom:
    room_id: str
    server_url: str = ""
    server_alias: str = ""


@dataclass(frozen=True, slots=True)
class RecordingDownload:
    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True, slots=True)
class RecordingRule:
    """A rule recordings follow (what, where, and where callbacks go); automatic recording
    runs one rule for every channel of an app."""

    kind: RecordingKind
    mixed: bool
    file_name: str
    callback_url: str
    enabled: bool = True
    rule_id: str = ""
    record_path: str = ""
    capture_interval: int | None = None
    capture_count: int | None = None
    extra_data: str = ""
    network_storage: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a paged vendor listing. `total` counts items, when the vendor says."""

    items: tuple[T, ...]
    page: int
    page_size: int
    total: int | None = None
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class ChannelToken:
    """A refreshed channel nonce (Aliyun UpdateChannel); valid 48 hours from `issued_at`."""

    nonce: str
    issued_at: datetime
    request_id: str = ""


class JoinRole(enum.Enum):
    """What a join token lets its holder do with media."""

    PUBLISH_AND_WATCH = "publish_and_watch"
    PUBLISH_ONLY = "publish_only"


@dataclass(frozen=True, slots=True)
class JoinToken:
    """A signed token a client presents to join `channel_id` as `user_id` at the media endpoint."""

    token: str
    app_id: str
    channel_id: str
    user_id: str
    role: JoinRole
    signed_at: datetime
    media_host: str
    media_port: str


@dataclass(frozen=True, slots=True)
class JoinTokenReading:
    """What a pasted join token says. `signature_holds` is None when it cannot be checked
    (the token names an app whose key this account does not hold, or no key is stored)."""

    app_id: str
    channel_id: str
    user_id: str
    role: JoinRole | None
    signed_at: datetime | None
    fields: tuple[tuple[str, str], ...]
    signature_holds: bool | None
