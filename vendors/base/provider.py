"""What a vendor declares about itself, and the normalized interface the console calls.

The console builds forms from `credential_fields` and decides which pages and buttons to
show from `capabilities`; it never branches on a vendor's name.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, Protocol, TypeVar, cast

import httpx

from .errors import UnsupportedCapabilityError, VendorError
from .http import HttpSettings, RetryPolicy
from .mixing import Mixer, Presets
from .types import (
    App,
    ChannelDetails,
    ChannelMetric,
    ChannelMode,
    ChannelRecord,
    ChannelRecordingStatus,
    ChannelToken,
    ChannelUserRecord,
    Interval,
    JoinRole,
    JoinToken,
    JoinTokenReading,
    KickResult,
    MediaServer,
    MemberSession,
    Membership,
    MergedChannel,
    MixingRequest,
    MixingTask,
    MixLayout,
    Page,
    PeerResult,
    PlaybackRoom,
    Recording,
    RecordingDownload,
    RecordingEvent,
    RecordingRequest,
    RecordingRule,
    RecordingUpload,
    UsageMetric,
    UsagePoint,
    WorkerLoad,
)


class Capability(enum.Enum):
    LIST_APPS = "list_apps"
    RENAME_APP = "rename_app"
    USAGE_STATS = "usage_stats"
    ACCOUNT_USAGE = "account_usage"  # usage series for the whole account (every app at once): exact combined peaks
    CHANNEL_RECORDS = "channel_records"
    LIVE_MEMBERSHIP = "live_membership"
    MEMBER_SESSION = "member_session"
    CREATE_CHANNEL = "create_channel"
    KICK = "kick"
    CLOSE_CHANNEL = "close_channel"
    MIXING = "mixing"
    RECORDING = "recording"  # start and stop recordings of a channel
    RECORDING_STATUS = "recording_status"  # ask how a recording is doing
    RECORDING_CALLBACKS = "recording_callbacks"  # the vendor announces files by signed callbacks
    RECORDING_LAYOUT = "recording_layout"  # mixed recordings take a layout, changeable while running
    RECORDING_SUBSCRIPTIONS = "recording_subscriptions"  # change whose streams a running recording takes
    RECORDING_STORAGE = "recording_storage"  # files go to the tenant's own bucket
    RECORDING_FEATURED_USER = "recording_featured_user"  # one user shown large in the vendor's own layout
    RECORDING_RESOLUTION = "recording_resolution"
    RECORDING_IMAGES = "recording_images"  # snapshots as well as video
    RECORDING_PLAYBACK = "recording_playback"  # a room that replays a finished recording
    RECORDING_DOWNLOAD = "recording_download"  # the vendor hands the file over
    RECORDING_STOP_CHANNEL = "recording_stop_channel"  # stop every recording of a channel at once
    RECORDING_RULES = "recording_rules"  # recording rules and automatic recording per app
    PARTICIPANTS = "participants"  # a channel's members, paged at the vendor (lists too long for one answer)
    CHANNEL_NONCE = "channel_nonce"  # replace the nonce a channel's join tokens are signed with
    JOIN_TOKEN = "join_token"  # sign join tokens for an app, and read and check one
    # Room controls beside kick and close.
    JOIN_LOCK = "join_lock"  # refuse (and allow again) new joins to a channel
    BLOCK_MEMBER = "block_member"  # remove a user and keep them out
    SEND_MESSAGE = "send_message"  # a message to everyone in a channel or to chosen members
    INVITE_MEMBERS = "invite_members"  # add users to a channel only invitees may join
    MEMBER_PRESENCE = "member_presence"  # is this user in the channel now
    CHANNEL_EXISTS = "channel_exists"  # does the channel exist now
    CHANNEL_DETAILS = "channel_details"  # owner, server, invitees, member cap, merges, mirrors
    CO_HOSTS = "co_hosts"  # let audience members of a live channel publish, and stop them
    MIRRORS = "mirrors"  # copies of a live channel on other media servers
    MERGE_CHANNELS = "merge_channels"  # join live channels' media, and separate them
    MERGED_TRACKS = "merged_tracks"  # pause and resume one track of a merged channel
    CHANNEL_RECORDING_STATUS = "channel_recording_status"  # the vendor's own recording state of a channel
    # The account's media servers.
    SERVER_LOAD = "server_load"  # least-loaded server, recording server, CPU per worker, room count
    SERVER_RECYCLE = "server_recycle"  # take a server out of the load balancing
    RECORDING_UPLOAD = "recording_upload"  # upload a file as a recording; an upload address for clients


@dataclass(frozen=True, slots=True)
class CredentialField:
    name: str
    label: str
    secret: bool = False
    help_text: str = ""
    required: bool = True


@dataclass(frozen=True, slots=True)
class VendorLimits:
    """Documented limits the console must respect when planning calls."""

    max_usage_span_days: int | None = None
    requests_per_second: float | None = None
    kick_batch_size: int | None = None
    # The vendor counts each API separately (ISDP+: 60 requests a minute per API).
    per_api: bool = False
    # Over how many seconds the vendor counts (a per-minute limit allows a minute's burst).
    rate_window_seconds: int = 1


_Method = TypeVar("_Method", bound=Callable[..., Any])


def unsupported(capability: Capability | None, what: str) -> Callable[[_Method], _Method]:
    """Marks a Provider method as belonging to `capability`; until a vendor overrides it,
    it answers UnsupportedCapabilityError ("<vendor> has no API to <what>").

    The type checker keeps the declared signature (what callers and overrides are checked
    against); the body written under it is never run."""

    def decorate(method: _Method) -> _Method:
        @functools.wraps(method)
        def refuse(self: Provider, *args: object, **kwargs: object) -> NoReturn:
            raise UnsupportedCapabilityError(
                f"{self.vendor} has no API to {what}", vendor=self.vendor, code="Unsupported"
            )

        refuse.capability = capability  # type: ignore[attr-defined]  # a marker read by capability_methods
        return cast(_Method, refuse)

    return decorate


# The bodies under @unsupported are never run (the decorator answers instead): no return needed.
# mypy: disable-error-code="empty-body"
class Provider:
    """A connected vendor account speaking the normalized vocabulary: the one declaration of
    every method. Each vendor's provider subclasses it and overrides the methods of the
    capabilities its VendorInfo declares; the others answer UnsupportedCapabilityError.
    """

    vendor: str

    @unsupported(None, "check a connection")
    def check_connection(self) -> str:
        """A cheap authenticated read; returns the vendor's request id."""

    @unsupported(Capability.LIST_APPS, "list apps")
    def list_apps(self) -> Iterator[App]: ...

    @unsupported(Capability.RENAME_APP, "rename apps")
    def rename_app(self, app_id: str, name: str) -> str: ...

    @unsupported(Capability.USAGE_STATS, "read usage statistics")
    def usage(
        self,
        app_id: str,
        metric: UsageMetric,
        interval: Interval,
        start: datetime,
        end: datetime,
    ) -> list[UsagePoint]: ...

    @unsupported(Capability.ACCOUNT_USAGE, "read usage statistics of a whole account")
    def account_usage(
        self,
        metric: UsageMetric,
        interval: Interval,
        start: datetime,
        end: datetime,
    ) -> list[UsagePoint]:
        """The series of every app of the account together, as the vendor counts it (a peak is
        the account's busiest moment, not a sum of the apps' peaks)."""

    @unsupported(Capability.CHANNEL_RECORDS, "list channel records")
    def channel_records(self, app_id: str, day: datetime) -> Iterator[ChannelRecord]: ...

    @unsupported(Capability.CHANNEL_RECORDS, "list channel records")
    def channel_records_page(
        self, app_id: str, day: datetime, *, page: int, page_size: int, user_id: str | None = None
    ) -> Page[ChannelRecord]:
        """One page of a day's channel records, newest first; `user_id` keeps the channels that user was in."""

    @unsupported(Capability.CHANNEL_RECORDS, "report a channel's metrics")
    def channel_metric(self, app_id: str, channel_id: str, day: datetime) -> ChannelMetric: ...

    @unsupported(Capability.CHANNEL_RECORDS, "list a channel's users")
    def channel_users(
        self, app_id: str, channel_id: str, day: datetime, *, page: int, page_size: int
    ) -> Page[ChannelUserRecord]: ...

    @unsupported(Capability.LIVE_MEMBERSHIP, "read who is in a channel")
    def membership(self, app_id: str, channel_id: str) -> Membership: ...

    @unsupported(Capability.MEMBER_SESSION, "describe one member's session")
    def member_session(self, app_id: str, channel_id: str, user_id: str) -> MemberSession: ...

    @unsupported(Capability.CREATE_CHANNEL, "open channels")
    def create_channel(self, app_id: str, owner_id: str, mode: ChannelMode, channel_id: str | None = None) -> str:
        """Open a channel (room) owned by `owner_id`; returns the channel id the vendor chose."""

    @unsupported(Capability.KICK, "remove users from a channel")
    def kick(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[KickResult]: ...

    @unsupported(Capability.CLOSE_CHANNEL, "close channels")
    def close_channel(self, app_id: str, channel_id: str) -> str: ...

    # Mixed streams pushed to a CDN (Aliyun MPU). `presets` is the geometry of the vendor's
    # preset layouts where it mixes only presets (the console keeps it editable).
    @unsupported(Capability.MIXING, "mix streams")
    def start_mixing(self, app_id: str, channel_id: str, request: MixingRequest) -> str:
        """Start a task; returns the vendor's request id."""

    @unsupported(Capability.MIXING, "mix streams")
    def mixing_status(self, app_id: str, task_id: str) -> MixingTask: ...

    @unsupported(Capability.MIXING, "mix streams")
    def update_mixing_layout(
        self, app_id: str, task_id: str, layout: MixLayout, presets: Presets | None = None
    ) -> str: ...

    @unsupported(Capability.MIXING, "mix streams")
    def stop_mixing(self, app_id: str, task_id: str) -> str: ...

    # Recordings. `handle` is the Recording.handle the vendor gave at start.
    @unsupported(Capability.RECORDING, "record")
    def start_recording(self, app_id: str, channel_id: str, request: RecordingRequest) -> Recording: ...

    @unsupported(Capability.RECORDING_STATUS, "report a recording's status")
    def recording_status(self, app_id: str, handle: Mapping[str, str]) -> Recording: ...

    @unsupported(Capability.RECORDING, "record")
    def stop_recording(self, app_id: str, handle: Mapping[str, str]) -> Recording:
        """Stop; the answer carries the files where the vendor lists them on stop."""

    @unsupported(Capability.RECORDING_STOP_CHANNEL, "stop all recordings of a channel at once")
    def stop_channel_recordings(self, app_id: str, channel_id: str) -> str: ...

    @unsupported(Capability.RECORDING_LAYOUT, "change a running recording's layout")
    def update_recording_layout(self, app_id: str, handle: Mapping[str, str], layout: MixLayout) -> str: ...

    @unsupported(Capability.RECORDING_SUBSCRIPTIONS, "change whose streams a running recording takes")
    def update_recording_users(self, app_id: str, handle: Mapping[str, str], users: Sequence[str]) -> str:
        """Record only these users from now on (empty: everyone)."""

    @unsupported(Capability.RECORDING_PLAYBACK, "replay recordings")
    def recording_playback(self, app_id: str, handle: Mapping[str, str]) -> PlaybackRoom: ...

    @unsupported(Capability.RECORDING_DOWNLOAD, "hand over recorded files")
    def download_recording(self, app_id: str, handle: Mapping[str, str]) -> RecordingDownload: ...

    @unsupported(Capability.RECORDING_CALLBACKS, "send recording callbacks")
    def verify_recording_callback(
        self, headers: Mapping[str, str], body: Mapping[str, object], now: datetime
    ) -> RecordingEvent:
        """The event a signed callback announces; CallbackRejectedError when forged or stale."""

    def recording_callback_reply(self, status: int, message: str) -> Mapping[str, object]:
        """The JSON body the vendor expects in answer to its callback."""
        return {"message": message}

    @unsupported(Capability.RECORDING_RULES, "keep recording rules")
    def recording_rules(self, app_id: str) -> list[RecordingRule]: ...

    @unsupported(Capability.RECORDING_RULES, "keep recording rules")
    def save_recording_rule(self, app_id: str, rule: RecordingRule) -> str:
        """Add the rule (no rule_id) or replace it; returns its id."""

    @unsupported(Capability.RECORDING_RULES, "record automatically")
    def delete_recording_rule(self, app_id: str, rule_id: str) -> None: ...

    @unsupported(Capability.RECORDING_RULES, "record automatically")
    def set_auto_recording(self, app_id: str, rule_id: str, *, on: bool) -> None: ...

    @unsupported(Capability.PARTICIPANTS, "list a channel's participants page by page")
    def participants(self, app_id: str, channel_id: str, *, page: int, page_size: int) -> Page[str]:
        """One page of the user ids in the channel now, as the vendor pages them."""

    @unsupported(Capability.CHANNEL_NONCE, "refresh a channel's nonce")
    def refresh_channel_nonce(self, app_id: str, channel_id: str, nonce: str) -> ChannelToken:
        """Replace the channel's nonce `nonce` with a new one; tokens signed with the old one stop admitting."""

    @unsupported(Capability.JOIN_TOKEN, "sign join tokens")
    def join_token(self, app_id: str, channel_id: str, user_id: str, role: JoinRole) -> JoinToken:
        """A token for `user_id` to join `channel_id`, naming the media endpoint the vendor assigns."""

    @unsupported(Capability.JOIN_TOKEN, "read join tokens")
    def read_join_token(self, token: str) -> JoinTokenReading:
        """What `token` contains, and whether its signature holds under this account's key
        (InvalidRequestError when it is not a join token of this vendor at all)."""

    # Room controls. Methods taking several users answer for each (PeerResult), failures included.
    @unsupported(Capability.JOIN_LOCK, "lock a channel against new joins")
    def set_join_lock(self, app_id: str, channel_id: str, *, locked: bool) -> str:
        """Refuse new joins (locked) or allow them again; whoever is in stays. Returns the request id."""

    @unsupported(Capability.BLOCK_MEMBER, "block users")
    def block_members(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[PeerResult]:
        """Remove each user from the channel and keep them out (at the vendor's scope: it may be every channel)."""

    @unsupported(Capability.SEND_MESSAGE, "send messages to a channel")
    def broadcast_message(self, app_id: str, channel_id: str, message: Mapping[str, Any]) -> str:
        """A JSON object to everyone in the channel; returns the request id."""

    @unsupported(Capability.SEND_MESSAGE, "send messages to a channel")
    def message_members(
        self, app_id: str, channel_id: str, user_ids: Sequence[str], message: Mapping[str, Any]
    ) -> list[PeerResult]: ...

    @unsupported(Capability.INVITE_MEMBERS, "invite users to a channel")
    def invite_members(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[PeerResult]: ...

    @unsupported(Capability.MEMBER_PRESENCE, "say whether a user is in a channel")
    def member_present(self, app_id: str, channel_id: str, user_id: str) -> bool: ...

    @unsupported(Capability.CHANNEL_EXISTS, "say whether a channel exists")
    def channel_exists(self, app_id: str, channel_id: str) -> bool: ...

    @unsupported(Capability.CHANNEL_DETAILS, "describe a channel")
    def channel_details(self, app_id: str, channel_id: str) -> ChannelDetails: ...

    @unsupported(Capability.CO_HOSTS, "make audience members co-hosts")
    def add_co_hosts(
        self, app_id: str, channel_id: str, user_ids: Sequence[str], *, video: bool = False
    ) -> list[PeerResult]:
        """Let these audience members publish (audio, or audio and video)."""

    @unsupported(Capability.CO_HOSTS, "make audience members co-hosts")
    def remove_co_hosts(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[PeerResult]: ...

    @unsupported(Capability.MIRRORS, "mirror channels on other servers")
    def mirrors(self, app_id: str, channel_id: str) -> list[MediaServer]: ...

    @unsupported(Capability.MIRRORS, "mirror channels on other servers")
    def create_mirror(self, app_id: str, channel_id: str, server_alias: str) -> str: ...

    @unsupported(Capability.MERGE_CHANNELS, "merge channels")
    def merged_channels(self, app_id: str, channel_id: str) -> list[MergedChannel]: ...

    @unsupported(Capability.MERGE_CHANNELS, "merge channels")
    def merge_channels(self, app_id: str, channel_id: str, other_channel_id: str) -> str: ...

    @unsupported(Capability.MERGE_CHANNELS, "merge channels")
    def separate_channels(self, app_id: str, channel_id: str, other_channel_id: str | None) -> str:
        """Separate one merged channel, or (None) take this channel out of every merge."""

    @unsupported(Capability.MERGED_TRACKS, "pause a merged channel's tracks")
    def set_merged_track(self, app_id: str, channel_id: str, track_id: str, *, paused: bool) -> str: ...

    @unsupported(Capability.CHANNEL_RECORDING_STATUS, "report a channel's recording state")
    def channel_recording_status(self, app_id: str, channel_id: str) -> ChannelRecordingStatus: ...

    # The account's media servers.
    @unsupported(Capability.SERVER_LOAD, "report server load")
    def least_loaded_server(self) -> MediaServer: ...

    @unsupported(Capability.SERVER_LOAD, "report server load")
    def recording_server(self) -> MediaServer:
        """A recording server the vendor would use now."""

    @unsupported(Capability.SERVER_LOAD, "report server load")
    def server_cpu_load(self) -> list[WorkerLoad]: ...

    @unsupported(Capability.SERVER_LOAD, "report server load")
    def server_channel_count(self) -> int: ...

    @unsupported(Capability.SERVER_RECYCLE, "recycle servers")
    def recycle_server(self) -> str:
        """Take the answering server out of the load balancing; its channels run on until they end."""

    @unsupported(Capability.RECORDING_UPLOAD, "take uploaded recordings")
    def recording_upload_url(self) -> RecordingUpload: ...

    @unsupported(Capability.RECORDING_UPLOAD, "take uploaded recordings")
    def upload_recording(self, filename: str, content: bytes, media_type: str) -> RecordingUpload: ...

    def close(self) -> None:
        """Let go of connections; nothing to do for a provider that holds none."""


def capability_methods(capability: Capability) -> list[str]:
    """The Provider methods a vendor declaring `capability` must override."""
    return [name for name, method in vars(Provider).items() if getattr(method, "capability", None) is capability]


def kick_one_by_one(remove: Callable[[str], object], user_ids: Sequence[str]) -> list[KickResult]:
    """For vendors that remove one user per call: each user's own answer, failures included."""
    results = []
    for user_id in user_ids:
        try:
            remove(user_id)
        except VendorError as error:
            results.append(KickResult(user_id, False, error.code, error.message, error.request_id))
        else:
            results.append(KickResult(user_id, True))
    return results


class ProviderFactory(Protocol):
    def __call__(
        self,
        credentials: Mapping[str, str],
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        http: HttpSettings | None = None,
        retry: RetryPolicy | None = None,
    ) -> Provider: ...


def connector(make_provider: Callable[..., Provider]) -> ProviderFactory:
    """A ProviderFactory from `make_provider(credentials, **client_options)`: the options
    (base URL, transport, HTTP settings, retry policy) are passed on only when given."""

    def connect(
        credentials: Mapping[str, str],
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        http: HttpSettings | None = None,
        retry: RetryPolicy | None = None,
    ) -> Provider:
        options = {"base_url": base_url, "transport": transport, "http": http, "retry": retry}
        return make_provider(credentials, **{name: value for name, value in options.items() if value is not None})

    return connect


@dataclass(frozen=True, slots=True)
class StorageProvider:
    """A cloud storage service a recording vendor uploads to, by the vendor's own numbers."""

    number: int
    name: str
    regions: frozenset[int]


@dataclass(frozen=True, slots=True)
class VendorInfo:
    """Registry entry: everything the console may know about a vendor before connecting."""

    name: str
    label: str
    capabilities: frozenset[Capability]
    credential_fields: tuple[CredentialField, ...]
    default_base_url: str
    limits: VendorLimits
    connect: ProviderFactory
    # Further public endpoints of the vendor's own (regions); a tenant may pick any of these.
    other_base_urls: tuple[str, ...] = ()
    # With Capability.RECORDING_STORAGE: the storage services and regions it can upload to.
    storage_providers: tuple[StorageProvider, ...] = ()
    # With Capability.MIXING or RECORDING_LAYOUT: how it speaks the console's layouts.
    mixer: Mixer | None = None
    # With Capability.JOIN_TOKEN: the roles a token can carry.
    join_roles: tuple[JoinRole, ...] = ()

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


class Registry:
    def __init__(self) -> None:
        self._vendors: dict[str, VendorInfo] = {}

    def register(self, info: VendorInfo) -> VendorInfo:
        if info.name in self._vendors:
            raise ValueError(f"vendor {info.name!r} is registered twice")
        self._vendors[info.name] = info
        return info

    def unregister(self, name: str) -> VendorInfo:
        """Take a vendor out again. For tests that register a vendor of their own
        (tests/toy_vendor): stored accounts of a vendor no longer registered read as unknown."""
        return self._vendors.pop(name)

    def get(self, name: str) -> VendorInfo:
        try:
            return self._vendors[name]
        except KeyError:
            raise KeyError(f"unknown vendor {name!r}; known: {sorted(self._vendors)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._vendors

    def __iter__(self) -> Iterator[VendorInfo]:
        return iter(sorted(self._vendors.values(), key=lambda info: info.name))

    def names(self) -> list[str]:
        return sorted(self._vendors)

    def with_capability(self, capability: Capability) -> Iterable[VendorInfo]:
        return [info for info in self if info.can(capability)]

    def mixers(self) -> list[VendorInfo]:
        """The vendors that mix layouts (a push or a mixed recording), for the editor's previews."""
        return [info for info in self if info.mixer is not None]
