"""The home page's "open alerts" panel reads its incidents here, and only here: the alerts
app's own `open_alerts` (dashboard/alerts/queries.py), one query for every tenant shown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from dashboard.alerts import queries
from dashboard.alerts.models import Kind
from dashboard.tenancy.models import Tenant

# Incidents about something already broken read as danger; thresholds crossed as warnings.
DANGER = {Kind.ACCOUNT_FAILING, Kind.RECORDING_PROBLEM, Kind.PUSH_PROBLEM}


@dataclass(frozen=True)
class OpenAlert:
    tenant_id: int
    tenant_name: str
    title: str  # what is wrong ("Recording stalled: room-7"), as the incident was opened
    opened_at: datetime
    url: str  # the page the incident is about, or the tenant's alerts page
    severity: str = "warning"  # a Bootstrap colour: "danger" or "warning"


def open_alerts(tenant_ids: Collection[int]) -> dict[int, list[OpenAlert]]:
    """Open incidents per tenant pk, newest first."""
    found: dict[int, list[OpenAlert]] = defaultdict(list)
    for incident in queries.open_alerts(Tenant.objects.filter(pk__in=tenant_ids)):
        found[incident.tenant_id].append(
            OpenAlert(
                tenant_id=incident.tenant_id,
                tenant_name=incident.tenant.name,
                title=incident.title,
                opened_at=incident.opened_at,
                url=incident.link or reverse("alerts:alert_list", args=[incident.tenant.slug]),
                severity="danger" if incident.rule.kind in DANGER else "warning",
            )
        )
    return dict(found)
