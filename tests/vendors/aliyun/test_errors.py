"""Every code of spec 001 section 9 lands in the class its meaning calls for."""

from __future__ import annotations

import pytest

from vendors.aliyun.errors import SECTION_9, build_error, stops_the_app
from vendors.base.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    UnavailableError,
)

EXPECTED = {
    "Request.Exist": ConflictError,
    "Request.ChannelQueryExpire": NotFoundError,
    "Request.": InvalidRequestError,  # Request.No* / Request.Invalid* / Mismatch
    "Service.No": NotFoundError,
    "Channel.NoExist": NotFoundError,
    "Channel.Exceeds": ConflictError,
    "App.": PermissionDeniedError,
    "Service.Inactive": PermissionDeniedError,
}


def expected_class(name: str, status: int) -> type:
    if name in ("Request.IllegalBroadcast", "Request.IllegalUserGroups"):
        return PermissionDeniedError  # valid credentials, not allowed to do this
    if status == 401:
        return AuthenticationError  # signature, auth, timestamp, account ids
    if name == "Service.NoSignaling" or status == 500:
        return UnavailableError
    if name == "Service.NoExist":
        return PermissionDeniedError  # the RTC service is not activated
    for prefix, cls in EXPECTED.items():
        if name.startswith(prefix):
            return cls
    raise AssertionError(f"no expectation for {name}")


@pytest.mark.parametrize(("hex_code", "decimal", "status", "name"), SECTION_9, ids=[row[3] for row in SECTION_9])
def test_section_9_code_maps_to_its_class(hex_code, decimal, status, name):
    assert int(hex_code, 16) == decimal, "the table's two columns agree"
    error = build_error(name, "message", http_status=status, request_id="r1", host_id="rtc.aliyuncs.com")
    assert type(error) is expected_class(name, status)
    assert error.transient == (type(error) is UnavailableError)
    assert (error.code, error.http_status, error.request_id, error.host_id) == (name, status, "r1", "rtc.aliyuncs.com")


def test_codes_that_stop_an_app_are_flagged_for_the_sync():
    assert stops_the_app("App.Stop") and stops_the_app("App.ChargeOverDue")
    assert not stops_the_app("Service.NoChannel")
