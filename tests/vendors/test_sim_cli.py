"""`python -m vendors.sim` as the demo, tests and benchmarks use it: a separate process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from vendors.aliyun.client import AliyunRtcClient

ROOT = Path(__file__).resolve().parents[2]


def start(*arguments: str) -> subprocess.Popen:
    """`python -m vendors.sim` with these arguments, its output unbuffered."""
    return subprocess.Popen(
        [sys.executable, "-m", "vendors.sim", *arguments],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serves_prints_answers_and_stops_cleanly(stop_signal):
    process = start("--apps", "2", "--seed", "3")
    try:
        line = process.stdout.readline().rstrip("\n")
        vendor, base_url, *pairs = line.split("\t")
        credentials = dict(pair.split("=", 1) for pair in pairs)
        assert vendor == "aliyun" and base_url.startswith("http://127.0.0.1:")
        with AliyunRtcClient(credentials["access_key_id"], credentials["access_key_secret"], base_url=base_url) as c:
            assert len(list(c.iter_apps())) == 2
    finally:
        process.send_signal(stop_signal)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert "simulators stopped" in stderr


def test_vendors_import_without_django():
    code = (
        "import sys; sys.modules['django'] = None\n"
        "import vendors, vendors.aliyun.client, vendors.aliyun.sim, vendors.aliyun.provider, vendors.sim.__main__\n"
        "print(vendors.registry.names())"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "aliyun" in result.stdout


def test_works_out_the_usage_of_recent_days_before_serving():
    # aliyun twice counts once
    process = start("--apps", "2", *("--warm-days", "3", "--warm-vendor", "aliyun", "--warm-vendor", "aliyun"))
    try:
        assert process.stdout.readline().startswith("aliyun\t")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert "usage worked out ahead: 9 days of apps in" in stderr  # (2 apps + both together) x 3 days


def test_refuses_to_work_out_more_days_than_it_keeps():
    result = subprocess.run(
        [sys.executable, "-m", "vendors.sim", "--apps", "200", "--warm-days", "300"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--warm-days: 241,200 days of apps to keep, over the 50,000 kept" in result.stderr


def test_refuses_a_negative_number_of_days():
    result = subprocess.run(
        [sys.executable, "-m", "vendors.sim", "--warm-days", "-1"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "a number of days cannot be negative: -1" in result.stderr


def test_refuses_days_that_are_not_a_number():
    command = [sys.executable, "-m", "vendors.sim", "--warm-days", "abc"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--warm-days: not a whole number of days: 'abc'" in result.stderr
