"""Usage fixtures: three apps in two tenants with daily and hourly samples of distinct, checkable numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from dashboard.rtc.models import RtcApp
from dashboard.usage import rollups
from dashboard.usage.models import UsageSample
from tests.dashboard.conftest import World2

DAYS = 60
END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def seed(app: RtcApp, scale: int) -> None:
    """Daily and hourly samples with distinct, checkable numbers."""
    rows = []
    for day in range(DAYS):
        start = END - timedelta(days=DAYS - day)
        for metric, value in (
            ("active_users", 100 * scale + day),
            ("active_channels", 10 * scale + day % 7),
            ("peak_users", 20 * scale + day),
            ("peak_channels", 5 * scale),
        ):
            rows.append(
                UsageSample(
                    app=app,
                    metric=metric,
                    interval=86400,
                    timestamp=start,
                    value=value,
                    peak_time=start + timedelta(hours=day % 24) if "peak" in metric else None,
                )
            )
        tiers = {"audio": 10 * scale, "v360": 20 * scale + day, "v720": 30 * scale, "v1080": day, "content": 5}
        rows.append(
            UsageSample(app=app, metric="duration", interval=86400, timestamp=start, value=sum(tiers.values()), **tiers)
        )
        for hour in range(24):
            rows.append(
                UsageSample(
                    app=app,
                    metric="duration",
                    interval=3600,
                    timestamp=start + timedelta(hours=hour),
                    value=hour * scale,
                    audio=hour * scale,
                )
            )
    UsageSample.objects.bulk_create(rows)


@pytest.fixture
def seeded_today() -> Iterator[None]:
    """The clock at noon of END's day (UTC), ticking: END is read once, when the tests are
    collected, and a run that crosses midnight would otherwise ask for "today" a day after the
    seeded data."""
    with time_machine.travel(END + timedelta(hours=12), tick=True):
        yield


@pytest.fixture
def usage(two_tenants: World2, seeded_today: None) -> World2:
    w = two_tenants
    w.app_a = RtcApp.objects.create(vendor_account=w.acme_account, app_id="app-a", name="Alpha")
    w.app_b = RtcApp.objects.create(vendor_account=w.acme_account, app_id="app-b", name="Beta")
    w.app_h = RtcApp.objects.create(vendor_account=w.harbor_account, app_id="app-h", name="Harbor app")
    seed(w.app_a, 1)
    seed(w.app_b, 2)
    seed(w.app_h, 7)
    rollups.rebuild()  # the samples were written here, not by the sync, which keeps them
    return w


def custom(start: datetime, end: datetime, **extra: str) -> dict[str, str]:
    return {"range": "custom", "from": f"{start:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}", **extra}
