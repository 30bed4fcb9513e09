"""Jobs still queued for an account (or app) deleted since end quietly: no error, no retry."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from dashboard.live.tasks import discover_account, poll_account
from dashboard.rtc.tasks import refresh_account_apps
from dashboard.usage import sync
from dashboard.usage.models import SyncCursor, UsageSample
from dashboard.usage.tasks import sync_series_window
from tests.dashboard.conftest import World2
from vendors.base.types import Interval, UsageMetric, UsagePoint


def window() -> tuple[tuple[str, str], ...]:
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    return ((((end - timedelta(hours=1)).isoformat()), end.isoformat()),)


JOBS = {
    "apps.refresh_account": lambda world: refresh_account_apps(world.acme_account.pk),
    "live.poll": lambda world: poll_account(world.acme_account.pk),
    "live.discover_account": lambda world: discover_account(world.acme_account.pk),
    "usage.window": lambda world: sync_series_window(world.acme_manual_app.pk, "duration", 3600, window()),
}


@pytest.mark.parametrize("name", JOBS)
def test_a_job_for_a_deleted_account_ends_quietly(two_tenants: World2, name: str, caplog) -> None:
    two_tenants.acme_account.delete()  # its apps go with it
    scheduled = HUEY.scheduled_count()
    caplog.clear()
    JOBS[name](two_tenants)  # queued and, in tests, run at once
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not problems, [(r.name, r.getMessage()) for r in problems]
    assert HUEY.scheduled_count() == scheduled  # no retry planned
    assert any("gone" in r.getMessage() for r in caplog.records if r.levelno <= logging.INFO)


def test_an_account_deleted_while_its_window_is_fetched_leaves_nothing_behind(
    two_tenants: World2, monkeypatch, caplog
) -> None:
    """The app row is locked (or, on SQLite, the database) before the samples are written: a
    deletion during the vendor call wins, and the job stores nothing for the vanished app."""
    app_pk = two_tenants.acme_manual_app.pk
    start = datetime.fromisoformat(window()[0][0])

    class DeletingProvider:
        def usage(self, *args: object) -> list[UsagePoint]:
            two_tenants.acme_account.delete()  # someone deletes the account meanwhile
            return [UsagePoint(UsageMetric.DURATION, Interval.HOUR, start, 42)]

    monkeypatch.setattr(sync, "provider_for", lambda *a, **k: nullcontext(DeletingProvider()))
    caplog.clear()
    sync_series_window(app_pk, "duration", 3600, window())
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not SyncCursor.objects.filter(app_id=app_pk).exists()
    assert not UsageSample.objects.filter(app_id=app_pk).exists()
