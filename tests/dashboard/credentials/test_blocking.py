"""dashboard/credentials/blocking.py: a permanent vendor error stops scheduled work with its
code, message and request id kept; unblock lifts the stop and the usage chains plan again."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.utils import timezone

from dashboard.credentials.blocking import block, unblock
from dashboard.credentials.models import VendorAccount
from dashboard.live.tasks import discover_account
from dashboard.rtc.models import RtcApp
from dashboard.rtc.tasks import refresh_account_apps
from dashboard.usage.models import SyncCursor
from tests.dashboard.conftest import World2
from vendors.base.errors import AuthenticationError, NotFoundError


def test_credentials_no_key_opens_stop_the_account_with_the_reason(two_tenants: World2, settings) -> None:
    settings.CREDENTIAL_KEYS = [Fernet.generate_key().decode()]
    for job in (refresh_account_apps, discover_account):
        VendorAccount.objects.filter(pk=two_tenants.acme_account.pk).update(sync_blocked=False, sync_error="")
        job.call_local(two_tenants.acme_account.pk)
        account = VendorAccount.objects.get(pk=two_tenants.acme_account.pk)
        assert account.sync_blocked, job
        # Not an empty text: the page says why the account stopped.
        assert (
            account.sync_error.startswith("[UndecryptableCredentials] ") and "cannot be decrypted" in account.sync_error
        )


def test_an_app_error_stops_the_app_and_an_account_error_the_account_each_with_code_and_request_id(
    two_tenants: World2,
) -> None:
    app, account = two_tenants.acme_manual_app, two_tenants.acme_account
    block(app, NotFoundError("no such app", code="App.NotFound", request_id="req-app"))
    app.refresh_from_db()
    account.refresh_from_db()
    assert app.sync_blocked and app.sync_error == "[App.NotFound] no such app (request id req-app)"
    assert not account.sync_blocked
    block(app, AuthenticationError("bad signature", code="SignatureDoesNotMatch", request_id="req-acc"))
    account.refresh_from_db()
    assert account.sync_blocked and account.sync_error == "[SignatureDoesNotMatch] bad signature (request id req-acc)"


def test_unblock_lifts_the_account_and_its_apps_and_the_usage_chains_plan_again(two_tenants: World2) -> None:
    app, account = two_tenants.acme_manual_app, two_tenants.acme_account
    RtcApp.objects.filter(pk=app.pk).update(sync_blocked=True, sync_error="[x] y")
    VendorAccount.objects.filter(pk=account.pk).update(sync_blocked=True, sync_error="[x] y")
    SyncCursor.objects.create(app=app, metric="duration", interval=3600, chain_started_at=timezone.now())
    unblock(account=account)
    app.refresh_from_db()
    account.refresh_from_db()
    assert not account.sync_blocked and not account.sync_error
    assert not app.sync_blocked and not app.sync_error
    assert SyncCursor.objects.get(app=app).chain_started_at is None  # heard through blocking.unblocked
