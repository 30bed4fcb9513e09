"""What each rule's condition finds now, from the database only: one `Finding` per subject.

Each condition reads the figures the pages show (the recordings watchdog, the usage sync lag,
reconciliation, live polls), so an alert and the page it links to agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard.credentials.models import CheckOutcome, VendorAccount
from dashboard.live.models import Channel
from dashboard.mixing.models import MixingTask, TaskState
from dashboard.recordings import watchdog
from dashboard.recordings.models import Recording
from dashboard.rtc.models import RtcApp
from dashboard.usage import reports
from dashboard.usage.models import Metric, ObservedSample, SyncCursor, UsageSample
from dashboard.usage.reconcile import reconcile
from dashboard.usage.sync import lag
from vendors.base.types import Interval

from .models import AlertRule, Kind, Period

# Pushes and reconciled days older than this are history, not alerts.
RECENT = timedelta(days=2)


@dataclass(frozen=True)
class Finding:
    subject: str
    title: str
    detail: str = ""
    link: str = ""


def account_failing(rule: AlertRule, now: datetime) -> list[Finding]:
    slug = rule.tenant.slug
    accounts = VendorAccount.objects.filter(tenant=rule.tenant, enabled=True).filter(
        Q(sync_blocked=True) | Q(last_check_outcome=CheckOutcome.FAILED)
    )
    found = []
    for account in accounts:
        if account.sync_blocked:
            title, detail = _("Vendor account “%(label)s” is blocked"), account.sync_error
        else:
            title, detail = _("Vendor account “%(label)s” fails its check"), account.last_check_error
        link = reverse("rtc:account_detail", args=[slug, account.pk])
        found.append(Finding(f"account:{account.pk}", title % {"label": account.label}, detail, link))
    return found


def sync_behind(rule: AlertRule, now: datetime) -> list[Finding]:
    limit = timedelta(minutes=rule.threshold or 0)
    cursors: dict[int, list[SyncCursor]] = defaultdict(list)
    accounts = {
        account.pk: account
        for account in VendorAccount.objects.filter(tenant=rule.tenant, enabled=True, sync_blocked=False)
    }
    # A series being fetched right now (a backfill's chain) is catching up, not stuck.
    hourly = SyncCursor.objects.filter(
        app__vendor_account__in=list(accounts), interval=int(Interval.HOUR), chain_started_at__isnull=True
    )
    for cursor in hourly.annotate(account_pk=F("app__vendor_account_id")):
        cursors[cursor.account_pk].append(cursor)
    found = []
    for pk, account_cursors in sorted(cursors.items()):
        behind = lag(account_cursors, now)
        if behind is not None and behind > limit:
            found.append(
                Finding(
                    f"sync:{pk}",
                    _("Usage sync of “%(label)s” is %(minutes)s minutes behind")
                    % {"label": accounts[pk].label, "minutes": int(behind.total_seconds() // 60)},
                    _("Limit: %(limit)s minutes.") % {"limit": rule.threshold},
                    reverse("rtc:account_detail", args=[rule.tenant.slug, pk]),
                )
            )
    return found


def recording_problem(rule: AlertRule, now: datetime) -> list[Finding]:
    recordings = Recording.objects.select_related("channel__app__vendor_account").filter(
        watchdog.needs_attention(now), tenant=rule.tenant
    )
    found = []
    for recording in recordings:
        problem = watchdog.problem(recording, now)
        if problem:
            found.append(
                Finding(
                    f"recording:{recording.pk}",
                    _("Recording %(id)s of channel %(channel)s needs attention")
                    % {"id": recording.recording_id, "channel": recording.channel.channel_id},
                    problem,
                    reverse("recordings:recording_detail", args=[rule.tenant.slug, recording.pk]),
                )
            )
    return found


def push_problem(rule: AlertRule, now: datetime) -> list[Finding]:
    """Stopped by the vendor (the channel ended, CDN or address trouble) in the last days, or
    not pushing for more than `threshold` minutes while its channel is live."""
    waiting_since = now - timedelta(minutes=rule.threshold or 0)
    tasks = MixingTask.objects.select_related("channel").filter(channel__app__vendor_account__tenant=rule.tenant)
    ended = Q(ended_by_vendor=True, stopped_at__gte=now - RECENT)
    idle = Q(state__in=[TaskState.WAITING, TaskState.UNKNOWN], started_at__lt=waiting_since, channel__is_live=True)
    found = []
    for task in tasks.filter(ended | idle):
        if task.ended_by_vendor:
            title = _("Push %(task)s of channel %(channel)s was stopped by the vendor")
        else:
            title = _("Push %(task)s of channel %(channel)s is not running while the channel is live")
        found.append(
            Finding(
                f"push:{task.pk}",
                title % {"task": task.task_id, "channel": task.channel.channel_id},
                task.detail or task.check_error or task.vendor_status,
                reverse("mixing:push_detail", args=[rule.tenant.slug, task.pk]),
            )
        )
    return found


def _usage_over(rule: AlertRule, now: datetime, metric: str, noun: str) -> list[Finding]:
    """The tenant's latest stored bucket (hour or UTC day) against the threshold, with the figure
    the tenant's usage report shows for it (reports.rows_for and combine_peaks: a whole
    account's peak is the vendor's own, other peaks are summed, an upper bound)."""
    interval = int(Interval.DAY) if rule.period == Period.DAY else int(Interval.HOUR)
    apps = RtcApp.objects.filter(vendor_account__tenant=rule.tenant)
    latest = (
        UsageSample.objects.filter(
            app__in=apps, metric=metric, interval=interval, timestamp__gte=now - timedelta(seconds=2 * interval)
        )
        .order_by("-timestamp")
        .values_list("timestamp", flat=True)
        .first()
    )
    if latest is None:
        return []
    end = latest + timedelta(seconds=interval)
    buckets = reports.rows_for(apps, latest, end, interval)
    reports.combine_peaks(buckets, apps, latest, end, interval)
    total = buckets[0].values.get(metric, 0) if buckets else 0
    if total <= (rule.threshold or 0):
        return []
    when = f"{latest:%Y-%m-%d %H:%M} UTC" if interval == int(Interval.HOUR) else f"{latest:%Y-%m-%d} (UTC)"
    return [
        Finding(
            f"{rule.kind}:{rule.period}",
            _("%(noun)s %(period)s over %(limit)s: %(value)s in %(when)s")
            % {
                "noun": noun,
                "period": rule.get_period_display(),
                "limit": f"{rule.threshold:,}",
                "value": f"{total:,}",
                "when": when,
            },
            "",
            reverse("usage:tenant_usage", args=[rule.tenant.slug]),
        )
    ]


def minutes_over(rule: AlertRule, now: datetime) -> list[Finding]:
    return _usage_over(rule, now, Metric.DURATION, _("Minutes"))


def peak_users_over(rule: AlertRule, now: datetime) -> list[Finding]:
    return _usage_over(rule, now, Metric.PEAK_USERS, _("Peak concurrent users"))


def channel_members_over(rule: AlertRule, now: datetime) -> list[Finding]:
    channels = Channel.objects.filter(
        app__vendor_account__tenant=rule.tenant, is_live=True, member_count__gt=rule.threshold or 0
    )
    return [
        Finding(
            f"channel:{channel.pk}",
            _("Channel %(channel)s has %(members)s members (limit %(limit)s)")
            % {"channel": channel.channel_id, "members": f"{channel.member_count:,}", "limit": f"{rule.threshold:,}"},
            "",
            reverse("live:channel_detail", args=[rule.tenant.slug, channel.pk]),
        )
        for channel in channels
    ]


def reconcile_discrepancy(rule: AlertRule, now: datetime) -> list[Finding]:
    """Settled UTC days of the last two where the vendor's and the console's figures differ by
    more than `threshold` percent (days with only one side are not compared: reconciliation
    needs both)."""
    apps = RtcApp.objects.select_related("vendor_account").filter(
        vendor_account__tenant=rule.tenant,
        pk__in=ObservedSample.objects.filter(timestamp__gte=now - RECENT).values("app_id"),
    )
    found = []
    for app in apps:
        cursor = SyncCursor.objects.filter(app=app, metric=Metric.DURATION, interval=int(Interval.DAY)).first()
        synced_until = cursor.synced_until if cursor else None
        for check in reconcile(app, (now - RECENT).date(), now.date(), threshold=float(rule.threshold or 0)):
            differing = [c for c in check.comparisons if c.percent is not None and c.percent > (rule.threshold or 0)]
            # The vendor's day may still grow until it is synced to its end plus the overlap.
            settled = datetime.combine(check.day + timedelta(days=1), time.min, UTC) + timedelta(
                hours=settings.USAGE_OVERLAP_HOURS
            )
            if not differing or synced_until is None or synced_until < settled:
                continue
            found.append(
                Finding(
                    f"reconcile:{app.pk}:{check.day.isoformat()}",
                    _("App %(app)s: vendor and console differ on %(day)s")
                    % {"app": app.name or app.app_id, "day": check.day.isoformat()},
                    ", ".join(f"{c.metric} {c.percent:.0f} %" for c in differing if c.percent is not None),
                    reverse("usage:app_usage", args=[rule.tenant.slug, app.vendor_account_id, app.pk]),
                )
            )
    return found


CONDITIONS: dict[str, Callable[[AlertRule, datetime], list[Finding]]] = {
    Kind.ACCOUNT_FAILING: account_failing,
    Kind.SYNC_BEHIND: sync_behind,
    Kind.RECORDING_PROBLEM: recording_problem,
    Kind.PUSH_PROBLEM: push_problem,
    Kind.MINUTES_OVER: minutes_over,
    Kind.PEAK_USERS_OVER: peak_users_over,
    Kind.CHANNEL_MEMBERS_OVER: channel_members_over,
    Kind.RECONCILE: reconcile_discrepancy,
}
