"""dashboard/recordings/models.py: a recording's duration is what was recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.recordings.models import Recording, State

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def recording(**fields: object) -> Recording:
    return Recording(started_at=START, **fields)


def test_the_upload_after_stop_is_not_recorded_time() -> None:
    stopped = START + timedelta(minutes=42, seconds=5)
    uploaded = stopped + timedelta(minutes=9)  # the vendor writes the file, then says it ended
    done = recording(state=State.FINISHED, stop_requested_at=stopped, ended_at=uploaded)
    assert done.duration_seconds(uploaded + timedelta(hours=1)) == 42 * 60 + 5


def test_a_recording_that_ended_by_itself_runs_to_its_end_and_a_running_one_to_now() -> None:
    ended = recording(state=State.FINISHED, ended_at=START + timedelta(hours=1, seconds=3))
    assert ended.duration_seconds(START + timedelta(days=1)) == 3603
    running = recording(state=State.RECORDING)
    assert running.duration_seconds(START + timedelta(seconds=75)) == 75
