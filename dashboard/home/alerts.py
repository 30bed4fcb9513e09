"""The home page's "open alerts" panel reads its incidents here, and only here.

Alert rules and incidents (issue 16, part 3) are built in their own app. Until that app is
merged there is no incident to read, so `open_alerts` finds none and the panel says so; the
alerts app replaces the body of `open_alerts` with a query of its open incidents (one query
for every tenant shown) and nothing else on the home page changes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OpenAlert:
    tenant_id: int
    tenant_name: str
    title: str  # what is wrong, in the reader's language ("Recording stalled: room-7")
    opened_at: datetime
    url: str  # the page the incident is about (or its own page)
    severity: str = "warning"  # a Bootstrap colour: "danger" or "warning"


def open_alerts(tenant_ids: Collection[int]) -> dict[int, list[OpenAlert]]:
    """Open incidents per tenant pk, newest first. No alerts app yet: none are open."""
    return {}
