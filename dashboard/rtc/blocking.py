"""Stopping scheduled work on a permanent vendor error, the same way for every job.

Bad credentials or permissions stop the whole vendor account; an error about one app
(stopped, in arrears, unknown) stops just that app. The vendor's code, message and request
id are kept for the account page; credentials changing or "Check again" lifts the stop.
"""

from __future__ import annotations

import logging

from dashboard.credentials.crypto import UndecryptableCredentials
from dashboard.credentials.models import VendorAccount
from vendors.base.errors import VendorError

from .models import RtcApp

log = logging.getLogger(__name__)


def block(app: RtcApp, error: VendorError | UndecryptableCredentials) -> None:
    text = f"[{getattr(error, 'code', '') or type(error).__name__}] {getattr(error, 'message', str(error))}"
    if getattr(error, "request_id", ""):
        text += f" (request id {error.request_id})"
    if isinstance(error, VendorError) and error.app_scoped:
        RtcApp.objects.filter(pk=app.pk).update(sync_blocked=True, sync_error=text)
    else:
        VendorAccount.objects.filter(pk=app.vendor_account_id).update(sync_blocked=True, sync_error=text)
    log.warning("scheduled work stopped for %s (%s): %s", app, app.vendor_account, text)
