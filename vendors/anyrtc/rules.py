"""What spec 002 constrains in cloud recording requests, checked on the JSON itself.

The client runs these checks before sending anything; the simulator runs the same checks on
what it receives, answering with the documented codes (2 for parameters, 1013 for channel
names, 1028 for updateLayout bodies). Each check returns the first problem found, or None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MODES = ("individual", "mix")
MAX_PANES = 17
MAX_SUBSCRIPTION_UIDS = 32
ALL_STREAMS = "#allstream#"
MAX_CANVAS = 1920
MAX_PIXELS = 1920 * 1080
# Not in the spec: the client refuses frame rates and bitrates no encoder offers.
FPS_RANGE = (1, 60)
BITRATE_RANGE_KBPS = (1, 10_000)
MAX_IDLE_RANGE = (5, 2**32 - 1)
RESOURCE_HOURS_RANGE = (1, 720)
CAPTURE_INTERVAL_RANGE = (5, 3600)
CHANNEL_PUNCTUATION = " !#$%&()+-:;<=.>?@[]^_{}|~,"
CHANNEL_NAME = re.compile("^[A-Za-z0-9" + re.escape(CHANNEL_PUNCTUATION) + "]{1,64}$")
# The spec says "1~48位" for the recorder's UID and shows digits; letters, digits, _ and - are accepted.
UID = re.compile(r"^[A-Za-z0-9_-]{1,48}$")
PREFIX_PART = re.compile(r"^[A-Za-z0-9]+$")
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# storageConfig.region values per vendor (0 Qiniu, 1 Amazon S3, 2 Alibaba Cloud, 3 Tencent Cloud, 4 Kingsoft Cloud).
STORAGE_REGIONS: dict[int, frozenset[int]] = {
    0: frozenset(range(5)),
    1: frozenset([*range(16), 17]),
    2: frozenset(range(19)),
    3: frozenset(range(20)),
    4: frozenset(range(10)),
}
STORAGE_VENDORS = {0: "Qiniu", 1: "Amazon S3", 2: "Alibaba Cloud", 3: "Tencent Cloud", 4: "Kingsoft Cloud"}
VOD_SERVICE = "aliyun_vod_service"


@dataclass(frozen=True, slots=True)
class Problem:
    code: int  # the vendor's code for it: 2, 1013 or 1028
    field: str
    message: str


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _int_in(data: Mapping[str, Any], key: str, lo: int, hi: int, path: str) -> Problem | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        return Problem(2, f"{path}.{key}", f"{key} must be a whole number from {lo} to {hi}")
    return None


def check_channel(cname: Any) -> Problem | None:
    if not isinstance(cname, str) or not CHANNEL_NAME.match(cname) or len(cname.encode()) > 64:
        return Problem(
            1013, "cname", "channel names are 1-64 bytes of letters, digits, space and !#$%&()+-:;<=.>?@[]^_{}|~,"
        )
    return None


def check_uid(uid: Any) -> Problem | None:
    if not isinstance(uid, str) or not UID.match(uid):
        return Problem(2, "uid", "the recorder's uid is a string of 1-48 letters, digits, _ or -")
    return None


def check_acquire(body: Mapping[str, Any]) -> Problem | None:
    problem = check_channel(body.get("cname")) or check_uid(body.get("uid"))
    if problem:
        return problem
    request = body.get("clientRequest", {})
    if not isinstance(request, Mapping):
        return Problem(2, "clientRequest", "clientRequest is a JSON object")
    return _int_in(request, "resourceExpiredHour", *RESOURCE_HOURS_RANGE, "clientRequest")


def check_uid_list(value: Any, path: str, *, allow_empty: bool) -> Problem | None:
    if not isinstance(value, list) or not all(isinstance(uid, str) and uid for uid in value):
        return Problem(2, path, f"{path} is a list of uid strings")
    if not value and not allow_empty:
        return Problem(2, path, f"{path} cannot be empty")
    if len(value) > MAX_SUBSCRIPTION_UIDS:
        return Problem(2, path, f"{path} holds at most {MAX_SUBSCRIPTION_UIDS} uids")
    return None


def check_layout(data: Mapping[str, Any], path: str, code: int) -> Problem | None:
    """mixedVideoLayout, backgroundColor, layoutConfig and maxResolutionUid (start and updateLayout)."""
    layout = data.get("mixedVideoLayout", 0)
    if not isinstance(layout, int) or isinstance(layout, bool) or layout not in (0, 1, 2, 3):
        return Problem(
            code,
            f"{path}.mixedVideoLayout",
            "mixedVideoLayout is 0 (floating), 1 (adaptive), 2 (vertical) or 3 (custom)",
        )
    colour = data.get("backgroundColor", "#000000")
    if not isinstance(colour, str) or not HEX_COLOUR.match(colour):
        return Problem(code, f"{path}.backgroundColor", "backgroundColor is # followed by six hexadecimal digits")
    if "maxResolutionUid" in data and not isinstance(data["maxResolutionUid"], str):
        return Problem(code, f"{path}.maxResolutionUid", "maxResolutionUid is a uid string")
    panes = data.get("layoutConfig")
    if layout == 3 and not panes:
        return Problem(code, f"{path}.layoutConfig", "a custom layout (3) needs layoutConfig")
    if panes is None:
        return None
    if not isinstance(panes, list):
        return Problem(code, f"{path}.layoutConfig", "layoutConfig is a list of panes")
    if len(panes) > MAX_PANES:
        return Problem(code, f"{path}.layoutConfig", f"at most {MAX_PANES} panes")
    for index, pane in enumerate(panes):
        where = f"{path}.layoutConfig[{index}]"
        if not isinstance(pane, Mapping):
            return Problem(code, where, "each pane is a JSON object")
        for key in ("x_axis", "y_axis", "width", "height"):
            if key not in pane:
                return Problem(code, f"{where}.{key}", f"{key} is required")
            if not _number(pane[key]) or not 0.0 <= pane[key] <= 1.0:
                return Problem(code, f"{where}.{key}", f"{key} is a number from 0.0 to 1.0")
        if "alpha" in pane and (not _number(pane["alpha"]) or not 0.0 <= pane["alpha"] <= 1.0):
            return Problem(code, f"{where}.alpha", "alpha is a number from 0.0 to 1.0")
        if pane.get("render_mode", 0) not in (0, 1) or isinstance(pane.get("render_mode"), bool):
            return Problem(code, f"{where}.render_mode", "render_mode is 0 (crop) or 1 (fit)")
        if "uid" in pane and not isinstance(pane["uid"], str):
            return Problem(code, f"{where}.uid", "uid is a string")
    return None


def _check_transcoding(config: Mapping[str, Any]) -> Problem | None:
    path = "recordingConfig.transcodingConfig"
    if not isinstance(config, Mapping):
        return Problem(2, path, "transcodingConfig is a JSON object")
    for key in ("width", "height", "fps", "bitrate"):
        if key not in config:
            return Problem(2, f"{path}.{key}", f"{key} is required when transcodingConfig is set")
    problem = (
        _int_in(config, "width", 1, MAX_CANVAS, path)
        or _int_in(config, "height", 1, MAX_CANVAS, path)
        or _int_in(config, "fps", *FPS_RANGE, path)
        or _int_in(config, "bitrate", *BITRATE_RANGE_KBPS, path)
    )
    if problem:
        return problem
    if config["width"] * config["height"] > MAX_PIXELS:
        return Problem(2, f"{path}.width", "width x height cannot exceed 1920 x 1080")
    return check_layout(config, path, 2)


def _check_recording_config(config: Any, mode: str, snapshot: bool) -> Problem | None:
    path = "recordingConfig"
    if not isinstance(config, Mapping):
        return Problem(2, path, "recordingConfig is required")
    problem = (
        _int_in(config, "channelType", 0, 1, path)
        or _int_in(config, "streamTypes", 0, 2, path)
        or _int_in(config, "decryptionMode", 0, 3, path)
        or _int_in(config, "audioProfile", 0, 2, path)
        or _int_in(config, "videoStreamType", 0, 1, path)
        or _int_in(config, "maxIdleTime", *MAX_IDLE_RANGE, path)
        or _int_in(config, "subscribeUidGroup", 0, 3, path)
    )
    if problem:
        return problem
    if config.get("decryptionMode", 0) and not config.get("secret"):
        return Problem(2, f"{path}.secret", "a decryption mode needs its secret")
    if mode == "individual":
        if "audioProfile" in config:
            return Problem(2, f"{path}.audioProfile", "audioProfile cannot be set in individual mode")
        if "transcodingConfig" in config:
            return Problem(2, f"{path}.transcodingConfig", "transcodingConfig is for mix mode only")
        if "subscribeUidGroup" not in config:
            return Problem(2, f"{path}.subscribeUidGroup", "subscribeUidGroup is required in individual mode")
    for key in ("subscribeAudioUids", "unSubscribeAudioUids", "subscribeVideoUids", "unSubscribeVideoUids"):
        if key in config:
            problem = check_uid_list(config[key], f"{path}.{key}", allow_empty=True)
            if problem:
                return problem
    for kind in ("Audio", "Video"):
        if f"subscribe{kind}Uids" in config and f"unSubscribe{kind}Uids" in config:
            return Problem(
                2, f"{path}.unSubscribe{kind}Uids", f"set subscribe{kind}Uids or unSubscribe{kind}Uids, not both"
            )
    if snapshot:
        if config.get("streamTypes", 2) not in (1, 2):
            return Problem(2, f"{path}.streamTypes", "snapshots need streamTypes 1 or 2")
        if "subscribeAudioUids" in config and "subscribeVideoUids" not in config:
            return Problem(
                2, f"{path}.subscribeVideoUids", "with subscribeAudioUids, snapshots need subscribeVideoUids too"
            )
    if "transcodingConfig" in config:
        return _check_transcoding(config["transcodingConfig"])
    return None


def _check_storage(config: Any) -> Problem | None:
    path = "storageConfig"
    if not isinstance(config, Mapping):
        return Problem(2, path, "storageConfig is a JSON object")
    vendor = config.get("vendor")
    if not isinstance(vendor, int) or isinstance(vendor, bool) or vendor not in STORAGE_REGIONS:
        return Problem(
            2,
            f"{path}.vendor",
            "vendor is 0 (Qiniu), 1 (Amazon S3), 2 (Alibaba Cloud), 3 (Tencent Cloud) or 4 (Kingsoft Cloud)",
        )
    region = config.get("region")
    if not isinstance(region, int) or isinstance(region, bool) or region not in STORAGE_REGIONS[vendor]:
        return Problem(2, f"{path}.region", f"region {region!r} is not a region of {STORAGE_VENDORS[vendor]}")
    for key in ("bucket", "accessKey", "secretKey"):
        if not isinstance(config.get(key), str) or not config[key]:
            return Problem(2, f"{path}.{key}", f"{key} is required")
    prefix = config.get("fileNamePrefix", [])
    if not isinstance(prefix, list) or not all(isinstance(part, str) and PREFIX_PART.match(part) for part in prefix):
        return Problem(2, f"{path}.fileNamePrefix", "fileNamePrefix parts are letters and digits only, no slashes")
    if len("/".join(prefix)) + (1 if prefix else 0) > 128:
        return Problem(2, f"{path}.fileNamePrefix", "the prefix, slashes included, is at most 128 characters")
    return None


def _check_extensions(config: Any) -> Problem | None:
    path = "extensionServiceConfig"
    if not isinstance(config, Mapping) or not isinstance(config.get("extensionServices"), list):
        return Problem(2, path, "extensionServiceConfig needs extensionServices")
    if config.get("errorHandlePolicy", "error_abort") != "error_abort":
        return Problem(2, f"{path}.errorHandlePolicy", 'errorHandlePolicy can only be "error_abort"')
    for index, service in enumerate(config["extensionServices"]):
        where = f"{path}.extensionServices[{index}]"
        if not isinstance(service, Mapping) or service.get("serviceName") != VOD_SERVICE:
            return Problem(2, f"{where}.serviceName", f'the only extension service is "{VOD_SERVICE}"')
        param = service.get("serviceParam")
        if not isinstance(param, Mapping):
            return Problem(2, f"{where}.serviceParam", "serviceParam is required")
        for key in ("accessKey", "secretKey", "regionId"):
            if not isinstance(param.get(key), str) or not param[key]:
                return Problem(2, f"{where}.serviceParam.{key}", f"{key} is required")
        video = param.get("apiData", {}).get("videoData") if isinstance(param.get("apiData"), Mapping) else None
        if not isinstance(video, Mapping) or not isinstance(video.get("title"), str) or not video["title"]:
            return Problem(2, f"{where}.serviceParam.apiData.videoData.title", "the video title is required")
    return None


def check_start(mode: str, body: Mapping[str, Any]) -> Problem | None:
    if mode not in MODES:
        return Problem(2, "mode", "mode is individual or mix")
    problem = check_channel(body.get("cname")) or check_uid(body.get("uid"))
    if problem:
        return problem
    request = body.get("clientRequest")
    if not isinstance(request, Mapping):
        return Problem(2, "clientRequest", "clientRequest is required")
    has = {
        key: key in request
        for key in ("recordingFileConfig", "snapshotConfig", "storageConfig", "extensionServiceConfig")
    }
    if has["recordingFileConfig"] and has["snapshotConfig"]:
        return Problem(2, "snapshotConfig", "record files or take snapshots, not both")
    if has["snapshotConfig"] and mode != "individual":
        return Problem(2, "snapshotConfig", "snapshots are taken in individual mode only")
    if has["extensionServiceConfig"]:
        if mode != "mix":
            return Problem(2, "extensionServiceConfig", "extension services run in mix mode only")
        if has["snapshotConfig"] or has["storageConfig"]:
            return Problem(
                2, "extensionServiceConfig", "the VoD extension cannot be combined with snapshots or storageConfig"
            )
    if "token" in request and not isinstance(request["token"], str):
        return Problem(2, "clientRequest.token", "token is a string")
    problem = _check_recording_config(request.get("recordingConfig"), mode, has["snapshotConfig"])
    if problem:
        return problem
    if has["recordingFileConfig"]:
        files = request["recordingFileConfig"]
        if not isinstance(files, Mapping) or files.get("avFileType", ["hls"]) != ["hls"]:
            return Problem(2, "recordingFileConfig.avFileType", 'avFileType can only be ["hls"]')
    if has["snapshotConfig"]:
        snapshot = request["snapshotConfig"]
        if not isinstance(snapshot, Mapping):
            return Problem(2, "snapshotConfig", "snapshotConfig is a JSON object")
        problem = _int_in(snapshot, "captureInterval", *CAPTURE_INTERVAL_RANGE, "snapshotConfig")
        if problem:
            return problem
        if snapshot.get("fileType") != ["jpg"]:
            return Problem(2, "snapshotConfig.fileType", 'fileType is ["jpg"]')
    if has["storageConfig"]:
        problem = _check_storage(request["storageConfig"])
        if problem:
            return problem
    if has["extensionServiceConfig"]:
        return _check_extensions(request["extensionServiceConfig"])
    return None


def check_update(body: Mapping[str, Any], stream_types: int) -> Problem | None:
    problem = check_channel(body.get("cname")) or check_uid(body.get("uid"))
    if problem:
        return problem
    request = body.get("clientRequest")
    subscribe = request.get("streamSubscribe") if isinstance(request, Mapping) else None
    if not isinstance(subscribe, Mapping) or not subscribe:
        return Problem(2, "clientRequest.streamSubscribe", "streamSubscribe needs audioUidList or videoUidList")
    for kind, refused_when in (("audio", 1), ("video", 0)):
        lists = subscribe.get(f"{kind}UidList")
        if lists is None:
            continue
        if stream_types == refused_when:
            return Problem(2, f"streamSubscribe.{kind}UidList", f"this recording does not subscribe to {kind}")
        if not isinstance(lists, Mapping) or not lists:
            return Problem(2, f"streamSubscribe.{kind}UidList", f"{kind}UidList is a JSON object with a uid list")
        name = kind.capitalize()
        keys = [key for key in (f"subscribe{name}Uids", f"unSubscribe{name}Uids") if key in lists]
        if len(keys) != 1 or set(lists) - set(keys):
            return Problem(2, f"streamSubscribe.{kind}UidList", f"set subscribe{name}Uids or unSubscribe{name}Uids")
        problem = check_uid_list(lists[keys[0]], f"streamSubscribe.{kind}UidList.{keys[0]}", allow_empty=False)
        if problem:
            return problem
    return None


def check_update_layout(mode: str, body: Mapping[str, Any]) -> Problem | None:
    if mode != "mix":
        return Problem(1028, "mode", "updateLayout works in mix mode only")
    problem = check_channel(body.get("cname")) or check_uid(body.get("uid"))
    if problem:
        return problem
    request = body.get("clientRequest")
    if not isinstance(request, Mapping):
        return Problem(1028, "clientRequest", "clientRequest is required")
    return check_layout(request, "clientRequest", 1028)
