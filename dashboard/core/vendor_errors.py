"""How a vendor's refusal reads, the one way: its words, its code and its request id.

`refusal` is what a page shows (templates/partials/vendor_error.html, through the `refusal`
filter) and `vendor_error_text` the same words in a toast; `stored_text` is how a refusal is
kept in a text column (an account's or app's stop, a job's last error, a failed check).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from vendors.base.errors import NotSentError, VendorError


@dataclass(frozen=True, slots=True)
class Refusal:
    message: str
    code: str = ""
    request_id: str = ""
    sent: bool = True  # False: the console's own rules stopped the call before it left

    @property
    def heading(self) -> str:
        return _("The vendor refused") if self.sent else _("Not sent to the vendor")

    def __str__(self) -> str:
        if self.sent:
            text = _("The vendor refused: %(message)s") % {"message": self.message}
        else:
            text = _("Not sent to the vendor: %(message)s") % {"message": self.message}
        if self.code:
            text += " " + _("(code %(code)s)") % {"code": self.code}
        if self.request_id:
            text += " " + _("request id %(id)s") % {"id": self.request_id}
        return text


def refusal(error: Exception) -> Refusal:
    """A VendorError as the vendor said it; any other error stopped the call before it was sent."""
    if isinstance(error, VendorError):
        return Refusal(error.message, error.code, error.request_id, sent=not isinstance(error, NotSentError))
    return Refusal(str(error), sent=False)


def vendor_error_text(error: Exception) -> str:
    return str(refusal(error))


def stored_text(error: BaseException, *, request_id: bool = True) -> str:
    """`[code] message (request id …)`: how a column keeps a refusal, never without its code and request id."""
    code = getattr(error, "code", "") or type(error).__name__
    text = f"[{code}] {getattr(error, 'message', '') or str(error)}"
    said_id = getattr(error, "request_id", "")
    if request_id and said_id:
        text += f" (request id {said_id})"
    return text
