"""Every tenant has the default rules: new ones from creation, older ones from migration 0002."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from dashboard.alerts.defaults import DEFAULT_RULES
from dashboard.alerts.models import AlertRule
from dashboard.tenancy.models import Tenant

migration = import_module("dashboard.alerts.migrations.0002_default_rules")


@pytest.mark.django_db
def test_a_new_tenant_starts_with_the_default_rules() -> None:
    tenant = Tenant.objects.create(name="New Co", slug="new-co")
    made = set(AlertRule.objects.filter(tenant=tenant).values_list("kind", "period", "threshold", "enabled"))
    assert made == {(str(kind), str(period), threshold, enabled) for kind, threshold, period, enabled in DEFAULT_RULES}
    tenant.name = "New Company"
    tenant.save()  # saving again adds nothing
    assert AlertRule.objects.filter(tenant=tenant).count() == len(DEFAULT_RULES)


@pytest.mark.django_db
def test_the_migration_gives_existing_tenants_the_same_rules_once() -> None:
    tenant = Tenant.objects.create(name="Old Co", slug="old-co")
    AlertRule.objects.all().delete()  # as before alerts existed
    migration.add_default_rules(apps, None)
    migration.add_default_rules(apps, None)
    assert AlertRule.objects.filter(tenant=tenant).count() == len(DEFAULT_RULES)
    assert (
        tuple((str(kind), threshold, str(period), enabled) for kind, threshold, period, enabled in DEFAULT_RULES)
        == migration.DEFAULT_RULES
    ), "the migration's copy and defaults.py were meant to start equal"
