"""Two more things the samples' foreign key refused on PostgreSQL, which its triggers of 0011
let through (a review found them; no code of the console does either):

- an app's id changed while samples of it remain (a row trigger on that column only: windows
  update other columns, and it never fires for them);
- an app deleted in a REPEATABLE READ or SERIALIZABLE transaction: its check sees the
  transaction's snapshot, not samples committed since, so those transactions may not delete
  apps (Django's run in READ COMMITTED).

Still different: `TRUNCATE rtc_rtcapp CASCADE` follows foreign keys only and leaves the samples
(Django's flush truncates every table in one statement).
"""

from django.db import migrations

# 0011's check of a deletion, which both versions of its function end with.
SAMPLES_REMAIN = """\
    IF EXISTS (
        SELECT 1 FROM gone_apps AS a WHERE EXISTS (SELECT 1 FROM usage_usagesample AS s WHERE s.app_id = a.id)
    ) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'delete on table "rtc_rtcapp": usage samples of the app remain in usage_usagesample';
    END IF;
    RETURN NULL;
END $$;
"""

GUARD = (
    """
CREATE FUNCTION rtc_app_id_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM usage_usagesample WHERE app_id = OLD.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'update on table "rtc_rtcapp": usage samples of the app keep its id';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER rtc_app_id_changed BEFORE UPDATE OF id ON rtc_rtcapp
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION rtc_app_id_kept();
CREATE OR REPLACE FUNCTION rtc_app_without_samples() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'delete on table "rtc_rtcapp": apps are deleted in READ COMMITTED transactions only '
                      '(a snapshot would not see samples stored since)';
    END IF;
"""
    + SAMPLES_REMAIN
)

UNGUARD = (
    """
DROP TRIGGER rtc_app_id_changed ON rtc_rtcapp;
DROP FUNCTION rtc_app_id_kept();
CREATE OR REPLACE FUNCTION rtc_app_without_samples() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
"""
    + SAMPLES_REMAIN
)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD)


class Migration(migrations.Migration):
    dependencies = [("usage", "0011_sample_app_checked_per_statement")]

    operations = [migrations.RunPython(guard, unguard)]
