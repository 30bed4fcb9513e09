"""A connected Provider for a vendor account: the only place credentials are decrypted for use."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from vendors.base.errors import NotSentError
from vendors.base.http import HttpSettings, RetryPolicy
from vendors.base.outbound import OutboundPolicy
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
    keep: bool = False,
) -> Iterator[Provider]:
    """A provider for the account; every request waits for the account's rate limit.

    Interactive calls (a user is waiting) give up sooner than jobs. With `keep` (a job worker
    calling the same account window after window) the thread keeps the provider, and with it
    its vendor connection, for the next call with the same credentials, endpoint and settings:
    the account row is read again by every caller, so changed credentials or a changed endpoint
    make a new provider, and the deployment's allowed endpoints are checked on every call.
    """
    endpoint = allowed_endpoint(account)
    if keep:
        key = _provider_key(account, endpoint, interactive)
        kept = _kept_providers()
        provider = kept.pop(key, None)
        if provider is None:
            # The account's credentials, endpoint or settings changed: its old provider (and the
            # old secret in it) goes now, not when it falls out of the list.
            for stale in [other for other in kept if other[0] == account.pk]:
                kept.pop(stale).close()
            provider = _connect(account, endpoint, interactive)
        kept[key] = provider  # the most recently used last
        while len(kept) > KEPT_PROVIDERS:
            kept.pop(next(iter(kept))).close()
        yield provider
        return
    provider = _connect(account, endpoint, interactive)
    try:
        yield provider
    finally:
        provider.close()


KEPT_PROVIDERS = 16  # per worker thread: the accounts it called last
_kept = threading.local()


def close_kept_providers() -> None:
    """Close the providers this thread kept, and their vendor connections (each job worker,
    when the consumer stops)."""
    kept = _kept_providers()
    while kept:
        kept.pop(next(iter(kept))).close()


def _kept_providers() -> dict[tuple, Provider]:
    try:
        return _kept.providers
    except AttributeError:
        _kept.providers = {}
        return _kept.providers


def _provider_key(
    account: VendorAccount,
    endpoint: endpoints.Endpoint,
    interactive: bool,
) -> tuple:
    timeout = settings.VENDOR_INTERACTIVE_TIMEOUT if interactive else settings.VENDOR_JOB_TIMEOUT
    return (
        account.pk,
        account.vendor,
        account.endpoint,
        account.credentials_ciphertext,
        endpoint,
        interactive,
        timeout,
        settings.VENDOR_TRANSPORT,
    )


@sensitive_variables()
def _connect(
    account: VendorAccount,
    endpoint: endpoints.Endpoint,
    interactive: bool,
) -> Provider:
    def before_request(name: str) -> None:
        wait_for_turn(account, api=name)
        # With the request or job id the log filter adds; the call's name, never its query.
        calls.debug("%s %s for account %s", account.vendor, name, account.pk)

    check_secrets_endpoint(account)
    timeout = settings.VENDOR_INTERACTIVE_TIMEOUT if interactive else settings.VENDOR_JOB_TIMEOUT
    http = HttpSettings(
        timeout=timeout,
        connect_timeout=min(timeout, 5.0),
        before_request=before_request,
        # What the client may dial: private addresses only for a configured endpoint's own host.
        outbound=OutboundPolicy.allowing([endpoint.base_url]) if endpoint.configured else OutboundPolicy(),
    )
    # None: the vendor's own retry policy (connect passes on only the options given).
    retry = RetryPolicy(attempts=2, total_timeout=timeout) if interactive else None
    return account.info.connect(
        account.credentials(),
        base_url=account.endpoint or None,
        transport=settings.VENDOR_TRANSPORT,
        http=http,
        retry=retry,
    )


def check_endpoint(account: VendorAccount) -> endpoints.Endpoint:
    """Refuse before anything is sent when the endpoint is not allowed or not the secrets' own."""
    endpoint = allowed_endpoint(account)
    check_secrets_endpoint(account)
    return endpoint


def allowed_endpoint(account: VendorAccount) -> endpoints.Endpoint:
    """The account's endpoint as the deployment allows it now (read on every call); refused if not."""
    endpoint = endpoints.find(account.info, account.endpoint)
    if endpoint is None:
        raise NotSentError(
            _("this deployment does not allow the endpoint %(url)s for %(vendor)s; an admin must pick another")
            % {"url": account.endpoint, "vendor": account.vendor_label},
            vendor=account.vendor,
            code="EndpointNotAllowed",
        )
    return endpoint


def check_secrets_endpoint(account: VendorAccount) -> None:
    bound = account.secrets_endpoint()
    if bound is None or endpoints.normalize(bound) != endpoints.normalize(account.endpoint):
        raise NotSentError(
            _("the account's endpoint changed after its secrets were entered; an admin must enter them again"),
            vendor=account.vendor,
            code="EndpointChanged",
        )
