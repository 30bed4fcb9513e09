"""Recordings page benchmark: two years of recordings of one tenant in SQLite.

    python bench/recordings.py [--recordings 100000] [--runs 40]

Seeds recordings across three vendor accounts over two years (one in a hundred needing
attention: failed, empty or stuck), then times the recordings page, its htmx fragment, the
"needing attention" filter and one recording's page through Django's test client, and
prints, last, p50 and p95 milliseconds and the response size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from verdict import slowest_p95

# No issue set one for this page: the same as a usage report's and the home page's.
TARGET_MS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recordings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dashboard.settings.base",
            "DASHBOARD_VAR_DIR": tempfile.mkdtemp(prefix="bench-recordings-"),
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from dashboard.credentials.models import VendorAccount
    from dashboard.live.models import Channel
    from dashboard.recordings.models import Recording, RecordingFile, State
    from dashboard.rtc.models import RtcApp
    from dashboard.tenancy.models import Membership, Tenant

    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.create(name="Bench", slug="bench")
    channels = []
    for vendor, credentials in (
        ("anyrtc", {"customer_id": "c", "customer_secret": "s"}),
        ("uprtc", {"app_secret": "s"}),
        ("isdp", {"app_id": "a", "app_token": "t", "access_key": "k"}),
    ):
        account = VendorAccount(tenant=tenant, vendor=vendor, label=vendor)
        account.set_credentials(credentials)
        account.save()
        app = RtcApp.objects.create(vendor_account=account, app_id=f"{vendor}-app", source="manual")
        channels += Channel.objects.bulk_create(Channel(app=app, channel_id=f"room-{n:03d}") for n in range(200))
    user = get_user_model().objects.create_user("support", password="a-long-password-1")
    Membership.objects.create(user=user, tenant=tenant, role="viewer")

    now = datetime.now(UTC)
    span = timedelta(days=730) / args.recordings
    batch = []
    for n in range(args.recordings):
        started = now - span * (args.recordings - n)
        troubled = n % 100 == 0
        state = (State.FAILED, State.FINISHED, State.STARTING)[n % 3] if troubled else State.FINISHED
        batch.append(
            Recording(
                tenant=tenant,
                channel=channels[n % len(channels)],
                recording_id=f"rec-{n:07d}",
                state=state,
                vendor_status="6 processed",
                file_count=0 if troubled else 2,
                ended_at=started + timedelta(minutes=40),
                checked_at=started + timedelta(minutes=41),
            )
        )
        if len(batch) == 5000:
            Recording.objects.bulk_create(batch)
            batch = []
    Recording.objects.bulk_create(batch)
    # auto_now_add fields take "now" on insert: spread them over the two years as they would be.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE recordings_recording SET started_at = datetime(%s, '-' || ((%s - id) * %s) || ' seconds'),"
            " progressed_at = datetime(%s, '-' || ((%s - id) * %s) || ' seconds')",
            [now.isoformat(), args.recordings, span.total_seconds()] * 2,
        )
    sample = Recording.objects.order_by("-pk").first()
    RecordingFile.objects.bulk_create(RecordingFile(recording=sample, name=f"file-{n}.m3u8") for n in range(2))

    client = Client()
    client.force_login(user)
    cases = [
        ("recordings, first page", "/t/bench/recordings/", {}, {}),
        ("recordings, htmx fragment", "/t/bench/recordings/", {}, {"HX-Request": "true"}),
        ("needing attention", "/t/bench/recordings/", {"show": "attention"}, {}),
        ("page 1000 of everything", "/t/bench/recordings/", {"page": "1000"}, {}),
        ("search by channel", "/t/bench/recordings/", {"q": "room-042"}, {}),
        ("one recording", f"/t/bench/recordings/{sample.pk}/", {}, {}),
    ]
    print(f"{Recording.objects.count():,} recordings over two years, 600 channels, 3 vendor accounts")
    print(f"{'case':32} {'p50 ms':>8} {'p95 ms':>8} {'KB':>6}")
    p95s = {}
    for name, url, query, headers in cases:
        client.get(url, query, headers=headers)  # warm
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = client.get(url, query, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        times.sort()
        p95 = p95s[name] = times[int(len(times) * 0.95) - 1]
        print(f"{name:32} {statistics.median(times):8.1f} {p95:8.1f} {len(response.content) / 1024:6.0f}")
    print(slowest_p95(p95s, TARGET_MS))


if __name__ == "__main__":
    main()
