"""Typed building blocks for cloud recording requests, and what query and stop answer."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from vendors.base.types import RecordingState

from .rules import VOD_SERVICE


class Status(enum.IntEnum):
    """serverResponse.status of query."""

    NOT_STARTED = 0
    INITIALIZED = 1
    RECORDER_STARTING = 2
    UPLOADER_READY = 3
    RECORDER_READY = 4
    FIRST_FILE_UPLOADED = 5
    STOPPED = 6
    ALL_STOPPED = 7
    EXITING = 8
    ABNORMAL_EXIT = 20

    @property
    def state(self) -> RecordingState:
        if self in (
            Status.NOT_STARTED,
            Status.INITIALIZED,
            Status.RECORDER_STARTING,
            Status.UPLOADER_READY,
            Status.RECORDER_READY,
        ):
            return RecordingState.STARTING
        if self is Status.FIRST_FILE_UPLOADED:
            return RecordingState.RECORDING
        if self is Status.ABNORMAL_EXIT:
            return RecordingState.FAILED
        return RecordingState.STOPPING


@dataclass(frozen=True, slots=True)
class LayoutPane:
    x: float
    y: float
    width: float
    height: float
    uid: str | None = None
    alpha: float = 1.0
    render_mode: int = 0  # 0 crop, 1 fit

    def to_json(self) -> dict[str, Any]:
        pane: dict[str, Any] = {
            "x_axis": self.x,
            "y_axis": self.y,
            "width": self.width,
            "height": self.height,
            "alpha": self.alpha,
            "render_mode": self.render_mode,
        }
        if self.uid is not None:
            pane["uid"] = self.uid
        return pane


@dataclass(frozen=True, slots=True)
class Layout:
    """mixedVideoLayout 0 floating, 1 adaptive, 2 vertical, 3 custom (with panes)."""

    mixed_video_layout: int = 0
    background_color: str = "#000000"
    panes: tuple[LayoutPane, ...] = ()
    max_resolution_uid: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"mixedVideoLayout": self.mixed_video_layout, "backgroundColor": self.background_color}
        if self.panes:
            data["layoutConfig"] = [pane.to_json() for pane in self.panes]
        if self.max_resolution_uid:
            data["maxResolutionUid"] = self.max_resolution_uid
        return data


@dataclass(frozen=True, slots=True)
class Transcoding:
    width: int = 360
    height: int = 640
    fps: int = 15
    bitrate: int = 500  # Kbps
    layout: Layout = field(default_factory=Layout)

    def to_json(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "bitrate": self.bitrate,
            **self.layout.to_json(),
        }


@dataclass(frozen=True, slots=True)
class Subscription:
    """Whose streams to record. None leaves a list out; uid_group estimates the peak (0-3)."""

    audio: tuple[str, ...] | None = None
    video: tuple[str, ...] | None = None
    not_audio: tuple[str, ...] | None = None
    not_video: tuple[str, ...] | None = None
    uid_group: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, value in (
            ("subscribeAudioUids", self.audio),
            ("subscribeVideoUids", self.video),
            ("unSubscribeAudioUids", self.not_audio),
            ("unSubscribeVideoUids", self.not_video),
        ):
            if value is not None:
                data[key] = list(value)
        if self.uid_group is not None:
            data["subscribeUidGroup"] = self.uid_group
        return data


@dataclass(frozen=True, slots=True)
class Storage:
    vendor: int
    region: int
    bucket: str
    access_key: str
    secret_key: str
    file_name_prefix: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "vendor": self.vendor,
            "region": self.region,
            "bucket": self.bucket,
            "accessKey": self.access_key,
            "secretKey": self.secret_key,
        }
        if self.file_name_prefix:
            data["fileNamePrefix"] = list(self.file_name_prefix)
        return data


@dataclass(frozen=True, slots=True)
class AliyunVod:
    access_key: str
    secret_key: str
    region_id: str
    title: str
    description: str | None = None
    cover_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        video = {"title": self.title}
        if self.description:
            video["description"] = self.description
        if self.cover_url:
            video["coverUrl"] = self.cover_url
        return {
            "extensionServices": [
                {
                    "serviceName": VOD_SERVICE,
                    "serviceParam": {
                        "accessKey": self.access_key,
                        "secretKey": self.secret_key,
                        "regionId": self.region_id,
                        "apiData": {"videoData": video},
                    },
                }
            ]
        }


@dataclass(frozen=True, slots=True)
class RecordingRequest:
    """clientRequest of start. Exactly one of: record files (default), snapshots, or VoD."""

    channel_type: int = 0  # 0 communication, 1 live
    stream_types: int = 2  # 0 audio, 1 video, 2 both
    max_idle_time: int = 30
    subscription: Subscription = field(default_factory=Subscription)
    transcoding: Transcoding | None = None
    audio_profile: int | None = None
    video_stream_type: int | None = None
    decryption_mode: int = 0
    decryption_secret: str | None = None
    snapshot_interval: int | None = None  # seconds; snapshots instead of files
    storage: Storage | None = None
    vod: AliyunVod | None = None
    token: str | None = None

    def to_json(self) -> dict[str, Any]:
        recording: dict[str, Any] = {
            "channelType": self.channel_type,
            "streamTypes": self.stream_types,
            "maxIdleTime": self.max_idle_time,
            **self.subscription.to_json(),
        }
        if self.transcoding:
            recording["transcodingConfig"] = self.transcoding.to_json()
        if self.audio_profile is not None:
            recording["audioProfile"] = self.audio_profile
        if self.video_stream_type is not None:
            recording["videoStreamType"] = self.video_stream_type
        if self.decryption_mode:
            recording["decryptionMode"] = self.decryption_mode
            recording["secret"] = self.decryption_secret or ""
        request: dict[str, Any] = {"recordingConfig": recording}
        if self.token:
            request["token"] = self.token
        if self.snapshot_interval is not None:
            request["snapshotConfig"] = {"captureInterval": self.snapshot_interval, "fileType": ["jpg"]}
        elif self.vod is None:
            request["recordingFileConfig"] = {"avFileType": ["hls"]}
        if self.storage:
            request["storageConfig"] = self.storage.to_json()
        if self.vod:
            request["extensionServiceConfig"] = self.vod.to_json()
        return request


@dataclass(frozen=True, slots=True)
class RecordedFile:
    filename: str
    track_type: str = ""
    uid: str = ""
    mixed_all_user: bool = True
    playable: bool = True
    slice_start_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Started:
    resource_id: str
    sid: str


@dataclass(frozen=True, slots=True)
class QueryResult:
    resource_id: str
    sid: str
    status: Status | None
    files: tuple[RecordedFile, ...] = ()
    file_list_mode: str = ""
    slice_start_ms: int | None = None
    extension_states: tuple[dict[str, Any], ...] = ()
    recording_service: str = ""


@dataclass(frozen=True, slots=True)
class StopResult:
    resource_id: str
    sid: str
    files: tuple[RecordedFile, ...]
    uploading_status: str
    nobody_published: bool  # HTTP 206: no one sent a stream, or some files did not reach storage
