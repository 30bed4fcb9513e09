"""The web process's start-up: the loaded app is frozen out of the garbage collector's scans."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dashboard.core import startup


def test_settle_imports_every_view_and_freezes_what_the_app_holds() -> None:
    try:
        frozen = startup.settle()
        # Counted as it froze: a frozen object freed since has left the count.
        assert frozen > 10_000 and gc.get_freeze_count() > 10_000
        assert {"dashboard.usage.views", "dashboard.live.views", "dashboard.api.urls"} <= set(sys.modules)
        # What is made afterwards is collected as before: a cycle made now is found by a collection.
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()


def test_the_wsgi_entry_point_settles_the_app() -> None:
    script = "import gc, dashboard.wsgi; print(gc.get_freeze_count())"
    found = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings.base"},
        timeout=120,
    )
    assert int(found.stdout.strip().splitlines()[-1]) > 10_000


def test_a_job_consumers_workers_settle_their_process_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from huey.contrib.djhuey import HUEY

    calls: list[int] = []
    monkeypatch.setattr(startup, "settle", lambda: calls.append(1) or 0)
    monkeypatch.setattr(startup, "_settled", False)
    hook = HUEY._startup["core.settle"]  # registered by ops.jobs.connect_signals, run by each worker thread
    workers = [threading.Thread(target=hook) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert calls == [1]
