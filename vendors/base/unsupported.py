"""A mixin that answers every Provider method a vendor lacks with UnsupportedCapabilityError."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import NoReturn

from .errors import UnsupportedCapabilityError, VendorError
from .types import (
    App,
    ChannelMetric,
    ChannelMode,
    ChannelRecord,
    ChannelUserRecord,
    Interval,
    KickResult,
    MemberSession,
    Membership,
    MixingRequest,
    MixingTask,
    MixLayout,
    Page,
    PlaybackRoom,
    Recording,
    RecordingDownload,
    RecordingEvent,
    RecordingRequest,
    RecordingRule,
    UsageMetric,
    UsagePoint,
)


class Unsupported:
    vendor: str

    def _unsupported(self, what: str) -> NoReturn:
        raise UnsupportedCapabilityError(f"{self.vendor} has no API to {what}", vendor=self.vendor, code="Unsupported")

    def list_apps(self) -> Iterator[App]:
        self._unsupported("list apps")

    def rename_app(self, app_id: str, name: str) -> str:
        self._unsupported("rename apps")

    def usage(
        self, app_id: str, metric: UsageMetric, interval: Interval, start: datetime, end: datetime
    ) -> list[UsagePoint]:
        self._unsupported("read usage statistics")

    def channel_records(self, app_id: str, day: datetime) -> Iterator[ChannelRecord]:
        self._unsupported("list channel records")

    def channel_records_page(
        self, app_id: str, day: datetime, *, page: int, page_size: int, user_id: str | None = None
    ) -> Page[ChannelRecord]:
        self._unsupported("list channel records")

    def channel_metric(self, app_id: str, channel_id: str, day: datetime) -> ChannelMetric:
        self._unsupported("report a channel's metrics")

    def channel_users(
        self, app_id: str, channel_id: str, day: datetime, *, page: int, page_size: int
    ) -> Page[ChannelUserRecord]:
        self._unsupported("list a channel's users")

    def membership(self, app_id: str, channel_id: str) -> Membership:
        self._unsupported("read who is in a channel")

    def member_session(self, app_id: str, channel_id: str, user_id: str) -> MemberSession:
        self._unsupported("describe one member's session")

    def create_channel(self, app_id: str, owner_id: str, mode: ChannelMode, channel_id: str | None = None) -> str:
        self._unsupported("open channels")

    def kick(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[KickResult]:
        self._unsupported("remove users from a channel")

    def start_mixing(self, app_id: str, channel_id: str, request: MixingRequest) -> str:
        self._unsupported("mix streams")

    def mixing_status(self, app_id: str, task_id: str) -> MixingTask:
        self._unsupported("mix streams")

    def update_mixing_layout(self, app_id: str, task_id: str, layout: MixLayout, presets: object = None) -> str:
        self._unsupported("mix streams")

    def stop_mixing(self, app_id: str, task_id: str) -> str:
        self._unsupported("mix streams")

    def close_channel(self, app_id: str, channel_id: str) -> str:
        self._unsupported("close channels")

    def start_recording(self, app_id: str, channel_id: str, request: RecordingRequest) -> Recording:
        self._unsupported("record")

    def recording_status(self, app_id: str, handle: Mapping[str, str]) -> Recording:
        self._unsupported("report a recording's status")

    def stop_recording(self, app_id: str, handle: Mapping[str, str]) -> Recording:
        self._unsupported("record")

    def stop_channel_recordings(self, app_id: str, channel_id: str) -> str:
        self._unsupported("stop all recordings of a channel at once")

    def update_recording_layout(self, app_id: str, handle: Mapping[str, str], layout: MixLayout) -> str:
        self._unsupported("change a running recording's layout")

    def update_recording_users(self, app_id: str, handle: Mapping[str, str], users: Sequence[str]) -> str:
        self._unsupported("change whose streams a running recording takes")

    def recording_playback(self, app_id: str, handle: Mapping[str, str]) -> PlaybackRoom:
        self._unsupported("replay recordings")

    def download_recording(self, app_id: str, handle: Mapping[str, str]) -> RecordingDownload:
        self._unsupported("hand over recorded files")

    def verify_recording_callback(
        self, headers: Mapping[str, str], body: Mapping[str, object], now: datetime
    ) -> RecordingEvent:
        self._unsupported("send recording callbacks")

    def recording_callback_reply(self, status: int, message: str) -> Mapping[str, object]:
        return {"message": message}

    def recording_rules(self, app_id: str) -> list[RecordingRule]:
        self._unsupported("keep recording rules")

    def save_recording_rule(self, app_id: str, rule: RecordingRule) -> str:
        self._unsupported("keep recording rules")

    def delete_recording_rule(self, app_id: str, rule_id: str) -> None:
        self._unsupported("keep recording rules")

    def set_auto_recording(self, app_id: str, rule_id: str, *, on: bool) -> None:
        self._unsupported("record automatically")


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
