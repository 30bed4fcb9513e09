"""On PostgreSQL the samples' app is checked once per statement instead of once per row.

The foreign key's check ran a query and locked the app's row for every stored bucket: a fifth
of PostgreSQL's CPU in a backfill (bench/sync.py, 200 apps: 41-45 s with it, 33-34 s without;
the run 1.54-1.66x the latency bound against 1.45-1.50x). Two statement-level triggers keep
what it guaranteed: rows of an app that does not exist are refused, and each app's row is
locked against deletion to the commit, once per statement (its transition table); an app's
row is not deleted while samples of it remain (Django deletes the samples first, and every
window holds its app's row: usage.rollups.deleting). Two gaps a review found (an app's id
changed, an app deleted from an older snapshot) are closed by 0012.

SQLite keeps its foreign key (its check is one look-up in the apps' key, and SQLite has no
statement-level triggers): only the model's state changes there. A later migration that makes
SQLite copy this table would build it from the state, without the key:
tests/dashboard/usage/test_samples.py fails then.
"""

from django.db import migrations, models

CHECK_SAMPLES = """
CREATE FUNCTION usage_sample_app_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM rtc_rtcapp WHERE id IN (SELECT app_id FROM new_samples) ORDER BY id FOR KEY SHARE;
    IF EXISTS (
        SELECT 1 FROM new_samples AS s WHERE NOT EXISTS (SELECT 1 FROM rtc_rtcapp AS a WHERE a.id = s.app_id)
    ) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'insert or update on table "usage_usagesample": its app_id is not an app of rtc_rtcapp';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER usage_sample_app_inserted AFTER INSERT ON usage_usagesample
    REFERENCING NEW TABLE AS new_samples FOR EACH STATEMENT EXECUTE FUNCTION usage_sample_app_exists();
CREATE TRIGGER usage_sample_app_updated AFTER UPDATE ON usage_usagesample
    REFERENCING NEW TABLE AS new_samples FOR EACH STATEMENT EXECUTE FUNCTION usage_sample_app_exists();
CREATE FUNCTION rtc_app_without_samples() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM gone_apps AS a WHERE EXISTS (SELECT 1 FROM usage_usagesample AS s WHERE s.app_id = a.id)
    ) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'delete on table "rtc_rtcapp": usage samples of the app remain in usage_usagesample';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER rtc_app_samples_gone AFTER DELETE ON rtc_rtcapp
    REFERENCING OLD TABLE AS gone_apps FOR EACH STATEMENT EXECUTE FUNCTION rtc_app_without_samples();
"""

UNCHECK_SAMPLES = """
DROP TRIGGER rtc_app_samples_gone ON rtc_rtcapp;
DROP FUNCTION rtc_app_without_samples();
DROP TRIGGER usage_sample_app_updated ON usage_usagesample;
DROP TRIGGER usage_sample_app_inserted ON usage_usagesample;
DROP FUNCTION usage_sample_app_exists();
"""


def check_per_statement(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    sample = apps.get_model("usage", "UsageSample")
    for name in schema_editor._constraint_names(sample, ["app_id"], foreign_key=True):
        schema_editor.execute(schema_editor._delete_fk_sql(sample, name))
    schema_editor.execute(CHECK_SAMPLES)


def check_per_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(UNCHECK_SAMPLES)
    sample = apps.get_model("usage", "UsageSample")
    schema_editor.execute(
        schema_editor._create_fk_sql(sample, sample._meta.get_field("app"), "_fk_%(to_table)s_%(to_column)s")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("rtc", "0002_rtcapp_last_synced_at_rtcapp_sync_blocked_and_more"),
        ("usage", "0010_tenant_month_usage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(check_per_statement, check_per_row)],
            state_operations=[
                migrations.AlterField(
                    model_name="usagesample",
                    name="app",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="usage",
                        to="rtc.rtcapp",
                    ),
                ),
            ],
        ),
    ]
