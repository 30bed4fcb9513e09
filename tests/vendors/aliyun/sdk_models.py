"""Reading an answer with an official SDK's own models, and checking what the models made of it.

Stdlib and Tea only: imported both by the SDK matrix test and by the worker that runs
release 1.0.0 of alibabacloud-rtc20180111 in its own interpreter (sdk_release_1_0_0.py).
"""

from __future__ import annotations

import sys
import typing
from typing import Any

# The 20 actions of spec 001, and the method each SDK client names them by.
ACTION_METHODS = {
    "DescribeApps": "describe_apps",
    "ModifyApp": "modify_app",
    "DeleteChannel": "delete_channel",
    "RemoveTerminals": "remove_terminals",
    "DescribeChannelParticipants": "describe_channel_participants",
    "DescribeRtcChannelUserList": "describe_rtc_channel_user_list",
    "DescribeRtcChannelList": "describe_rtc_channel_list",
    "DescribeRtcChannelMetric": "describe_rtc_channel_metric",
    "UpdateChannel": "update_channel",
    "DescribeUserInfoInChannel": "describe_user_info_in_channel",
    "DescribeChannelUsers": "describe_channel_users",
    "DescribeRtcDurationData": "describe_rtc_duration_data",
    "DescribeRtcUserCntData": "describe_rtc_user_cnt_data",
    "DescribeRtcChannelCntData": "describe_rtc_channel_cnt_data",
    "DescribeRtcPeakUserCntData": "describe_rtc_peak_user_cnt_data",
    "DescribeRtcPeakChannelCntData": "describe_rtc_peak_channel_cnt_data",
    "StartMPUTask": "start_mputask",
    "GetMPUTaskStatus": "get_mputask_status",
    "StopMPUTask": "stop_mputask",
    "UpdateMPULayout": "update_mpulayout",
}


def type_problems(model: Any, path: str = "body") -> list[str]:
    """Every value the model holds that is not of the type its class declares."""
    cls = type(model)
    hints = typing.get_type_hints(cls.__init__, globalns=vars(sys.modules[cls.__module__]))
    problems: list[str] = []
    for name, declared in hints.items():
        if name == "return":
            continue
        value = getattr(model, name, None)
        if value is not None:
            problems += _check(value, declared, f"{path}.{name}")
    return problems


def _check(value: Any, declared: Any, path: str) -> list[str]:
    origin = typing.get_origin(declared)
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, declared a list"]
        (inner,) = typing.get_args(declared) or (Any,)
        return [problem for i, item in enumerate(value) for problem in _check(item, inner, f"{path}[{i}]")]
    if origin is dict:
        return [] if isinstance(value, dict) else [f"{path}: {type(value).__name__}, declared a dict"]
    if declared is Any:
        return []
    if declared is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif declared is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(declared, type):
        ok = isinstance(value, declared)
        if ok and hasattr(value, "to_map") and hasattr(value, "from_map"):
            return type_problems(value, path)
    else:
        return [f"{path}: declared {declared!r}, which this check does not know"]
    name = getattr(declared, "__name__", declared)
    return [] if ok else [f"{path}: {type(value).__name__} {value!r}, declared {name}"]


def unread(raw: Any, mapped: Any, path: str = "body") -> list[str]:
    """What the answer held that the model dropped (a key it does not know, or a shape it
    read as something else)."""
    if isinstance(raw, dict):
        if not isinstance(mapped, dict):
            return [f"{path}: read as {type(mapped).__name__}"]
        return [
            problem
            for key, value in raw.items()
            for problem in (
                unread(value, mapped[key], f"{path}.{key}") if key in mapped else [f"{path}.{key}: not read"]
            )
        ]
    if isinstance(raw, list):
        if not isinstance(mapped, list) or len(mapped) != len(raw):
            return [f"{path}: list read as {mapped!r}"]
        return [problem for i, item in enumerate(raw) for problem in unread(item, mapped[i], f"{path}[{i}]")]
    return [] if raw == mapped else [f"{path}: {raw!r} read as {mapped!r}"]


def reading(body_model: Any, raw: Any) -> dict[str, Any]:
    """What a test asserts on: the model's class, its problems, and what it dropped."""
    return {
        "model": type(body_model).__name__,
        "type_problems": type_problems(body_model),
        "unread": unread(raw, body_model.to_map()),
    }
