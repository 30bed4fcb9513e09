"""dashboard/credentials/connect.py: a job worker keeps its provider from call to call, and
still reads the account's credentials and the allowed endpoints afresh every time."""

from __future__ import annotations

import pytest

from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount, VendorEndpoint
from tests.dashboard.conftest import World2
from vendors.base.errors import AuthenticationError, NotSentError


def fresh(account: VendorAccount) -> VendorAccount:
    """The account as a job reads it: from the database."""
    return VendorAccount.objects.get(pk=account.pk)


def test_a_kept_provider_serves_the_next_call_and_a_plain_one_is_closed(two_tenants: World2, monkeypatch) -> None:
    account = two_tenants.acme_account
    with provider_for(fresh(account), interactive=False, keep=True) as first:
        list(first.list_apps())
    with provider_for(fresh(account), interactive=False, keep=True) as second:
        list(second.list_apps())  # its connection is still open
    assert second is first
    closed = []
    with provider_for(fresh(account), interactive=False) as plain:
        monkeypatch.setattr(plain, "close", lambda: closed.append(plain))
    assert plain is not first and closed == [plain]


def test_changed_credentials_make_a_new_provider_with_them(two_tenants: World2, monkeypatch) -> None:
    account = two_tenants.acme_account
    with provider_for(fresh(account), interactive=False, keep=True) as before:
        list(before.list_apps())
    closed = []
    monkeypatch.setattr(before, "close", lambda: closed.append(before))
    changed = fresh(account)
    changed.set_credentials({"access_key_id": "wrong-key", "access_key_secret": "wrong-secret"})
    changed.save()
    with provider_for(fresh(account), interactive=False, keep=True) as after:
        assert after is not before
        with pytest.raises(AuthenticationError):
            list(after.list_apps())  # the simulator refuses the new (wrong) secrets: they were used
    assert closed == [before]  # the old provider, and the old secret in it, went at once


def test_an_endpoint_no_longer_allowed_is_refused_though_a_provider_is_kept(two_tenants: World2) -> None:
    account = two_tenants.acme_account
    with provider_for(fresh(account), interactive=False, keep=True) as provider:
        list(provider.list_apps())
    VendorEndpoint.objects.filter(vendor="aliyun", base_url=account.endpoint).delete()
    with (
        pytest.raises(NotSentError, match="does not allow the endpoint"),
        provider_for(fresh(account), interactive=False, keep=True),
    ):
        pass


def test_a_worker_closes_the_providers_it_kept_when_the_consumer_stops(two_tenants: World2, monkeypatch) -> None:
    from huey.contrib.djhuey import HUEY

    account = two_tenants.acme_account
    with provider_for(fresh(account), interactive=False, keep=True) as kept:
        list(kept.list_apps())
    closed = []
    monkeypatch.setattr(kept, "close", lambda: closed.append(kept))
    HUEY._shutdown["credentials.kept_providers"]()  # what each worker thread runs as the consumer stops
    assert closed == [kept]
    with provider_for(fresh(account), interactive=False, keep=True) as next_one:
        assert next_one is not kept
