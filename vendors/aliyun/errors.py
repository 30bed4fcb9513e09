"""Alibaba RTC error codes (spec 001 section 9, plus the common gateway codes) mapped to the
vendor-neutral hierarchy.

Some codes come back with HTTP 200 (App.Stop, App.ChargeOverDue, Channel.NoExist, ...), so a
body carrying a top-level ``Code`` is an error whatever the status.
"""

from __future__ import annotations

from vendors.base.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnavailableError,
    VendorError,
)

VENDOR = "aliyun"

# (hex, decimal, HTTP status, name) exactly as the table in section 9 lists them.
SECTION_9 = [
    ("0x2070101", 34013441, 400, "Request.NoTimestamp"),
    ("0x2070102", 34013442, 400, "Request.NoSignature"),
    ("0x2070103", 34013443, 400, "Request.NoRequestID"),
    ("0x2070104", 34013444, 400, "Request.NoBizID"),
    ("0x2070105", 34013445, 400, "Request.NoAliUid"),
    ("0x2070106", 34013446, 400, "Request.NoAppID"),
    ("0x2070107", 34013447, 400, "Request.NoDescription"),
    ("0x2070108", 34013448, 400, "Request.NoAppType"),
    ("0x2070109", 34013449, 400, "Request.NoServiceAreas"),
    ("0x207010A", 34013450, 400, "Request.NoBillType"),
    ("0x207010B", 34013451, 400, "Request.NoChannelID"),
    ("0x207010C", 34013452, 400, "Request.NoUserGroups"),
    ("0x207010D", 34013453, 400, "Request.NoUserID"),
    ("0x207010E", 34013454, 400, "Request.NoSessionID"),
    ("0x207010F", 34013455, 400, "Request.NoNonce"),
    ("0x2070110", 34013456, 400, "Request.NoTerminalIDs"),
    ("0x2070111", 34013457, 400, "Request.MismatchBizID"),
    ("0x2070112", 34013458, 400, "Request.InvalidAppID"),
    ("0x2070113", 34013459, 400, "Request.InvalidAppKey"),
    ("0x2070114", 34013460, 400, "Request.InvalidAppCallback"),
    ("0x2070115", 34013461, 400, "Request.InvalidChannelID"),
    ("0x2070116", 34013462, 400, "Request.InvalidChannelKey"),
    ("0x2070117", 34013463, 400, "Request.InvalidNonce"),
    ("0x2070118", 34013464, 400, "Request.InvalidTimestamp"),
    ("0x2070119", 34013465, 400, "Request.IllegalTerminal"),
    ("0x207011A", 34013466, 400, "Request.ChannelQueryExpire"),
    ("0x207011B", 34013467, 400, "Request.ExistApp"),
    ("0x207011C", 34013468, 400, "Request.ExistAppCallback"),
    ("0x207011D", 34013469, 400, "Request.ExistChannel"),
    ("0x2070401", 34014209, 401, "Request.IllegalTimestamp"),
    ("0x2070402", 34014210, 401, "Request.IllegalSignature"),
    ("0x2070403", 34014211, 401, "Request.IllegalAuth"),
    ("0x2070404", 34014212, 401, "Request.IllegalBizID"),
    ("0x2070405", 34014213, 401, "Request.IllegalAliUID"),
    ("0x2070406", 34014214, 401, "Request.IllegalBroadcast"),
    ("0x2070407", 34014215, 401, "Request.IllegalUserGroups"),
    ("0x2070801", 34015233, 404, "Service.NoSignaling"),
    ("0x2070802", 34015234, 404, "Service.NoApp"),
    ("0x2070803", 34015235, 404, "Service.NoAppCallback"),
    ("0x2070804", 34015236, 404, "Service.NoChannel"),
    ("0x2070201", 34013697, 500, "Service.BuildSignature"),
    ("0x2070202", 34013698, 500, "Service.ParseHTTPBody"),
    ("0x2070203", 34013699, 500, "Service.AppRDSOperate"),
    ("0x2070204", 34013700, 500, "Service.AppCallbackRDSOperate"),
    ("0x2070205", 34013701, 500, "Service.ChannelRDSOperate"),
    ("0x2070206", 34013702, 500, "Service.GenerateChannelKey"),
    ("0x2070207", 34013703, 500, "Service.GenerateChannelToken"),
    ("0x2070208", 34013704, 500, "Service.SignalingSendMessage"),
    ("0x2071001", 34017281, 200, "Service.Inactive"),
    ("0x2071002", 34017282, 200, "Channel.NoExist"),
    ("0x2071003", 34017283, 200, "Service.NoExist"),
    ("0x2071004", 34017284, 200, "App.Stop"),
    ("0x2071005", 34017285, 200, "App.ChargeOverDue"),
    ("0x2071006", 34017286, 200, "Channel.Exceeds"),
    ("0x2071007", 34017287, 200, "Request.ChannelQueryExpire"),
    ("0x2071008", 34017288, 200, "Request.ExistApp"),
    ("0x2071009", 34017289, 200, "Request.ExistAppCallback"),
    ("0x207100A", 34017290, 200, "Request.ExistChannel"),
]

_BY_CODE: dict[str, type[VendorError]] = {
    # Section 9.
    "Request.IllegalTimestamp": AuthenticationError,
    "Request.IllegalSignature": AuthenticationError,
    "Request.IllegalAuth": AuthenticationError,
    "Request.IllegalBizID": AuthenticationError,
    "Request.IllegalAliUID": AuthenticationError,
    "Request.IllegalBroadcast": PermissionDeniedError,
    "Request.IllegalUserGroups": PermissionDeniedError,
    "Service.NoApp": NotFoundError,
    "Service.NoAppCallback": NotFoundError,
    "Service.NoChannel": NotFoundError,
    "Channel.NoExist": NotFoundError,
    "Request.ChannelQueryExpire": NotFoundError,
    "Service.NoSignaling": UnavailableError,
    "Service.Inactive": PermissionDeniedError,
    "Service.NoExist": PermissionDeniedError,
    "App.Stop": PermissionDeniedError,
    "App.ChargeOverDue": PermissionDeniedError,
    "Channel.Exceeds": ConflictError,
    "Request.ExistApp": ConflictError,
    "Request.ExistAppCallback": ConflictError,
    "Request.ExistChannel": ConflictError,
    # Alibaba Cloud gateway (POP) codes every product shares.
    "SignatureDoesNotMatch": AuthenticationError,
    "IncompleteSignature": AuthenticationError,
    "InvalidAccessKeyId.NotFound": AuthenticationError,
    "InvalidAccessKeyId.Inactive": AuthenticationError,
    "InvalidAccessKeyId": AuthenticationError,
    "InvalidSecurityToken.Expired": AuthenticationError,
    "InvalidSecurityToken.Malformed": AuthenticationError,
    "InvalidSecurityToken.MismatchWithAccessKey": AuthenticationError,
    "InvalidTimeStamp.Expired": AuthenticationError,
    "InvalidTimeStamp.Format": InvalidRequestError,
    "SignatureNonceUsed": InvalidRequestError,
    "Forbidden.RAM": PermissionDeniedError,
    "Forbidden": PermissionDeniedError,
    "NoPermission": PermissionDeniedError,
    "Throttling": RateLimitedError,
    "Throttling.User": RateLimitedError,
    "Throttling.Api": RateLimitedError,
    "ServiceUnavailable": UnavailableError,
    "InternalError": UnavailableError,
    "OperationConflict": ConflictError,
}

_PERMANENT_STOPS = {"App.Stop", "App.ChargeOverDue", "Service.Inactive", "Service.NoExist"}


def error_class(code: str, http_status: int) -> type[VendorError]:
    if code in _BY_CODE:
        return _BY_CODE[code]
    if code.startswith("Service.") and http_status >= 500:
        return UnavailableError
    if code.startswith("Forbidden"):
        return PermissionDeniedError
    if code.startswith("Throttling"):
        return RateLimitedError
    if http_status in (401,):
        return AuthenticationError
    if http_status == 403:
        return PermissionDeniedError
    if http_status == 404:
        return NotFoundError
    if http_status == 429:
        return RateLimitedError
    if http_status >= 500:
        return UnavailableError
    return InvalidRequestError


def build_error(code: str, message: str, *, http_status: int, request_id: str = "", host_id: str = "") -> VendorError:
    cls = error_class(code, http_status)
    error = cls(
        message or code,
        vendor=VENDOR,
        code=code,
        http_status=http_status,
        request_id=request_id,
        host_id=host_id,
    )
    error.app_scoped = code.startswith("App.") or isinstance(error, NotFoundError)
    return error


def stops_the_app(code: str) -> bool:
    """Codes that mean the app (or service) is stopped or in arrears: stop syncing it."""
    return code in _PERMANENT_STOPS
