"""SQLite loses the samples' (metric, interval, timestamp) index; PostgreSQL keeps it, outside
Django's model state (as it keeps the app's checks of 0011).

Every app has the same hours, so a window's hours of one app land on a different page of that
index for every hour: on SQLite a 15-day hourly window wrote 341 pages to the WAL instead of 66,
and with it the backfill's commits (and their checkpoints) took 41.5 s of a 137 s run, 3.3 s
without (bench/sync.py). SQLite reads a range of every app through the unique key instead, one
range per app: the reads name the apps (usage.reports.names_every_app). PostgreSQL's backfill
was not paced by it (docs/performance-history.md, the fourth and ninth passes), and the staff overview at 1,000 apps
x a year (bench/scale.py) was measured with it.
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
