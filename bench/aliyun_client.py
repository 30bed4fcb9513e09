"""Cost of one signed Aliyun request round trip against the in-process simulator.

    python bench/aliyun_client.py [--requests 3000] [--action DescribeApps]

Measures the whole path a console call takes (sign, encode, send through
httpx.MockTransport, simulator verifies the signature and answers, client parses) and,
separately, signing alone. Prints requests per second and CPU microseconds per request
last.
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from vendors.aliyun.client import AliyunRtcClient
from vendors.aliyun.sim import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, AliyunSimulator
from vendors.base.http import RetryPolicy
from vendors.sim.world import World, WorldOptions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    world = World(WorldOptions(apps_per_vendor=3))
    sim = AliyunSimulator(world)
    client = AliyunRtcClient(
        DEMO_ACCESS_KEY_ID,
        DEMO_ACCESS_KEY_SECRET,
        base_url="http://sim",
        transport=httpx.MockTransport(sim.handle),
        retry=RetryPolicy.never(),
    )
    app_id = world.apps("aliyun")[0].app_id
    for _ in range(200):  # warm up
        client.describe_apps(page_size=1)

    def run(call) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            call()
        return time.perf_counter() - wall, time.process_time() - cpu

    cases = {
        "DescribeApps (JSON)": lambda: client.describe_apps(page_size=1),
        "DescribeUserInfoInChannel": lambda: client.describe_user_info_in_channel(app_id, "lobby-001", "u0"),
        "sign only": lambda: client.signed_query("DescribeApps", {"PageSize": "1"}),
    }
    results = {}
    for name, call in cases.items():
        rounds = [run(call) for _ in range(args.rounds)]
        wall = statistics.median(r[0] for r in rounds)
        cpu = statistics.median(r[1] for r in rounds)
        results[name] = (args.requests / wall, cpu / args.requests * 1e6)
        print(f"{name:28s} {results[name][0]:9.0f} req/s  {results[name][1]:7.1f} CPU us/req", flush=True)

    rps, cpu_us = results["DescribeApps (JSON)"]
    sign_us = results["sign only"][1]
    print(
        f"aliyun signed round trip (in-process simulator): {rps:.0f} requests/s, {cpu_us:.1f} CPU us/request "
        f"(signing alone {sign_us:.1f} us, {sign_us / cpu_us:.0%} of the round trip)"
    )


if __name__ == "__main__":
    main()
