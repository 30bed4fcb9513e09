"""The hours older backfills stored on the day before their series' first daily bucket are dropped.

Until plan.backfill_start, a backfill's hourly series started at the current hour 90 days back
and its daily series at the next UTC midnight: the last hours of the day before the first daily
bucket were stored with no daily bucket for that day, so a report by hour over that day counted
minutes (and peaks) the same report by day did not have. New backfills start both on the same
midnight; this removes what the old ones left.

Only that shape is touched: a series whose first hour falls after the midnight of the day before
its first day and before that day (a day cut short by the old start). A series whose hours start
on a midnight, or more than a day before its first day (a daily chain that failed and started
later, for instance), keeps every hour: those are whole days the vendor answered for, and the
console cannot tell them from a gap. What is removed cannot be put back: the vendor's figure for
that day was never fetched, and fetching it now would count the hours before the old start too,
which were never fetched; the reverse does nothing.

Before migrating, let the usage jobs already queued run (the Jobs page shows none pending), then
stop the workers: a window planned by the old code would store such hours again.
"""

import logging
from datetime import timedelta

from django.db import migrations
from django.db.models import Min

HOUR, DAY = 3600, 86400
log = logging.getLogger(__name__)


def _drop_cut_days(model, owner: str) -> int:
    """The hours of each (owner, metric) series' cut-short day before its first daily bucket."""
    first_days = model.objects.filter(interval=DAY).values(owner, "metric").annotate(first=Min("timestamp"))
    removed = 0
    for series in list(first_days):
        first_day = series["first"]
        hours = model.objects.filter(**{owner: series[owner]}, metric=series["metric"], interval=HOUR)
        first_hour = hours.order_by("timestamp").values_list("timestamp", flat=True).first()  # the key's range
        if first_hour is not None and first_day - timedelta(days=1) < first_hour < first_day:
            found, _ = hours.filter(timestamp__lt=first_day).delete()
            removed += found
    return removed


def drop_hours_before_first_day(apps, schema_editor):
    samples = _drop_cut_days(apps.get_model("usage", "UsageSample"), "app_id")
    peaks = _drop_cut_days(apps.get_model("usage", "AccountPeakSample"), "vendor_account_id")
    if samples or peaks:
        log.warning("usage 0015: dropped %s hourly samples and %s hourly account peaks", samples, peaks)


class Migration(migrations.Migration):
    dependencies = [("usage", "0014_sample_bucket_is_the_key")]

    operations = [migrations.RunPython(drop_hours_before_first_day, migrations.RunPython.noop, elidable=True)]
