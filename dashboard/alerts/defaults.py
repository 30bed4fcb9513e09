"""The rules every tenant starts with (created with the tenant; migration 0002 gave them to the
tenants that existed before). Admins change thresholds, turn rules off and add destinations."""

from __future__ import annotations

from typing import Any

from .models import AlertRule, Kind, Period

# (condition, threshold, period, enabled). Usage thresholds depend on the tenant's size: those
# rules start off, with a placeholder an admin replaces before turning them on.
DEFAULT_RULES: tuple[tuple[str, int | None, str, bool], ...] = (
    (Kind.ACCOUNT_FAILING, None, "", True),
    (Kind.SYNC_BEHIND, 180, "", True),
    (Kind.RECORDING_PROBLEM, None, "", True),
    (Kind.PUSH_PROBLEM, 5, "", True),
    (Kind.MINUTES_OVER, 100_000, Period.HOUR, False),
    (Kind.MINUTES_OVER, 1_000_000, Period.DAY, False),
    (Kind.PEAK_USERS_OVER, 10_000, Period.HOUR, False),
    (Kind.CHANNEL_MEMBERS_OVER, 1_000, "", True),
    (Kind.RECONCILE, 5, "", True),
)


def create_defaults(tenant: Any) -> int:
    """The default rules the tenant lacks (by condition and period); returns how many were made."""
    have = set(AlertRule.objects.filter(tenant=tenant).values_list("kind", "period"))
    missing = [
        AlertRule(tenant=tenant, kind=kind, threshold=threshold, period=period, enabled=enabled)
        for kind, threshold, period, enabled in DEFAULT_RULES
        if (str(kind), str(period)) not in have
    ]
    AlertRule.objects.bulk_create(missing)
    return len(missing)


def on_tenant_saved(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        create_defaults(instance)
