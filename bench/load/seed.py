"""Demo-like data for bench/load/run.py: a tenant, a year of usage for 10 apps, a live
channel of 300 members, and signed-in staff sessions (LOAD_PEOPLE of them, one person each).
Prints the ids locust needs."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
METRICS = ("duration", "active_users", "active_channels", "peak_users", "peak_channels")


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from dashboard.credentials.models import VendorAccount, VendorEndpoint
    from dashboard.live.models import Channel, MemberEvent, Presence, Snapshot
    from dashboard.rtc.models import RtcApp
    from dashboard.tenancy.models import Tenant
    from dashboard.usage import rollups
    from dashboard.usage.models import UsageSample

    user = get_user_model().objects.create_user("load-staff", password=os.environ["LOAD_PASSWORD"], is_staff=True)
    tenant = Tenant.objects.create(name="Load", slug="load")
    VendorEndpoint.objects.get_or_create(vendor="aliyun", base_url="http://127.0.0.1:9")
    account = VendorAccount(tenant=tenant, vendor="aliyun", label="Load account", endpoint="http://127.0.0.1:9")
    account.set_credentials({"access_key_id": "LTAIload", "access_key_secret": "load-secret-0123456789"})
    account.save()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for n in range(10):
        app = RtcApp.objects.create(vendor_account=account, app_id=f"load-app-{n}", name=f"Load app {n}")
        rows = [
            UsageSample(
                app=app,
                metric="duration",
                interval=3600,
                timestamp=now - timedelta(hours=hour),
                value=100 + hour % 50,
                audio=40,
                v360=30,
                v720=30,
            )
            for hour in range(364 * 24 + now.hour + 1)  # from the first daily bucket's midnight, as a backfill
        ]
        for day in range(365):
            start = (now - timedelta(days=day)).replace(hour=0)
            rows += [
                UsageSample(
                    app=app,
                    metric=metric,
                    interval=86400,
                    timestamp=start,
                    value=1000 + day,
                    audio=500 + day if metric == "duration" else 0,
                    peak_time=start + timedelta(hours=9) if metric.startswith("peak") else None,
                )
                for metric in METRICS
            ]
        UsageSample.objects.bulk_create(rows, batch_size=5000)
    rollups.rebuild()  # written here, not by the sync, which keeps them
    app = RtcApp.objects.filter(vendor_account=account).first()
    channel = Channel.objects.create(
        app=app,
        channel_id="town-hall",
        watched=True,
        is_live=True,
        live_since=now,
        member_count=300,
        listed_count=300,
        role_counts={"interactive": 5, "viewer": 295},
        peak_members=300,
        peak_at=now,
        last_polled_at=timezone.now(),
        mode="interactive_live",
    )
    Presence.objects.bulk_create(
        Presence(channel=channel, user_id=f"viewer-{n:04d}", role="viewer", first_seen_at=now, last_seen_at=now)
        for n in range(300)
    )
    Snapshot.objects.bulk_create(
        Snapshot(channel=channel, observed_at=timezone.now() - timedelta(seconds=30 * n), total=300 - n % 7)
        for n in range(120)
    )
    MemberEvent.objects.bulk_create(
        MemberEvent(channel=channel, user_id=f"viewer-{n:04d}", kind="join", at=now) for n in range(300)
    )
    # One signed-in session per person (LOAD_PEOPLE staff users; the first is load-staff).
    people = [user] + [
        get_user_model().objects.create_user(f"load-staff-{n}", password=os.environ["LOAD_PASSWORD"], is_staff=True)
        for n in range(1, int(os.environ.get("LOAD_PEOPLE", "1")))
    ]
    sessions = []
    for person in people:
        session = SessionStore()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "dashboard.people.backends.PasswordBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    print(account.pk, channel.pk, ",".join(sessions))


if __name__ == "__main__":
    main()
