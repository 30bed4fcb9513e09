"""contrib/grafana/rtc-dashboard.json reads only metrics /metrics serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from dashboard.live.models import Channel
from dashboard.metrics.models import VendorCallTotal
from dashboard.ops.jobs import heartbeat
from dashboard.usage.models import Granularity, Metric, SyncCursor
from tests.dashboard.conftest import World2

DASHBOARD = Path(__file__).resolve().parents[3] / "contrib" / "grafana" / "rtc-dashboard.json"


def test_every_panel_queries_a_metric_the_console_serves(two_tenants: World2, settings) -> None:
    settings.METRICS_TOKEN = "grafana-check-token"
    Channel.objects.create(app=two_tenants.acme_manual_app, channel_id="room", is_live=True, member_count=2)
    VendorCallTotal.objects.create(vendor="aliyun", action="DescribeApps", error="Boom", calls=1, seconds=0.1)
    SyncCursor.objects.create(
        app=two_tenants.acme_manual_app, metric=Metric.values[0], interval=Granularity.HOUR, synced_until=timezone.now()
    )
    heartbeat()  # a job: counted, and the heartbeat's age is served
    response = Client().get(reverse("metrics:metrics"), headers={"Authorization": "Bearer grafana-check-token"})
    served = {
        sample.name for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples
    }
    panels = json.loads(DASHBOARD.read_text())["panels"]
    assert panels
    for panel in panels:
        for target in panel["targets"]:
            names = set(re.findall(r"\brtc_[a-z_]+", target["expr"]))
            assert names and names <= served, (panel["title"], names - served)
