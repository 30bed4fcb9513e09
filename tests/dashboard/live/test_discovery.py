"""dashboard/live/discovery.py: today's channel records at the vendor, running channels polled."""

from __future__ import annotations

from dashboard.live.discovery import discover
from dashboard.live.models import Channel
from tests.dashboard.live.conftest import present


def test_discovery_reads_todays_records_and_polls_the_running_channels(live) -> None:
    tenants, _sim, app, channel = live
    Channel.objects.filter(pk=channel.pk).delete()
    summary = discover(tenants.acme_account)
    assert summary.records > 0 and summary.new_channels > 0
    found = Channel.objects.get(app=app, channel_id=channel.channel_id)
    assert found.discovered_by == "records" and found.is_live and found.member_count == 3
    assert set(present(found)) == {"alice", "bob", "carol"}
