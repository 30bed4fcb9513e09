"""StartMPUTask / UpdateMPULayout rules from spec 001 section 8.

Used twice on purpose: the client checks before sending (clear errors, no wasted request)
and the simulator checks what arrives (requests from other SDKs must be judged too).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from vendors.base.errors import ValidationError
from vendors.base.mixing import PushOptions
from vendors.base.types import Encoding, Rgb

from .layouts import pane_count

VENDOR = "aliyun"

MEDIA_ENCODE: dict[int, Encoding] = {
    0: Encoding(0, 0, 64, 0),
    1: Encoding(640, 360, 500, 15),
    54: Encoding(360, 640, 500, 30),
    53: Encoding(360, 640, 500, 15),
    52: Encoding(640, 360, 500, 30),
    10: Encoding(960, 540, 700, 24),
    20: Encoding(1280, 720, 1024, 25),
    22: Encoding(720, 1280, 1024, 30),
    23: Encoding(800, 600, 1024, 30),
    30: Encoding(1920, 1080, 2048, 30),
    31: Encoding(1080, 1920, 2048, 30),
    24: Encoding(750, 780, 1024, 30),
    25: Encoding(750, 540, 700, 30),
    26: Encoding(720, 1280, 2048, 30),
    27: Encoding(1280, 720, 2048, 30),
    28: Encoding(1280, 720, 3096, 30),
    32: Encoding(1024, 768, 1024, 24),
    33: Encoding(1280, 960, 1024, 24),
    34: Encoding(1024, 768, 2048, 24),
    35: Encoding(1280, 960, 2048, 24),
    36: Encoding(1280, 720, 1024, 24),
    37: Encoding(1280, 720, 2048, 24),
    38: Encoding(540, 960, 750, 15),
    39: Encoding(540, 960, 1500, 30),
    40: Encoding(1280, 720, 1200, 15),
    41: Encoding(720, 1280, 1200, 15),
    42: Encoding(720, 1280, 1500, 15),
    43: Encoding(540, 960, 1200, 15),
}


@dataclass(frozen=True, slots=True)
class TaskProfile:
    name: str
    inputs: int | None  # None: unlimited (Mixed_Audio)
    lines: int | None  # vertical resolution class; None for audio only


TASK_PROFILES: dict[str, TaskProfile] = {
    f"{n}IN_{res}P": TaskProfile(f"{n}IN_{res}P", n, res) for n in (1, 2, 4, 9, 12, 16) for res in (1080, 720, 360)
}
TASK_PROFILES["Mixed_Audio"] = TaskProfile("Mixed_Audio", None, None)

TASK_ID = re.compile(r"[A-Za-z0-9_-]+")
MAX_TASK_ID_BYTES = 55
MAX_LIST = 16
START_CROP_MODES = (1, 2)  # section 8.1 lists 1 and 2 (default 2)
UPDATE_CROP_MODES = (0, 1, 2)  # section 8.4 adds 0 (stretch)
SOURCE_TYPES = ("camera", "shareScreen")
MAX_BACKGROUND = 255 + 255 * 256 + 255 * 65536


@dataclass(frozen=True, slots=True)
class UserPane:
    pane_id: int
    user_id: str = ""
    source_type: str = "camera"


def fail(message: str, field: str) -> ValidationError:
    return ValidationError(message, field=field, vendor=VENDOR)


def background_color(rgb: Rgb) -> int:
    """Section 8: R + G*256 + B*65536."""
    return rgb.red + rgb.green * 256 + rgb.blue * 65536


def rgb_of(value: int) -> Rgb:
    return Rgb(value % 256, (value // 256) % 256, (value // 65536) % 256)


def short_side(encoding: Encoding) -> int:
    return min(encoding.width, encoding.height)


def check_task_id(task_id: str) -> None:
    if not task_id or not TASK_ID.fullmatch(task_id):
        raise fail("TaskId may only contain A-Z, a-z, 0-9, '_' and '-'", "TaskId")
    if len(task_id.encode("utf-8")) > MAX_TASK_ID_BYTES:
        raise fail(f"TaskId is limited to {MAX_TASK_ID_BYTES} bytes", "TaskId")


def check_stream_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("rtmp", "rtmps") or not parts.hostname:
        raise fail("StreamURL must be an rtmp:// or rtmps:// address with a host", "StreamURL")


def check_layout_ids(layout_ids: Sequence[int]) -> int:
    """Validate LayoutIds; return the largest pane count among them."""
    if not layout_ids:
        raise fail("at least one LayoutId is required", "LayoutIds")
    if len(layout_ids) > MAX_LIST:
        raise fail(f"at most {MAX_LIST} LayoutIds", "LayoutIds")
    counts: dict[int, int] = {}
    for layout_id in layout_ids:
        count = pane_count(layout_id)
        if count is None:
            raise fail(f"unknown LayoutId {layout_id}", "LayoutIds")
        if count in counts:
            raise fail(
                f"LayoutIds {counts[count]} and {layout_id} both have {count} panes; "
                "each layout of a task needs a different pane count",
                "LayoutIds",
            )
        counts[count] = layout_id
    return max(counts)


def check_media_encode(media_encode: int, task_profile: str | None) -> None:
    if media_encode not in MEDIA_ENCODE:
        raise fail(f"MediaEncode {media_encode} is not in the table", "MediaEncode")
    if task_profile is None:
        return
    profile = TASK_PROFILES.get(task_profile)
    if profile is None:
        raise fail(f"TaskProfile {task_profile!r} is not in the table", "TaskProfile")
    encoding = MEDIA_ENCODE[media_encode]
    if profile.lines is None:
        if media_encode != 0:
            raise fail("Mixed_Audio tasks take MediaEncode 0 (audio only)", "MediaEncode")
    elif short_side(encoding) > profile.lines:
        raise fail(
            f"MediaEncode {media_encode} ({encoding.width}x{encoding.height}) exceeds "
            f"the {profile.lines}P resolution of TaskProfile {task_profile}",
            "MediaEncode",
        )


def check_profile_inputs(task_profile: str | None, max_panes: int) -> None:
    if task_profile is None:
        return
    profile = TASK_PROFILES.get(task_profile)
    if profile is None:
        raise fail(f"TaskProfile {task_profile!r} is not in the table", "TaskProfile")
    if profile.inputs is not None and max_panes > profile.inputs:
        raise fail(
            f"the largest layout has {max_panes} panes but {task_profile} takes {profile.inputs} inputs",
            "TaskProfile",
        )


def check_crop_mode(crop_mode: int | None, allowed: Sequence[int]) -> None:
    if crop_mode is not None and crop_mode not in allowed:
        raise fail(f"CropMode must be one of {', '.join(map(str, allowed))}", "CropMode")


def check_background(value: int | None) -> None:
    if value is not None and not 0 <= value <= MAX_BACKGROUND:
        raise fail("BackgroundColor must be R + G*256 + B*65536 with each 0..255", "BackgroundColor")


def check_user_panes(panes: Sequence[UserPane]) -> None:
    if len(panes) > MAX_LIST:
        raise fail(f"at most {MAX_LIST} UserPanes", "UserPanes")
    seen: set[int] = set()
    for pane in panes:
        if not 0 <= pane.pane_id <= 15:
            raise fail("PaneId must be 0..15", "UserPanes")
        if pane.pane_id in seen:
            raise fail(f"PaneId {pane.pane_id} is used twice", "UserPanes")
        seen.add(pane.pane_id)
        if pane.source_type not in SOURCE_TYPES:
            raise fail("SourceType must be camera or shareScreen", "UserPanes")


def check_sub_users(users: Sequence[str]) -> None:
    if len(users) > MAX_LIST:
        raise fail(f"at most {MAX_LIST} SubSpecUsers", "SubSpecUsers")


def check_encoding(media_encode: int, task_profile: str, panes: int) -> None:
    check_media_encode(media_encode, task_profile)
    check_profile_inputs(task_profile, panes)


PUSH_OPTIONS = PushOptions(
    encodings=MEDIA_ENCODE,
    profiles=tuple(TASK_PROFILES),
    default_encoding=20,
    default_profile="4IN_720P",
    check_destination=check_stream_url,
    check_encoding=check_encoding,
)
