"""Tenants that existed before alerts get the default rules new tenants are created with
(a copy of dashboard/alerts/defaults.py as it was: a migration does not follow later edits)."""

from django.db import migrations

DEFAULT_RULES = (
    ("account_failing", None, "", True),
    ("sync_behind", 180, "", True),
    ("recording_problem", None, "", True),
    ("push_problem", 5, "", True),
    ("minutes_over", 100_000, "hour", False),
    ("minutes_over", 1_000_000, "day", False),
    ("peak_users_over", 10_000, "hour", False),
    ("channel_members_over", 1_000, "", True),
    ("reconcile", 5, "", True),
)


def add_default_rules(apps, schema_editor):
    Tenant = apps.get_model("tenancy", "Tenant")
    AlertRule = apps.get_model("alerts", "AlertRule")
    for tenant in Tenant.objects.all():
        have = set(AlertRule.objects.filter(tenant=tenant).values_list("kind", "period"))
        AlertRule.objects.bulk_create(
            AlertRule(tenant=tenant, kind=kind, threshold=threshold, period=period, enabled=enabled)
            for kind, threshold, period, enabled in DEFAULT_RULES
            if (kind, period) not in have
        )


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial"), ("tenancy", "0001_initial")]
    operations = [migrations.RunPython(add_default_rules, migrations.RunPython.noop)]
