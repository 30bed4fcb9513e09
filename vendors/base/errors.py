"""The one error hierarchy every vendor client raises.

Callers decide what to do from the class (and `transient`) alone; the vendor's own code,
message, HTTP status and request id ride along so support staff can quote them.
"""

from __future__ import annotations

from typing import TypedDict, Unpack


class ErrorOrigin(TypedDict, total=False):
    """Who answered: shared by the errors one answer may become."""

    vendor: str
    http_status: int | None


class ErrorDetails(ErrorOrigin, total=False):
    """What every VendorError takes besides its message, as keyword arguments."""

    code: str
    request_id: str
    host_id: str


class VendorError(Exception):
    """Base class. `transient` says whether the same call may succeed if tried again."""

    transient: bool = False
    # True when the error concerns one app (stopped, in arrears, unknown) and not the whole account.
    app_scoped: bool = False

    def __init__(
        self,
        message: str,
        *,
        vendor: str = "",
        code: str = "",
        http_status: int | None = None,
        request_id: str = "",
        host_id: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.vendor = vendor
        self.code = code
        self.http_status = http_status
        self.request_id = request_id
        self.host_id = host_id

    @property
    def permanent(self) -> bool:
        return not self.transient

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.insert(0, f"[{self.code}]")
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vendor={self.vendor!r}, code={self.code!r}, "
            f"http_status={self.http_status!r}, request_id={self.request_id!r}, "
            f"message={self.message!r})"
        )


class AuthenticationError(VendorError):
    """Credentials are wrong, expired or the request signature did not verify."""


class PermissionDeniedError(VendorError):
    """Credentials are valid but not allowed to do this (RAM policy, app stopped, arrears)."""


class NotSentError(PermissionDeniedError):
    """The call never left: the caller's own rules forbid it (an endpoint no longer allowed,
    secrets entered for another endpoint). Permanent until an admin fixes the account."""


class NotFoundError(VendorError):
    """The app, channel, task or recording does not exist at the vendor."""

    app_scoped = True


class InvalidRequestError(VendorError):
    """The vendor (or our own pre-flight validation) rejected the parameters."""


class ValidationError(InvalidRequestError):
    """Raised before any request is sent, when parameters break a documented rule."""

    def __init__(self, message: str, *, field: str = "", vendor: str = "") -> None:
        super().__init__(message, vendor=vendor, code="ClientValidation")
        self.field = field


class ConflictError(InvalidRequestError):
    """The request clashes with current state (already started, stream URL in use...)."""


class RateLimitedError(VendorError):
    """The vendor throttled us. Try again later, no sooner than `retry_after` seconds."""

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Unpack[ErrorDetails]) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UnavailableError(VendorError):
    """The vendor failed or could not be reached (5xx, timeout, dropped connection)."""

    transient = True


class MalformedResponseError(VendorError):
    """The vendor answered with a body we cannot parse or that lacks required fields.

    Treated as transient: in practice it is a truncated or garbled reply far more often
    than a permanent contract change.
    """

    transient = True


class UnsupportedCapabilityError(VendorError):
    """The console asked a provider for something its vendor cannot do."""


def is_transient(exc: BaseException) -> bool:
    """Retry predicate shared by every client."""
    return isinstance(exc, VendorError) and exc.transient


class CallbackRejectedError(Exception):
    """A vendor callback whose signature or timestamp does not hold (not a VendorError:
    nobody called the vendor)."""
