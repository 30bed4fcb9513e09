"""Stopping scheduled work on a permanent vendor error, and lifting the stop: the one place.

Bad credentials or permissions stop the whole vendor account; an error about one app
(stopped, in arrears, unknown) stops just that app. The vendor's code, message and request
id are kept (dashboard.core.vendor_errors.stored_text) for the account page; new credentials
or "Check again" lift the stop with `unblock`, and the jobs that planned around the stop
(usage chains) hear of it through the `unblocked` signal.

It lives with the vendor account, below the apps that use it: an app is handled through its
`vendor_account` and its own `sync_blocked` / `sync_error` fields.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal

from dashboard.core.vendor_errors import stored_text
from vendors.base.errors import VendorError, is_transient

from .crypto import UndecryptableCredentials
from .models import VendorAccount

log = logging.getLogger(__name__)
# Errors a scheduled job stops on when they are permanent (is_transient says which are not).
BLOCKING_ERRORS = (VendorError, UndecryptableCredentials)
# Sent with account= (the account and all its apps) or app= (one app) once the stop is lifted.
unblocked = Signal()


def block(where: Any, error: VendorError | UndecryptableCredentials) -> None:
    """`where` is the account the failing call was about, or the app (an RtcApp): an error
    about the app alone stops the app, any other stops its account."""
    text = stored_text(error)
    if isinstance(where, VendorAccount):
        account_pk = where.pk
    elif isinstance(error, VendorError) and error.app_scoped:
        type(where).objects.filter(pk=where.pk).update(sync_blocked=True, sync_error=text)
        log.warning("scheduled work stopped for app %s (%s): %s", where, where.vendor_account_id, text)
        return
    else:
        account_pk = where.vendor_account_id
    VendorAccount.objects.filter(pk=account_pk).update(sync_blocked=True, sync_error=text)
    log.warning("scheduled work stopped for account %s: %s", account_pk, text)


def block_unless_transient(where: Any, error: VendorError | UndecryptableCredentials) -> None:
    """In a job's `except BLOCKING_ERRORS`: a transient error goes on up for a retry; any other stops."""
    if is_transient(error):
        raise error
    block(where, error)


def unblock(*, account: VendorAccount | None = None, app: Any = None) -> None:
    """An admin asked for a re-check, or the credentials changed: try again."""
    if account is not None:
        VendorAccount.objects.filter(pk=account.pk).update(sync_blocked=False, sync_error="")
        account.apps.update(sync_blocked=False, sync_error="")
    if app is not None:
        type(app).objects.filter(pk=app.pk).update(sync_blocked=False, sync_error="")
    unblocked.send(sender=__name__, account=account, app=app)
