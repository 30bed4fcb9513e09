"""Every error of the API in one shape (`ApiError`), whatever raised it.

`code` is ours and stable; `message` is for people; `request_id` is the console's (the
`X-Request-ID` header, in its logs); `vendor_code` and `vendor_request_id` are the vendor's,
when a vendor refused, for its support to trace.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from dashboard.ops.tracing import request_id
from vendors.base.errors import NotSentError, UnsupportedCapabilityError, VendorError


class ApiError(Schema):
    code: str
    message: str
    request_id: str
    vendor_code: str = ""
    vendor_request_id: str = ""
    details: list[dict[str, Any]] = []


class Refused(Exception):
    """A refusal of the API's own (status, code, message), answered in the one shape."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


def answer(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    *,
    vendor: VendorError | None = None,
    details: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body = ApiError(
        code=code,
        message=message,
        request_id=request_id.get(),
        vendor_code=vendor.code if vendor else "",
        vendor_request_id=vendor.request_id if vendor else "",
        details=details or [],
    )
    response = api.create_response(request, body.model_dump(), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _jsonable(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors without their `ctx` (it may hold exceptions) or echoed input."""
    return [
        {"loc": list(error.get("loc", [])), "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))}
        for error in errors
        if isinstance(error, dict)
    ]


def install(api: NinjaAPI) -> None:
    def handler(kind: type[Exception], make: Any) -> None:
        api.add_exception_handler(kind, lambda request, error: make(request, error))

    handler(
        AuthenticationError,
        lambda request, _error: answer(
            api, request, 401, "unauthenticated", "Send a valid API token: Authorization: Bearer <token>."
        ),
    )
    handler(
        PermissionDenied,
        lambda request, _error: answer(
            api, request, 403, "forbidden", "This token may read but not act (its scope is read)."
        ),
    )
    handler(Http404, lambda request, _error: answer(api, request, 404, "not_found", "Not found."))
    handler(
        NinjaValidationError,
        lambda request, error: answer(
            api, request, 422, "invalid_request", "The request is not valid.", details=_jsonable(error.errors)
        ),
    )
    handler(
        Throttled,
        lambda request, _error: answer(api, request, 429, "rate_limited", "Too many requests for this token."),
    )
    handler(
        HttpError,
        lambda request, error: answer(
            api, request, error.status_code, "bad_request" if error.status_code == 400 else "http_error", str(error)
        ),
    )
    handler(
        Refused,
        lambda request, error: answer(api, request, error.status, error.code, error.message, details=error.details),
    )
    handler(VendorError, lambda request, error: _vendor(api, request, error))


def _vendor(api: NinjaAPI, request: HttpRequest, error: VendorError) -> HttpResponse:
    if isinstance(error, UnsupportedCapabilityError):
        return answer(api, request, 409, "unsupported", error.message, vendor=error)
    if isinstance(error, NotSentError):
        return answer(api, request, 409, "not_sent", f"Not sent to the vendor: {error.message}", vendor=error)
    return answer(api, request, 502, "vendor_refused", f"The vendor refused: {error.message}", vendor=error)


# The statuses every operation may answer with an ApiError, and those of operations that act.
READ_ERRORS = frozenset({401, 404, 422, 429})
ACT_ERRORS = frozenset({400, 401, 403, 404, 409, 422, 429, 502})  # 400: a body that is not JSON
