"""Typed values of the ISDP+ server API."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class StorageType(enum.Enum):
    ISDP = "ISDP"  # ISDP's file storage (public cloud)
    NAS = "NAS"  # a network share (private deployments)


@dataclass(frozen=True, slots=True)
class MediaEndpoint:
    channel_id: str
    ip: str
    port: str


@dataclass(frozen=True, slots=True)
class RecordRule:
    """A recording rule. recording_type 0 video, 1 image; recording_model 0 single stream, 1 mixed."""

    storage_type: StorageType
    file_name: str
    recording_type: int
    recording_model: int
    callback_url: str
    enabled: bool = True
    record_path: str | None = None
    capture_interval: int | None = None
    capture_nums: int | None = None
    extra_data: str | None = None
    mixing_enabled: int | None = None
    rule_id: int | None = None
    base_path: str = ""

    def to_json(self, app_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "appId": app_id,
            "storageType": self.storage_type.value,
            "fileName": self.file_name,
            "recordingType": self.recording_type,
            "recordingModel": self.recording_model,
            "callbackUrl": self.callback_url,
            "status": self.enabled,
        }
        for key, value in (
            ("recordPath", self.record_path),
            ("captureInterval", self.capture_interval),
            ("captureNums", self.capture_nums),
            ("extraData", self.extra_data),
            ("mixingEnabled", self.mixing_enabled),
        ):
            if value is not None:
                body[key] = value
        return body
