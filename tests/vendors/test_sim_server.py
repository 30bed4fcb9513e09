"""The simulators' loopback server counts what arrives, and how much of it at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from vendors.sim.server import SimServer


def stats(server: SimServer) -> dict:
    return httpx.get(server.base_url + "/__sim__/stats").json()


def test_requests_one_after_another_are_never_two_in_flight() -> None:
    with SimServer(lambda request: httpx.Response(200, text="ok")) as server, httpx.Client() as client:
        for _ in range(5):
            assert client.get(server.base_url + "/anything").text == "ok"
        counted = stats(server)
    assert counted["requests"] == 5 and len(counted["arrivals"]) == 5
    assert counted["most_in_flight"] == 1
    assert server.traffic.in_flight == 0


def test_requests_held_together_are_counted_in_flight_together() -> None:
    # Each answer waits until three requests are inside the handler: they overlap for certain.
    together = threading.Barrier(3, timeout=30)

    def handle(request: httpx.Request) -> httpx.Response:
        together.wait()
        return httpx.Response(200, text="ok")

    with SimServer(handle) as server, ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: httpx.get(server.base_url + "/x", timeout=30).text, range(3)))
        counted = stats(server)
        reset = httpx.post(server.base_url + "/__sim__/stats").json()
        after_reset = stats(server)
    assert answers == ["ok"] * 3
    assert counted["requests"] == 3 and counted["most_in_flight"] == 3
    assert reset["most_in_flight"] == 0 and after_reset == {"requests": 0, "arrivals": [], "most_in_flight": 0}
