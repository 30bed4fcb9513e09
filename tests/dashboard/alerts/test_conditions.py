"""Each condition of dashboard/alerts/conditions.py finds what it says and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from dashboard.alerts import engine
from dashboard.alerts.conditions import CONDITIONS
from dashboard.alerts.models import AlertRule, Incident, Kind, Period
from dashboard.credentials.models import CheckOutcome, VendorAccount
from dashboard.live.models import Channel
from dashboard.mixing.models import MixingTask, TaskState
from dashboard.usage.models import Metric, ObservedSample, SyncCursor, UsageSample
from tests.dashboard.conftest import World2, logged_in


def rule(world: World2, kind: str, threshold: int | None = None, period: str = "") -> AlertRule:
    return AlertRule.objects.create(tenant=world.acme, kind=kind, threshold=threshold, period=period)


def subjects(found) -> list[str]:
    return [finding.subject for finding in found]


def test_account_check_failing_or_blocked(two_tenants: World2) -> None:
    world, now = two_tenants, timezone.now()
    check = rule(world, Kind.ACCOUNT_FAILING)
    assert CONDITIONS[check.kind](check, now) == []
    VendorAccount.objects.filter(pk=world.acme_account.pk).update(
        last_check_outcome=CheckOutcome.FAILED, last_check_error="[InvalidAccessKeyId] bad key"
    )
    VendorAccount.objects.filter(pk=world.harbor_account.pk).update(sync_blocked=True)  # another tenant's
    found = CONDITIONS[check.kind](check, now)
    assert subjects(found) == [f"account:{world.acme_account.pk}"] and "bad key" in found[0].detail


def test_usage_sync_behind_more_than_n_minutes(two_tenants: World2) -> None:
    world, now = two_tenants, timezone.now()
    behind = rule(world, Kind.SYNC_BEHIND, 180)
    cursor = SyncCursor.objects.create(
        app=world.acme_manual_app, metric=Metric.DURATION, interval=3600, synced_until=now - timedelta(hours=2)
    )
    assert CONDITIONS[behind.kind](behind, now) == []
    SyncCursor.objects.filter(pk=cursor.pk).update(synced_until=now - timedelta(hours=4), chain_started_at=now)
    assert CONDITIONS[behind.kind](behind, now) == []  # a backfill is catching up
    SyncCursor.objects.filter(pk=cursor.pk).update(chain_started_at=None)
    assert subjects(CONDITIONS[behind.kind](behind, now)) == [f"sync:{world.acme_account.pk}"]


def test_push_stopped_by_the_vendor_or_idle_while_the_channel_is_live(two_tenants: World2) -> None:
    world, now = two_tenants, timezone.now()
    push = rule(world, Kind.PUSH_PROBLEM, 5)
    channel = Channel.objects.create(app=world.acme_manual_app, channel_id="room", is_live=True)
    stopped_by_user = MixingTask.objects.create(
        channel=channel,
        task_id="t1",
        stream_url="rtmp://a/1",
        media_encode=20,
        task_profile="4IN_720P",
        state=TaskState.STOPPED,
        stopped_at=now,
        vendor_status="3",
    )
    ended = MixingTask.objects.create(
        channel=channel,
        task_id="t2",
        stream_url="rtmp://a/2",
        media_encode=20,
        task_profile="4IN_720P",
        state=TaskState.FAILED,
        stopped_at=now,
        vendor_status="5",
        ended_by_vendor=True,
    )
    waiting = MixingTask.objects.create(
        channel=channel, task_id="t3", stream_url="rtmp://a/3", media_encode=20, task_profile="4IN_720P"
    )
    assert subjects(CONDITIONS[push.kind](push, now)) == [f"push:{ended.pk}"]
    MixingTask.objects.filter(pk=waiting.pk).update(started_at=now - timedelta(minutes=6))
    assert sorted(subjects(CONDITIONS[push.kind](push, now))) == sorted([f"push:{ended.pk}", f"push:{waiting.pk}"])
    assert f"push:{stopped_by_user.pk}" not in subjects(CONDITIONS[push.kind](push, now))


def test_minutes_and_peak_users_over_a_threshold_per_hour_or_day(two_tenants: World2) -> None:
    world = two_tenants
    now = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)
    for hour, minutes in ((10, 900), (11, 1200)):
        UsageSample.objects.create(
            app=world.acme_manual_app,
            metric=Metric.DURATION,
            interval=3600,
            timestamp=now.replace(hour=hour, minute=0),
            value=minutes,
        )
    UsageSample.objects.create(
        app=world.acme_manual_app,
        metric=Metric.PEAK_USERS,
        interval=86400,
        timestamp=now.replace(hour=0, minute=0),
        value=70,
    )
    hourly = rule(world, Kind.MINUTES_OVER, 1000, Period.HOUR)
    assert subjects(CONDITIONS[hourly.kind](hourly, now)) == ["minutes_over:hour"]  # the latest hour: 1,200
    hourly.threshold = 1200
    assert CONDITIONS[hourly.kind](hourly, now) == []
    peak = rule(world, Kind.PEAK_USERS_OVER, 50, Period.DAY)
    found = CONDITIONS[peak.kind](peak, now)
    assert subjects(found) == ["peak_users_over:day"] and "70" in found[0].title


def test_a_channels_members_over_n(two_tenants: World2) -> None:
    world, now = two_tenants, timezone.now()
    crowded = rule(world, Kind.CHANNEL_MEMBERS_OVER, 100)
    big = Channel.objects.create(app=world.acme_manual_app, channel_id="big", is_live=True, member_count=150)
    Channel.objects.create(app=world.acme_manual_app, channel_id="small", is_live=True, member_count=100)
    Channel.objects.create(app=world.acme_manual_app, channel_id="was-big", is_live=False, member_count=500)
    assert subjects(CONDITIONS[crowded.kind](crowded, now)) == [f"channel:{big.pk}"]


def test_reconciliation_discrepancy_on_settled_days_only(two_tenants: World2) -> None:
    world = two_tenants
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    day = datetime(2026, 11, 29, tzinfo=UTC)
    UsageSample.objects.create(
        app=world.acme_manual_app, metric=Metric.DURATION, interval=86400, timestamp=day, value=1000
    )
    ObservedSample.objects.create(
        app=world.acme_manual_app,
        metric=Metric.DURATION,
        interval=86400,
        timestamp=day,
        value=700,
        sampling_seconds=30,
        polls=2880,
    )
    discrepancy = rule(world, Kind.RECONCILE, 5)
    cursor = SyncCursor.objects.create(
        app=world.acme_manual_app, metric=Metric.DURATION, interval=86400, synced_until=day + timedelta(hours=20)
    )
    assert CONDITIONS[discrepancy.kind](discrepancy, now) == []  # the vendor's day is not settled yet
    SyncCursor.objects.filter(pk=cursor.pk).update(synced_until=now)
    found = CONDITIONS[discrepancy.kind](discrepancy, now)
    assert subjects(found) == [f"reconcile:{world.acme_manual_app.pk}:2026-11-29"] and "30 %" in found[0].detail


def test_a_muted_rule_opens_incidents_but_sends_nothing_then_nor_when_they_resolve(two_tenants: World2) -> None:
    world, now = two_tenants, timezone.now()
    crowded = rule(world, Kind.CHANNEL_MEMBERS_OVER, 10)
    crowded.destinations.create(tenant=world.acme, name="Mail", kind="email", emails="a@example.com")
    AlertRule.objects.filter(pk=crowded.pk).update(muted_until=now + timedelta(hours=1))
    channel = Channel.objects.create(app=world.acme_manual_app, channel_id="big", is_live=True, member_count=50)
    engine.evaluate(now)
    incident = Incident.objects.get(rule=crowded)
    assert not incident.notified and not incident.notices.exists()
    Channel.objects.filter(pk=channel.pk).update(member_count=1)
    engine.evaluate(now + timedelta(hours=2))  # the mute is over, but nobody was told of the opening
    incident.refresh_from_db()
    assert incident.resolved_at and not incident.notices.exists()


def test_a_rule_turned_off_closes_its_incidents_quietly(two_tenants: World2) -> None:
    world, now = two_tenants, timezone.now()
    crowded = rule(world, Kind.CHANNEL_MEMBERS_OVER, 10)
    crowded.destinations.create(tenant=world.acme, name="Mail", kind="email", emails="a@example.com")
    Channel.objects.create(app=world.acme_manual_app, channel_id="big", is_live=True, member_count=50)
    engine.evaluate(now)
    AlertRule.objects.filter(pk=crowded.pk).update(enabled=False)
    engine.evaluate(now)
    incident = Incident.objects.get(rule=crowded)
    assert incident.resolved_at and list(incident.notices.values_list("event", flat=True)) == ["opened"]


def test_a_figure_hovering_at_its_threshold_keeps_one_incident(two_tenants: World2, settings) -> None:
    """Over, under, over again within ALERT_RESOLVE_AFTER_MINUTES: one incident, one notice."""
    world, now = two_tenants, timezone.now()
    crowded = rule(world, Kind.CHANNEL_MEMBERS_OVER, 10)
    crowded.destinations.create(tenant=world.acme, name="Mail", kind="email", emails="a@example.com")
    channel = Channel.objects.create(app=world.acme_manual_app, channel_id="big", is_live=True, member_count=11)
    for minute, members in enumerate((11, 10, 11, 9, 12)):
        Channel.objects.filter(pk=channel.pk).update(member_count=members)
        engine.evaluate(now + timedelta(minutes=minute))
    incident = Incident.objects.get(rule=crowded)
    assert incident.is_open and incident.notices.count() == 1
    Channel.objects.filter(pk=channel.pk).update(member_count=3)
    engine.evaluate(now + timedelta(minutes=5))
    engine.evaluate(now + timedelta(minutes=4 + settings.ALERT_RESOLVE_AFTER_MINUTES))
    incident.refresh_from_db()
    assert not incident.is_open and incident.notices.count() == 2


def test_many_subjects_at_once_make_a_few_notices_not_a_storm(two_tenants: World2, settings) -> None:
    world, now = two_tenants, timezone.now()
    settings.ALERT_MAX_NEW_NOTICES = 3
    crowded = rule(world, Kind.CHANNEL_MEMBERS_OVER, 10)
    crowded.destinations.create(tenant=world.acme, name="Mail", kind="email", emails="a@example.com")
    for n in range(8):
        Channel.objects.create(app=world.acme_manual_app, channel_id=f"big-{n}", is_live=True, member_count=50)
    engine.evaluate(now)
    incidents = Incident.objects.filter(rule=crowded)
    assert incidents.count() == 8 and incidents.filter(notified=True).count() == 3
    assert sum(incident.notices.count() for incident in incidents) == 3
    page = logged_in(world.acme_viewer).get(reverse("alerts:alert_list", args=["acme"])).content.decode()
    assert page.count("no notice (muted, or too many at once)") == 5


def test_peak_users_over_reads_the_reports_figure_a_whole_accounts_own_peak(two_tenants: World2) -> None:
    """Two apps of one account peak at 40 and 35 users; the vendor counts 50 for the account at
    once. The report shows 50, so the alert judges 50, not the bound 75."""
    from dashboard.rtc.models import RtcApp
    from dashboard.usage import rollups
    from dashboard.usage.models import AccountPeakSample

    world = two_tenants
    now = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)
    day = now.replace(hour=0, minute=0)
    apps = list(RtcApp.objects.filter(vendor_account=world.acme_manual_app.vendor_account))
    if len(apps) < 2:
        apps.append(RtcApp.objects.create(vendor_account=world.acme_manual_app.vendor_account, app_id="second-app"))
    for app, peak in zip(apps, (40, 35) + (0,) * (len(apps) - 2), strict=True):
        UsageSample.objects.create(app=app, metric=Metric.PEAK_USERS, interval=86400, timestamp=day, value=peak)
    rollups.rebuild()  # written here, not by the sync, which keeps them
    peak = rule(world, Kind.PEAK_USERS_OVER, 60, Period.DAY)
    assert subjects(CONDITIONS[peak.kind](peak, now)) == ["peak_users_over:day"]  # no account figure: 75
    AccountPeakSample.objects.create(
        vendor_account=world.acme_manual_app.vendor_account,
        metric=Metric.PEAK_USERS,
        interval=86400,
        timestamp=day,
        value=50,
    )
    assert CONDITIONS[peak.kind](peak, now) == []  # the vendor's own 50 for the whole account
