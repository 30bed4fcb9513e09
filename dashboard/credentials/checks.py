"""Test connection: one cheap authenticated read at the vendor, audited; the account keeps the outcome."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from dashboard.audit.log import audited
from dashboard.core.vendor_errors import stored_text

from .blocking import BLOCKING_ERRORS
from .connect import provider_for
from .models import CheckOutcome, VendorAccount


def check_account(actor: User | AnonymousUser | None, account: VendorAccount, *, interactive: bool = True) -> bool:
    """True when the vendor accepted the credentials; the row says when, how, and why not."""
    account.last_check_at = timezone.now()
    try:
        with (
            audited(actor, "account.test", vendor_account=account, target=account.label) as call,
            provider_for(account, interactive=interactive) as provider,
        ):
            call.vendor_request_id = provider.check_connection()
    except BLOCKING_ERRORS as error:
        account.last_check_outcome = CheckOutcome.FAILED
        account.last_check_error = stored_text(error, request_id=False)  # the request id has its own column
        account.last_check_request_id = getattr(error, "request_id", "")
    else:
        account.last_check_outcome = CheckOutcome.OK
        account.last_check_error = ""
        account.last_check_request_id = call.vendor_request_id
    account.save(update_fields=["last_check_at", "last_check_outcome", "last_check_error", "last_check_request_id"])
    return account.last_check_outcome == CheckOutcome.OK
