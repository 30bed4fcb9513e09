"""dashboard/rtc/tasks.py: the app-list jobs keep their Huey identity after their move from usage."""

from __future__ import annotations

import pytest
from huey.contrib.djhuey import HUEY

from dashboard.rtc.tasks import refresh_account_apps, refresh_all_apps


@pytest.mark.parametrize(
    ("job", "queued_as"),
    [
        (refresh_account_apps.s(1), "dashboard.usage.tasks.apps.refresh_account"),
        (refresh_all_apps.s(), "dashboard.usage.tasks.apps.refresh"),
    ],
)
def test_app_list_jobs_queued_before_their_move_to_rtc_still_find_their_task(job, queued_as: str) -> None:
    """Huey queues a job as "<module>.<name>": a job queued (or waiting to retry) while these
    tasks lived in dashboard.usage.tasks must still run after a deploy."""
    data = HUEY.serialize_task(job)
    assert HUEY.serializer.deserialize(data).name == queued_as
    assert type(HUEY.deserialize_task(data)) is type(job)
