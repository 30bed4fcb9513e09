"""Client CPU per signed Aliyun call: the project's client against Alibaba's own SDKs.

    python bench/aliyun_client.py [--requests 2000] [--rounds 3]

One simulator process (`python -m vendors.sim`) serves every client over loopback HTTP, so
each client pays for what it would against Alibaba: signing, encoding, the HTTP exchange,
reading and parsing the answer. CPU is this process's own (time.process_time), so the
simulator's work is not counted and a busy machine stretches wall time more than the figures.

Clients, each as its users run it, one client object per kind for all its calls:
- the project's (RPC signature 1.0 over GET, the libcurl path, the default retry policy the
  console runs with: four attempts for reads), answers parsed into the console's types;
- the current SDK `alibabacloud-rtc20180111` (ACS3 header signature, its default; darabonba
  over a pooled requests adapter; its default runtime options), answers parsed into its models;
- the legacy `aliyun-python-sdk-core` with `aliyun-python-sdk-rtc` (RPC 1.0 over the client's
  requests session, auto retry on as by default), a new request object per call, json.loads.
Every client keeps its connection alive: the bench counts the connections each one opens
while measured and prints them (0 for all on Linux, where /proc/net/tcp shows them).

Prints CPU microseconds per call per action and client, then the project's ratio to the
faster SDK last (target: at most 0.33), with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from alibabacloud_rtc20180111 import models as rtc_models
from alibabacloud_rtc20180111.client import Client as TeaClient
from alibabacloud_tea_openapi.utils_models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkrtc.request.v20180111.DescribeAppsRequest import DescribeAppsRequest
from aliyunsdkrtc.request.v20180111.DescribeChannelUsersRequest import DescribeChannelUsersRequest
from simulator import start_aliyun

from vendors.aliyun.client import AliyunRtcClient
from vendors.base.types import Interval, UsageMetric

TARGET = 0.33


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    simulator, url, credentials = start_aliyun("--apps", "3", "--channels", "5", "--users", "200")
    try:
        cases = build_cases(url, credentials)
        port = int(url.rsplit(":", 1)[1])
        results: dict[str, dict[str, float]] = {}
        for action, clients in cases.items():
            for client, call in clients.items():
                try:
                    cpu_us, opened = cpu_per_call(call, args.requests, args.rounds, port)
                except Exception as error:  # a client the simulator cannot serve is reported, not hidden
                    print(f"{action:26s} {client:34s} FAILED: {type(error).__name__}: {str(error)[:120]}", flush=True)
                    continue
                results.setdefault(action, {})[client] = cpu_us
                print(
                    f"{action:26s} {client:34s} {cpu_us:8.1f} CPU us/call, {opened} new connections "
                    f"(load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)

    ratios = []
    for action, by_client in results.items():
        ours = by_client["project (RPC 1.0, libcurl)"]
        sdks = [cpu for client, cpu in by_client.items() if not client.startswith("project")]
        if not sdks:
            continue
        best_sdk = min(sdks)
        ratios.append(ours / best_sdk)
        print(f"{action}: project {ours:.0f} us, fastest SDK {best_sdk:.0f} us, ratio {ours / best_sdk:.2f}")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"aliyun client CPU per call against the fastest official SDK: ratio {max(ratios):.2f} at worst, "
        f"{statistics.median(ratios):.2f} median (target {TARGET}; load average {load})"
    )


def build_cases(url: str, credentials: dict[str, str]) -> dict[str, dict[str, Callable[[], object]]]:
    key_id, secret = credentials["access_key_id"], credentials["access_key_secret"]
    host = url.removeprefix("http://")
    ours = AliyunRtcClient(key_id, secret, base_url=url)  # the console's default retry policy
    tea = TeaClient(Config(access_key_id=key_id, access_key_secret=secret, endpoint=host, protocol="http"))
    legacy = AcsClient(key_id, secret, "cn-hangzhou")
    app_id = ours.describe_apps(page_size=1).items[0].app_id
    channel_id = "lobby-001"
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=1)
    iso = "%Y-%m-%dT%H:%M:%SZ"

    def legacy_call(request_class: Callable[[], Any], **query: object) -> Callable[[], object]:
        """A new request object per call, as SDK users write it (a reused one grows its URL)."""

        def call() -> object:
            request = request_class()
            request.set_endpoint(host)
            request.set_protocol_type("http")
            request.set_method("GET")
            for name, value in query.items():
                request.add_query_param(name, value)
            return json.loads(legacy.do_action_with_exception(request))

        return call

    return {
        "DescribeApps": {
            "project (RPC 1.0, libcurl)": lambda: ours.describe_apps(page_size=1),
            "alibabacloud-rtc20180111 (ACS3)": lambda: tea.describe_apps(rtc_models.DescribeAppsRequest(page_size=1)),
            "aliyun-python-sdk-core (RPC 1.0)": legacy_call(DescribeAppsRequest, PageSize=1),
        },
        "DescribeChannelUsers": {
            "project (RPC 1.0, libcurl)": lambda: ours.describe_channel_users(app_id, channel_id),
            "alibabacloud-rtc20180111 (ACS3)": lambda: tea.describe_channel_users(
                rtc_models.DescribeChannelUsersRequest(app_id=app_id, channel_id=channel_id)
            ),
            "aliyun-python-sdk-core (RPC 1.0)": legacy_call(
                DescribeChannelUsersRequest, AppId=app_id, ChannelId=channel_id
            ),
        },
        "DescribeRtcUserCntData": {
            "project (RPC 1.0, libcurl)": lambda: ours.usage(
                UsageMetric.ACTIVE_USERS, start, end, interval=Interval.HOUR, app_id=app_id
            ),
            "alibabacloud-rtc20180111 (ACS3)": lambda: tea.describe_rtc_user_cnt_data(
                rtc_models.DescribeRtcUserCntDataRequest(
                    app_id=app_id, start_time=start.strftime(iso), end_time=end.strftime(iso), interval="3600"
                )
            ),
            # aliyun-python-sdk-rtc has no request class for the data actions: the core's CommonRequest.
            "aliyun-python-sdk-core (RPC 1.0)": legacy_call(
                lambda: CommonRequest(version="2018-01-11", action_name="DescribeRtcUserCntData"),
                AppId=app_id,
                StartTime=start.strftime(iso),
                EndTime=end.strftime(iso),
                Interval="3600",
            ),
        },
    }


def connections_to(port: int) -> set[tuple[str, str]] | None:
    """Every TCP connection to or from `port` the kernel lists (TIME_WAIT included, so closed
    ones still count for a minute), or None where /proc/net/tcp does not exist."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as lines:
                next(lines)
                for line in lines:
                    local, remote = line.split()[1:3]
                    if int(local.rsplit(":", 1)[1], 16) == port or int(remote.rsplit(":", 1)[1], 16) == port:
                        found.add((local, remote))
        except FileNotFoundError:
            return None
    return found


def cpu_per_call(call: Callable[[], object], requests: int, rounds: int, port: int) -> tuple[float, int | str]:
    """Median CPU µs per call over `rounds`, and the connections opened while measured."""
    for _ in range(min(200, requests)):  # warm up connections and caches
        call()
    before = connections_to(port)
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            call()
        samples.append((time.process_time() - started) / requests * 1e6)
    after = connections_to(port)
    opened: int | str = len(after - before) if before is not None and after is not None else "?"
    return statistics.median(samples), opened


if __name__ == "__main__":
    main()
