"""A connected Provider for a vendor account: the only place credentials are decrypted for use."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from vendors.base.errors import NotSentError
from vendors.base.http import HttpSettings, RetryPolicy
from vendors.base.provider import Provider

from . import endpoints
from .models import VendorAccount
from .ratelimit import wait_for_turn

calls = logging.getLogger("dashboard.vendor_calls")


@contextmanager
@sensitive_variables()
def provider_for(
    account: VendorAccount,
    *,
    interactive: bool = True,
    on_request: Callable[[str], None] | None = None,
) -> Iterator[Provider]:
    """A provider for the account; every request waits for the account's rate limit.

    Interactive calls (a user is waiting) give up sooner than jobs.
    """

    def before_request(name: str) -> None:
        wait_for_turn(account, api=name)
        # With the request or job id the log filter adds; the call's name, never its query.
        calls.debug("%s %s for account %s", account.vendor, name, account.pk)
        if on_request:
            on_request(name)

    check_endpoint(account)
    timeout = settings.VENDOR_INTERACTIVE_TIMEOUT if interactive else settings.VENDOR_JOB_TIMEOUT
    http = HttpSettings(
        timeout=timeout,
        connect_timeout=min(timeout, 5.0),
        before_request=before_request,
        outbound=endpoints.outbound_policy(account.info, account.base_url),
    )
    # None: the vendor's own retry policy (connect passes on only the options given).
    retry = RetryPolicy(attempts=2, total_timeout=timeout) if interactive else None
    provider = account.info.connect(
        account.credentials(),
        base_url=account.endpoint or None,
        transport=settings.VENDOR_TRANSPORT,
        http=http,
        retry=retry,
    )
    try:
        yield provider
    finally:
        provider.close()


def check_endpoint(account: VendorAccount) -> None:
    """Refuse before anything is sent when the endpoint is not allowed or not the secrets' own."""
    if endpoints.find(account.info, account.endpoint) is None:
        raise NotSentError(
            _("this deployment does not allow the endpoint %(url)s for %(vendor)s; an admin must pick another")
            % {"url": account.endpoint, "vendor": account.vendor_label},
            vendor=account.vendor,
            code="EndpointNotAllowed",
        )
    bound = account.secrets_endpoint()
    if bound is None or endpoints.normalize(bound) != endpoints.normalize(account.endpoint):
        raise NotSentError(
            _("the account's endpoint changed after its secrets were entered; an admin must enter them again"),
            vendor=account.vendor,
            code="EndpointChanged",
        )
