"""Hourly buckets stored before their series' first daily bucket are dropped.

Until plan.backfill_start, a backfill's hourly series started at the current hour 90 days back
and its daily series at the next UTC day: the first day's last hours were stored with no daily
bucket for that day, so a report by hour over that day counted minutes (and peaks) the same
report by day did not have. New backfills start both on the same day; this removes what the old
ones left. What it removes cannot be put back (the vendor's figure for that whole day was never
fetched, and fetching it now would not match the hours either): the reverse does nothing.

A series with hours and no day yet is left alone (its daily backfill has not run). Stop the
workers before migrating, as for 0014.
"""

from django.db import migrations
from django.db.models import Min

HOUR, DAY = 3600, 86400


def drop_hours_before_first_day(apps, schema_editor):
    UsageSample = apps.get_model("usage", "UsageSample")
    AccountPeakSample = apps.get_model("usage", "AccountPeakSample")
    first_days = UsageSample.objects.filter(interval=DAY).values("app_id", "metric").annotate(first=Min("timestamp"))
    for series in list(first_days):
        UsageSample.objects.filter(
            app_id=series["app_id"], metric=series["metric"], interval=HOUR, timestamp__lt=series["first"]
        ).delete()
    first_peak_days = (
        AccountPeakSample.objects.filter(interval=DAY)
        .values("vendor_account_id", "metric")
        .annotate(first=Min("timestamp"))
    )
    for series in list(first_peak_days):
        AccountPeakSample.objects.filter(
            vendor_account_id=series["vendor_account_id"],
            metric=series["metric"],
            interval=HOUR,
            timestamp__lt=series["first"],
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("usage", "0014_sample_bucket_is_the_key")]

    operations = [migrations.RunPython(drop_hours_before_first_day, migrations.RunPython.noop)]
