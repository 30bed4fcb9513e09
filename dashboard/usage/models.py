from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vendors.base.types import Interval, UsageMetric


class Metric(models.TextChoices):
    DURATION = UsageMetric.DURATION.value, _("Call duration")
    ACTIVE_USERS = UsageMetric.ACTIVE_USERS.value, _("Active users")
    ACTIVE_CHANNELS = UsageMetric.ACTIVE_CHANNELS.value, _("Active channels")
    PEAK_USERS = UsageMetric.PEAK_USERS.value, _("Peak concurrent users")
    PEAK_CHANNELS = UsageMetric.PEAK_CHANNELS.value, _("Peak concurrent channels")


class Granularity(models.IntegerChoices):
    HOUR = Interval.HOUR.value, _("Hourly")
    DAY = Interval.DAY.value, _("Daily")


TIER_FIELDS = ("audio", "v360", "v720", "v1080", "content")


class TierMinutes(models.Model):
    """A duration's minutes per resolution tier (TIER_FIELDS): the samples and their roll-ups."""

    audio = models.BigIntegerField(default=0)
    v360 = models.BigIntegerField(default=0)
    v720 = models.BigIntegerField(default=0)
    v1080 = models.BigIntegerField(default=0)
    content = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class UsageSample(TierMinutes):
    """One bucket of one statistic of one app, as the vendor reported it. Upserted, never duplicated."""

    # The bucket is the key: no id column, its index or (on SQLite) AUTOINCREMENT's sequence to
    # keep for every stored bucket (migration 0014 says what that saved).
    pk = models.CompositePrimaryKey("app", "metric", "interval", "timestamp")
    # No index of its own: the primary key starts with it and serves every read by app (and the
    # app's checks); a fifth index cost every stored bucket its upkeep and 303 MB at 1,000 apps
    # x a year (bench/scale.py). No foreign key constraint on PostgreSQL: triggers check the app
    # once per statement instead of once per row (migration 0011 says why and what they keep);
    # SQLite keeps its key.
    app = models.ForeignKey(
        "rtc.RtcApp", on_delete=models.CASCADE, related_name="usage", db_index=False, db_constraint=False
    )
    metric = models.CharField(max_length=20, choices=Metric.choices)
    interval = models.PositiveIntegerField(choices=Granularity.choices)
    timestamp = models.DateTimeField(help_text=_("Start of the bucket, UTC."))
    value = models.BigIntegerField(help_text=_("Minutes for call duration; a count otherwise."))
    peak_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        # PostgreSQL also keeps ("metric", "interval", "timestamp") as usage_metric_time, outside
        # this state (migration 0013 says why SQLite does not; there, reads of a range of every
        # app name the apps: reports.names_every_app).
        indexes = [
            # The days of every app at once (the staff overview, the home page's minutes, the
            # overview's cost) from the index alone on PostgreSQL: a day of each app sits on
            # its own table page, so reading them from the table touched a page per row.
            models.Index(
                fields=["metric", "timestamp"],
                include=["app", "value", *TIER_FIELDS],
                condition=models.Q(interval=86400),
                name="usage_daily_covering",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} {self.metric} {self.interval} {self.timestamp:%Y-%m-%d %H:%M} = {self.value}"


class SyncCursor(models.Model):
    """How far one statistic of one app at one granularity is in the database."""

    app = models.ForeignKey("rtc.RtcApp", on_delete=models.CASCADE, related_name="sync_cursors")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    interval = models.PositiveIntegerField(choices=Granularity.choices)
    synced_until = models.DateTimeField(null=True, blank=True, help_text=_("Buckets before this are stored."))
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Set while a chain of window jobs for this series is queued or running.
    chain_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "metric", "interval"], name="one_cursor_per_series")]
        # Every account's slowest hourly series at once (coverage.lagging), from the index alone.
        indexes = [models.Index(fields=["interval", "app", "synced_until"], name="cursor_interval_progress")]

    def __str__(self) -> str:
        return f"{self.app_id} {self.metric} {self.interval} until {self.synced_until}"


class ObservedSample(models.Model):
    """One bucket of one statistic of one app as the console saw it in its own live polls.

    Kept apart from UsageSample so an observed figure is never added to what the vendor
    bills. Duration is member-minutes; peaks are members (or channels) at one poll.
    """

    app = models.ForeignKey("rtc.RtcApp", on_delete=models.CASCADE, related_name="observed_usage")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    interval = models.PositiveIntegerField(choices=Granularity.choices)
    timestamp = models.DateTimeField(help_text=_("Start of the bucket, UTC."))
    value = models.BigIntegerField(help_text=_("Member-minutes for call duration; a count otherwise."))
    peak_time = models.DateTimeField(null=True, blank=True)
    sampling_seconds = models.PositiveIntegerField(help_text=_("The poll interval the figures were sampled at."))
    polls = models.PositiveIntegerField(default=0, help_text=_("Polls of the app's channels in the bucket."))
    missed_polls = models.PositiveIntegerField(
        default=0, help_text=_("Polls of a live channel that should have happened in the bucket and did not.")
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "metric", "interval", "timestamp"], name="one_observed_sample_per_bucket"
            )
        ]
        indexes = [models.Index(fields=["app", "interval", "timestamp"], name="observed_app_time")]

    def __str__(self) -> str:
        return f"{self.app_id} observed {self.metric} {self.interval} {self.timestamp:%Y-%m-%d %H:%M} = {self.value}"


PEAK_METRICS = (Metric.PEAK_USERS, Metric.PEAK_CHANNELS)


class AccountPeakSample(models.Model):
    """One bucket of a peak of a whole vendor account (every app at once), as the vendor counts it.

    Kept for accounts whose vendor answers for the whole account (Capability.ACCOUNT_USAGE):
    the reports' combined peak of the account, where a sum of the apps' peaks is only a bound.
    """

    vendor_account = models.ForeignKey(
        "credentials.VendorAccount", on_delete=models.CASCADE, related_name="account_peaks"
    )
    metric = models.CharField(max_length=20, choices=[(m.value, m.label) for m in PEAK_METRICS])
    interval = models.PositiveIntegerField(choices=Granularity.choices)
    timestamp = models.DateTimeField(help_text=_("Start of the bucket, UTC."))
    value = models.BigIntegerField()
    peak_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vendor_account", "interval", "timestamp", "metric"], name="one_account_peak_per_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"account {self.vendor_account_id} {self.metric} {self.interval} {self.timestamp:%Y-%m-%d %H:%M}"


class AccountPeakCursor(models.Model):
    """How far one account-wide peak series at one granularity is in the database."""

    vendor_account = models.ForeignKey(
        "credentials.VendorAccount", on_delete=models.CASCADE, related_name="account_peak_cursors"
    )
    metric = models.CharField(max_length=20, choices=[(m.value, m.label) for m in PEAK_METRICS])
    interval = models.PositiveIntegerField(choices=Granularity.choices)
    synced_until = models.DateTimeField(null=True, blank=True, help_text=_("Buckets before this are stored."))
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    chain_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vendor_account", "metric", "interval"], name="one_account_peak_cursor_per_series"
            )
        ]

    def __str__(self) -> str:
        return f"account {self.vendor_account_id} {self.metric} {self.interval} until {self.synced_until}"


class AccountDayUsage(TierMinutes):
    """The daily samples of one vendor account's apps added up, per statistic and UTC day.

    A roll-up kept by the sync (usage/rollups.py) for the pages over many accounts: always the
    sum of the samples it stands for (counts and peaks too: an account's combined peak is made
    from it by the readers, as reports.combine_peaks does)."""

    vendor_account = models.ForeignKey("credentials.VendorAccount", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    day = models.DateTimeField(help_text=_("Start of the UTC day."))
    value = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor_account", "metric", "day"], name="one_account_day_per_metric")
        ]
        indexes = [models.Index(fields=["day"], name="account_day_usage_day")]

    def __str__(self) -> str:
        return f"account {self.vendor_account_id} {self.metric} {self.day:%Y-%m-%d} = {self.value}"


class AccountHourUsage(TierMinutes):
    """The hourly samples of one vendor account's apps added up, per statistic and UTC hour, for
    the hours of the last days only (usage/rollups.py: HOURS_KEPT; older rows are pruned).

    A roll-up kept by the sync like AccountDayUsage, for the staff overview's tenants over a
    range of hours (ranking._by_tenant_hours): 100 accounts' hours instead of 1,000 apps'."""

    vendor_account = models.ForeignKey("credentials.VendorAccount", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    hour = models.DateTimeField(help_text=_("Start of the UTC hour."))
    value = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor_account", "metric", "hour"], name="one_account_hour_per_metric")
        ]
        # Statistic first: the overview's reads of a range's hours visit the rows of the statistics
        # they read only (a range's hours of every statistic visited 5 times the table pages: by_tenant
        # of 24 hours at 100 accounts 24-27 ms, 10-14 ms with it); rollups.prune_hours names every statistic.
        indexes = [models.Index(fields=["metric", "hour"], name="account_hour_usage_metric_hour")]

    def __str__(self) -> str:
        return f"account {self.vendor_account_id} {self.metric} {self.hour:%Y-%m-%d %H:00} = {self.value}"


class AppMonthUsage(TierMinutes):
    """One app's daily samples of a statistic over a UTC month: their sum and the busiest day's.

    A roll-up kept by the sync (usage/rollups.py): a year of an app's figures in 12 rows."""

    app = models.ForeignKey("rtc.RtcApp", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    month = models.DateTimeField(help_text=_("Start of the UTC month."))
    total = models.BigIntegerField()
    busiest = models.BigIntegerField(help_text=_("The highest day's value."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "metric", "month"], name="one_app_month_per_metric")]
        indexes = [
            models.Index(fields=["month"], name="app_month_usage_month"),
            # The staff overview's reads of a statistic over months, index-only on PostgreSQL:
            # a year's 12,000 duration rows of 1,000 apps without scanning the other statistics'.
            models.Index(
                fields=["metric", "month"],
                include=["app", "total", "busiest", *TIER_FIELDS],
                name="app_month_usage_metric",
            ),
        ]

    def __str__(self) -> str:
        return f"app {self.app_id} {self.metric} {self.month:%Y-%m} = {self.total}"


class TenantDayUsage(TierMinutes):
    """A tenant's figures of a UTC day per statistic, as its own day report shows them: its
    accounts' days added up (AccountDayUsage), each account's peaks its own account-wide figure
    where stored (AccountPeakSample), else the sum of its apps' peaks (reports.combine_peaks).

    A roll-up kept by the sync of the apps' and of the accounts' own series (usage/rollups.py):
    the staff overview's tenant figures of a year in 250 groups of it, not 183,000 account-days."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    day = models.DateTimeField(help_text=_("Start of the UTC day."))
    value = models.BigIntegerField(help_text=_("The accounts' figures added up, their own peaks where stored."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "metric", "day"], name="one_tenant_day_per_metric")]
        indexes = [
            models.Index(fields=["day"], name="tenant_day_usage_day"),
            # The staff overview's tenants' figures of some statistics over a range, index-only.
            models.Index(
                fields=["metric", "day"],
                include=["tenant", "value", *TIER_FIELDS],
                name="tenant_day_usage_metric",
            ),
        ]

    def __str__(self) -> str:
        return f"tenant {self.tenant_id} {self.metric} {self.day:%Y-%m-%d} = {self.value}"


class TenantMonthUsage(TierMinutes):
    """A tenant's days (TenantDayUsage) of a statistic over a UTC month: their sum and the
    busiest day's figure.

    A roll-up kept with the tenant's days (usage/rollups.py): the staff overview's tenant figures
    of a year from 650 groups of months instead of 18,000 tenant-days a statistic."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    month = models.DateTimeField(help_text=_("Start of the UTC month."))
    total = models.BigIntegerField()
    busiest = models.BigIntegerField(help_text=_("The highest day's value."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "metric", "month"], name="one_tenant_month_per_metric")
        ]
        indexes = [
            models.Index(
                fields=["metric", "month"],
                include=["tenant", "total", "busiest", *TIER_FIELDS],
                name="tenant_month_usage_metric",
            ),
        ]

    def __str__(self) -> str:
        return f"tenant {self.tenant_id} {self.metric} {self.month:%Y-%m} = {self.total}"
