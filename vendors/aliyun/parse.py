"""Reading Alibaba RTC responses, JSON or XML, 2020 shapes or the older ones of spec 000.

Both formats are first turned into the same nested dict/list/str tree; field access is
case-insensitive (the spec mixes ``TimeStamp``/``Timestamp`` and ``ChannelList``/
``Channellist``); lists may arrive flat (spec 000), wrapped (``{"AppList": {"App": [...]}}``)
or, in XML, as one element standing for a one-item list. Anything that does not fit raises
MalformedResponseError and nothing else.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import orjson
from defusedxml import DefusedXmlException

from vendors.base.errors import MalformedResponseError
from vendors.base.types import (
    App,
    AppStatus,
    ChannelRecord,
    ChannelUserRecord,
    DurationBreakdown,
    Interval,
    Member,
    MemberRole,
    UsageMetric,
    UsagePoint,
)

VENDOR = "aliyun"
T = TypeVar("T")


def malformed(message: str, request_id: str = "") -> MalformedResponseError:
    return MalformedResponseError(message, vendor=VENDOR, code="MalformedResponse", request_id=request_id)


def decode_body(content: bytes, content_type: str = "") -> dict[str, Any]:
    """Parse a body into a dict; JSON unless it looks like XML."""
    text = content.lstrip()
    if not text:
        raise malformed("empty response body")
    if text.startswith(b"<") or "xml" in content_type:
        return _decode_xml(content)
    try:
        # orjson parses in C in a third of the stdlib's time; the same objects, except that
        # integers beyond 64 bits (no field of Alibaba's has them) come back as floats.
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        # What orjson refuses and the stdlib reads (NaN, a byte-order mark, UTF-16, lone
        # surrogates) is read as before, and anything else fails with the stdlib's words.
        try:
            data = json.loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise malformed(f"response is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise malformed("response JSON is not an object")
    return data


def _decode_xml(content: bytes) -> dict[str, Any]:
    try:
        root = SafeET.fromstring(content)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise malformed(f"response is not valid XML: {exc}") from None
    tree = _element_to_tree(root)
    return tree if isinstance(tree, dict) else {}


def _element_to_tree(element: Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    result: dict[str, Any] = {}
    for child in children:
        value = _element_to_tree(child)
        if child.tag in result:
            existing = result[child.tag]
            if isinstance(existing, list) and getattr(existing, "_repeated", False):
                existing.append(value)
            else:
                repeated = _RepeatedList([existing, value])
                result[child.tag] = repeated
        else:
            result[child.tag] = value
    return result


class _RepeatedList(list):
    _repeated = True


# --- tolerant accessors -------------------------------------------------------------

_MISSING = object()


def field(node: Any, name: str, default: Any = _MISSING) -> Any:
    """`node[name]`, matching the key case-insensitively."""
    if isinstance(node, dict):
        value = node.get(name, _MISSING)
        if value is not _MISSING:
            return value
        lowered = name.lower()
        for key, value in node.items():
            if isinstance(key, str) and key.lower() == lowered:
                return value
    if default is _MISSING:
        raise malformed(f"response lacks {name!r}")
    return default


def items(node: Any, *inner_names: str) -> list[Any]:
    """The list at `node`, whether flat, wrapped in one of `inner_names`, or a lone item."""
    if node is None or node == "":
        return []
    if isinstance(node, str) and node.startswith("["):
        try:  # spec 000 sends some lists as JSON text, e.g. "[\"CN\"]"
            decoded = json.loads(node)
        except ValueError:
            decoded = None
        if isinstance(decoded, list):
            return decoded
    if isinstance(node, list):
        return list(node)
    if isinstance(node, dict):
        for name in inner_names:
            inner = field(node, name, None)
            if inner is not None:
                return items(inner, *inner_names)
        if not node:
            return []
    return [node]


def as_int(value: Any, name: str = "value") -> int:
    if type(value) is int:  # the usual case first (not isinstance: bool is an int)
        return value
    if isinstance(value, bool):
        raise malformed(f"{name} is not a number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise malformed(f"{name} is not a whole number: {value!r}")


def as_bool(value: Any, name: str = "value") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise malformed(f"{name} is not a boolean: {value!r}")


def as_str(value: Any, name: str = "value") -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise malformed(f"{name} is not text: {value!r}")


def as_time(value: Any, name: str = "time") -> datetime:
    """Vendor timestamps: ISO 8601 with Z or an offset, or ``2017-08-30 10:47:25.0`` (UTC)."""
    text = (value if type(value) is str else as_str(value, name)).strip()
    try:
        if text[-1:] == "Z":
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise malformed(f"{name} is not a timestamp: {value!r}") from None
    if parsed.tzinfo is UTC:  # the usual case: astimezone would return it unchanged
        return parsed
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def as_epoch(value: Any, name: str = "timestamp") -> datetime:
    seconds = as_int(value, name)
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise malformed(f"{name} is out of range: {value!r}") from None


def optional(value: Any, convert: Callable[[Any, str], T], name: str) -> T | None:
    if value is None or value == "":
        return None
    return convert(value, name)


def request_id_of(body: Any) -> str:
    value = field(body, "RequestId", "") if isinstance(body, dict) else ""
    return value if isinstance(value, str) else ""


# --- vendor records to normalized types ----------------------------------------------

APP_STATUS = {1: AppStatus.ACTIVE, 2: AppStatus.STOPPED, 3: AppStatus.ARREARS}


def to_tiers(node: Any, prefix: str = "") -> DurationBreakdown:
    def minutes(name: str) -> int:
        return as_int(field(node, f"{prefix}{name}", 0), name)

    audio, v360, v720, v1080, content = (
        minutes("Audio"),
        minutes("Video360"),
        minutes("Video720"),
        minutes("Video1080"),
        minutes("Content"),
    )
    return DurationBreakdown(audio, v360, v720, v1080, content, audio + v360 + v720 + v1080 + content)


def to_app(node: Any) -> App:
    status = as_int(field(node, "Status", 0), "Status")
    areas = tuple(as_str(a, "ServiceArea") for a in items(field(node, "ServiceAreas", []), "ServiceArea"))
    return App(
        app_id=as_str(field(node, "AppId"), "AppId"),
        name=as_str(field(node, "AppName", ""), "AppName"),
        app_type=as_str(field(node, "AppType", ""), "AppType"),
        status=APP_STATUS.get(status, AppStatus.UNKNOWN),
        bill_type=as_str(field(node, "BillType", ""), "BillType"),
        service_areas=areas,
        created_at=optional(field(node, "CreateTime", None), as_time, "CreateTime"),
    )


def to_channel_record(node: Any) -> ChannelRecord:
    return ChannelRecord(
        channel_id=as_str(field(node, "ChannelId"), "ChannelId"),
        start=as_time(field(node, "StartTime"), "StartTime"),
        end=optional(field(node, "EndTime", None), as_time, "EndTime"),
        total_users=as_int(field(node, "TotalUserCnt", 0), "TotalUserCnt"),
        call_areas=tuple(as_str(a, "CallArea") for a in items(field(node, "CallArea", []), "CallArea")),
    )


def to_channel_user(node: Any) -> ChannelUserRecord:
    return ChannelUserRecord(
        channel_id=as_str(field(node, "ChannelId"), "ChannelId"),
        user_id=as_str(field(node, "UserId"), "UserId"),
        start=as_time(field(node, "StartTime"), "StartTime"),
        end=optional(field(node, "EndTime", None), as_time, "EndTime"),
        service_area=as_str(field(node, "ServiceArea", ""), "ServiceArea"),
        published=to_tiers(node, prefix="Pub"),
        subscribed=to_tiers(node, prefix="Sub"),
    )


def to_usage_point(
    node: Any, metric: UsageMetric, interval: Interval, value_key: str, peak_time_key: str | None
) -> UsagePoint:
    timestamp = as_time(field(node, "TimeStamp"), "TimeStamp")
    value = as_int(field(node, value_key), value_key)
    peak_time = None
    duration = None
    if peak_time_key:
        peak_time = optional(field(node, peak_time_key, None), as_time, peak_time_key)
    if metric is UsageMetric.DURATION:
        duration = DurationBreakdown(
            audio=as_int(field(node, "AudioDuration", 0), "AudioDuration"),
            v360=as_int(field(node, "V360Duration", 0), "V360Duration"),
            v720=as_int(field(node, "V720Duration", 0), "V720Duration"),
            v1080=as_int(field(node, "V1080Duration", 0), "V1080Duration"),
            content=as_int(field(node, "ContentDuration", 0), "ContentDuration"),
            total=value,
        )
    return UsagePoint(metric, interval, timestamp, value, peak_time, duration)


def to_usage_points(
    nodes: list[Any], metric: UsageMetric, interval: Interval, value_key: str, peak_time_key: str | None
) -> list[UsagePoint]:
    """to_usage_point for every node. A window holds up to 720 of them: the usual one (a dict
    with the exact key names, whole-number figures, times as text) is read inline, the same
    way to_usage_point reads it, with its bucket time looked up in `_STAMPS`, its peak time
    parsed by `_utc_time` and the point (and its tiers) built by `_new_point`
    (`_new_tiers`); any other node by to_usage_point."""
    points: list[UsagePoint] = []
    append = points.append
    stamps = _STAMPS
    new_point, new_tiers, utc_time = _new_point, _new_tiers, _utc_time
    duration = metric is UsageMetric.DURATION
    for node in nodes:
        if type(node) is dict:
            stamp, value = node.get("TimeStamp"), node.get(value_key)
            if type(stamp) is str and type(value) is int:
                peak_time = tiers = None
                if peak_time_key is not None:
                    peak = node.get(peak_time_key)
                    if type(peak) is not str or not peak:
                        append(to_usage_point(node, metric, interval, value_key, peak_time_key))
                        continue
                    peak_time = utc_time(peak)
                if duration:
                    audio, v360, v720 = node.get("AudioDuration"), node.get("V360Duration"), node.get("V720Duration")
                    v1080, content = node.get("V1080Duration"), node.get("ContentDuration")
                    if not (
                        type(audio) is int
                        and type(v360) is int
                        and type(v720) is int
                        and type(v1080) is int
                        and type(content) is int
                    ):
                        append(to_usage_point(node, metric, interval, value_key, peak_time_key))
                        continue
                    tiers = new_tiers(audio, v360, v720, v1080, content, value)
                timestamp = stamps.get(stamp)
                if timestamp is None:
                    timestamp = _stamp(stamp)
                append(new_point(metric, interval, timestamp, value, peak_time, tiers))
                continue
        append(to_usage_point(node, metric, interval, value_key, peak_time_key))
    return points


def _utc_time(text: str) -> datetime:
    """as_time(text): the usual text (ISO 8601 in UTC, "Z" or "+00:00") by one fromisoformat,
    which reads both the same as as_time does; any other by as_time."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return as_time(text)
    return parsed if parsed.tzinfo is UTC else as_time(text)


# Bucket times repeat: every app, statistic and sync reports the same hours and days (a year
# of hourly buckets is 8,760 of them), so each text is parsed once. A datetime is immutable;
# the dict is emptied when full (about 10 MB) rather than kept in order.
_STAMPS: dict[str, datetime] = {}
_STAMPS_MAX = 65_536


def _stamp(text: str) -> datetime:
    """as_time(text, "TimeStamp"), kept in _STAMPS (a text it refuses is not kept)."""
    parsed = as_time(text, "TimeStamp")
    if len(_STAMPS) >= _STAMPS_MAX:
        _STAMPS.clear()
    _STAMPS[text] = parsed
    return parsed


def _slotted_builder(cls: type[T], names: tuple[str, ...]) -> Callable[..., T]:
    """`cls(*values)` for a frozen slotted dataclass whose fields are `names`, at half the cost.

    A frozen dataclass's __init__ sets each field through object.__setattr__ from Python; a
    slotted one can be filled by its slot descriptors from here instead: the same object (same
    fields, equality, hash, repr), built without running __init__. Every value is given, in
    the fields' order. Used only while `cls` is what this relies on (slotted, no
    __post_init__, these fields); otherwise `cls` itself."""
    slots = [cls.__dict__.get(name) for name in names]
    setters = [slot.__set__ for slot in slots if isinstance(slot, types.MemberDescriptorType)]
    if (
        tuple(f.name for f in dataclasses.fields(cls)) != names  # type: ignore[arg-type]
        or hasattr(cls, "__post_init__")
        or len(setters) != len(names)
    ):
        return cls
    new = object.__new__
    pairs = tuple(enumerate(setters))

    def build(*values: Any) -> T:
        made = new(cls)
        for index, setter in pairs:
            setter(made, values[index])
        return made

    return build


_new_point = _slotted_builder(UsagePoint, ("metric", "interval", "timestamp", "value", "peak_time", "duration"))
_new_tiers = _slotted_builder(DurationBreakdown, ("audio", "v360", "v720", "v1080", "content", "total"))


def _members_of(role: MemberRole) -> Callable[[str], Member]:
    @functools.lru_cache(maxsize=32_768)
    def member(user_id: str) -> Member:
        return Member(user_id, role)

    return member


# Live polls ask for the same channels every few seconds and mostly get the same members
# back: each (user, role) is built once and shared (a Member is immutable), since building a
# frozen dataclass costs ten times a cache look-up and a channel can have 1,000 viewers.
# Bounded: at most 32,768 members a role are kept.
MEMBER_OF: dict[MemberRole, Callable[[str], Member]] = {role: _members_of(role) for role in MemberRole}
