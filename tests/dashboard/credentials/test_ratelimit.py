"""dashboard/credentials/ratelimit.py: one limiter per storage and process, whoever asks first."""

from __future__ import annotations

import threading

from dashboard.credentials import ratelimit


def test_threads_asking_at_once_for_the_first_time_share_one_limiter(monkeypatch) -> None:
    monkeypatch.setattr(ratelimit, "_limiters", {})
    start = threading.Barrier(16)
    found = []

    def ask() -> None:
        start.wait()
        found.append(ratelimit._limiter("memory://"))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 16 and len({id(limiter) for limiter in found}) == 1
