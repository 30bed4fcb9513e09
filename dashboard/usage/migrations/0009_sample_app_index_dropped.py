"""The samples' app foreign key loses its own index: the unique key starts with the app.

Only the index is dropped (SQLite would otherwise copy the whole table to alter the field)."""

from django.db import migrations, models


def drop_app_index(apps, schema_editor):
    sample = apps.get_model("usage", "UsageSample")
    names = schema_editor._constraint_names(sample, ["app_id"], index=True, unique=False, primary_key=False)
    for name in names:
        schema_editor.execute(schema_editor._delete_index_sql(sample, name))


def make_app_index(apps, schema_editor):
    sample = apps.get_model("usage", "UsageSample")
    schema_editor.execute(schema_editor._create_index_sql(sample, fields=[sample._meta.get_field("app")]))


class Migration(migrations.Migration):
    dependencies = [
        ("rtc", "0002_rtcapp_last_synced_at_rtcapp_sync_blocked_and_more"),
        ("usage", "0008_overview_covering_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_app_index, make_app_index)],
            state_operations=[
                migrations.AlterField(
                    model_name="usagesample",
                    name="app",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="usage",
                        to="rtc.rtcapp",
                    ),
                ),
            ],
        ),
    ]
