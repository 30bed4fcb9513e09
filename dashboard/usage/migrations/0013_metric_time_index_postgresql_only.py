"""SQLite loses the samples' (metric, interval, timestamp) index; PostgreSQL keeps it, outside
Django's model state (as it keeps the app's checks of 0011).

Every app has the same hours, so a window's hours of one app land on a different page of that
index for every hour: on SQLite a 15-day hourly window wrote 340 pages to the WAL instead of 66,
and its commits and checkpoints took a sixth of the backfill (bench/sync.py). SQLite reads the
ranges of many apps through the unique key instead, one range per app (the queries name the
apps: usage.ranking, usage.costs). PostgreSQL's backfill was not paced by it (README, the
fourth and ninth passes), and the staff overview at 1,000 apps x a year (bench/scale.py) was
measured with it.
"""

from django.db import migrations

NAME = "usage_metric_time"


def drop_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


def make_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "usage_usagesample" ("metric", "interval", "timestamp")'
        )


class Migration(migrations.Migration):
    dependencies = [("usage", "0012_sample_app_checks_close_gaps")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_on_sqlite, make_on_sqlite)],
            state_operations=[migrations.RemoveIndex(model_name="usagesample", name=NAME)],
        ),
    ]
