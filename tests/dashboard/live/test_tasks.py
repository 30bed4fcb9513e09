"""dashboard/live/tasks.py: the minute planner queues the polls that are due."""

from __future__ import annotations

from dashboard.live.models import Channel


def test_the_minute_planner_queues_a_poll_per_interval_for_accounts_with_due_channels(live, settings) -> None:
    from huey.contrib.djhuey import HUEY

    from dashboard.live.tasks import plan_live_polls

    tenants, _sim, _app, channel = live
    settings.LIVE_POLL_SECONDS = 20
    HUEY.storage.flush_all()
    assert plan_live_polls.call_local() == 3  # at 0, 20 and 40 seconds of the minute
    assert {task.args for task in HUEY.scheduled()} == {(tenants.acme_account.pk,)}
    HUEY.storage.flush_all()
    Channel.objects.filter(pk=channel.pk).update(watched=False, is_live=False)
    assert plan_live_polls.call_local() == 0
