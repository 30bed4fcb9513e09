"""How a vendor's refusal reads in a toast: its words, its code and its request id."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vendors.base.errors import NotSentError, VendorError


def vendor_error_text(error: VendorError) -> str:
    if isinstance(error, NotSentError):
        text = _("Not sent to the vendor: %(message)s") % {"message": error.message}
    else:
        text = _("The vendor refused: %(message)s") % {"message": error.message}
    if error.code:
        text += " " + _("(code %(code)s)") % {"code": error.code}
    if error.request_id:
        text += " " + _("request id %(id)s") % {"id": error.request_id}
    return text
