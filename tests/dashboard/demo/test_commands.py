"""`manage.py demo`: one command brings up simulators and console with data and stops everything."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_in(base: str, username: str, password: str) -> httpx.Client:
    # Generous: the demo's backfill runs in the same process meanwhile, and on a busy machine a
    # connection test (a vendor call to an in-process simulator) took over 10 s; the test asserts
    # what the pages say, not how fast (CI, 2026-12-04).
    client = httpx.Client(base_url=base, follow_redirects=True, timeout=60)
    page = client.get("/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post("/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": token})
    assert "Log out" in response.text, f"{username} could not log in"
    return client


def csrf_of(page: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def run_demo(var_dir: Path, port: int) -> tuple[subprocess.Popen, list[str]]:
    env = os.environ | {"DASHBOARD_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo", "--port", str(port), "--password", "demo-password-42"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("    harbor-admin "):  # the last demo user: the announcement is complete
            return process, lines
    process.kill()
    pytest.fail("demo did not start:\n" + "".join(lines))


def backfilled_within(database: Path, seconds: float) -> bool:
    """Every demo app with a usage API has (about) 90 days of daily minutes in the demo's database."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.closing(sqlite3.connect(database)) as db:
            counts = db.execute(
                "SELECT a.app_id, COUNT(s.app_id) FROM rtc_rtcapp a "
                "JOIN credentials_vendoraccount v ON a.vendor_account_id = v.id "
                "LEFT JOIN usage_usagesample s ON s.app_id = a.id AND s.metric = 'duration' AND s.interval = 86400 "
                "WHERE v.vendor = 'aliyun' GROUP BY a.app_id"
            ).fetchall()
        if counts and all(count >= 89 for _, count in counts):
            return True
        time.sleep(1)
    return False


def stop(process: subprocess.Popen, how: signal.Signals) -> str:
    process.send_signal(how)
    # A deadline for the state (stopped), not a speed: stopping the console and every simulator
    # took over 20 s at load average 20.
    rest, _ = process.communicate(timeout=180)
    return rest


def test_demo_command_serves_the_console_and_stops_everything(tmp_path: Path) -> None:
    port = free_port()
    # the second run reuses the database and must not fail or duplicate; Ctrl-C, then SIGTERM
    for how in (signal.SIGINT, signal.SIGTERM):
        process, lines = run_demo(tmp_path, port)
        output = "".join(lines)
        try:
            assert f"Log in at   http://127.0.0.1:{port}/login/" in output
            # Quiet: the announcement only, the passwords last; no vendor call or request lines.
            assert lines[-1].startswith("    harbor-admin ") and "demo-password-42" in lines[-1]
            assert "vendor_calls" not in output and "DescribeApps" not in output and "GET /" not in output
            assert "Vendor accounts tested: 8 of 8 connected." in output
            saved = tmp_path / "demo-credentials.txt"
            assert saved.stat().st_mode & 0o777 == 0o600
            assert "acme-admin demo-password-42" in saved.read_text()
            sim_urls = re.findall(r"^\s+(\w+)\s+(http://127\.0\.0\.1:\d+)$", output, re.M)
            assert sim_urls, output
            base = f"http://127.0.0.1:{port}"
            assert httpx.get(base + "/login/").status_code == 200

            viewer = log_in(base, "acme-viewer", "demo-password-42")
            accounts = viewer.get("/t/acme/accounts/").text
            assert "Alibaba Cloud RTC" in accounts and "Test connection" not in accounts
            assert viewer.get("/t/blue-harbor/accounts/").status_code == 404
            assert viewer.get("/audit/").status_code == 403

            admin = log_in(base, "acme-admin", "demo-password-42")
            account_urls = sorted(set(re.findall(r'href="(/t/acme/accounts/\d+/)"', accounts)))
            assert len(account_urls) == len(sim_urls) == 4  # one account per simulated vendor
            for account_url in account_urls:
                detail = admin.get(account_url).text
                assert detail.count('<tr id="app-row-') >= 1, account_url  # its apps are listed or registered
                headers = {"HX-Request": "true", "X-CSRFToken": csrf_of(detail)}
                test = admin.post(account_url + "test/", headers=headers)
                assert "Connected" in test.text, (account_url, test.text)
            if how is signal.SIGINT:  # the first run: the backfill lands (waited for, however busy the machine)
                assert backfilled_within(tmp_path / "dashboard.sqlite3", seconds=600)
                report = admin.get("/t/acme/usage/", params={"range": "90d"}).text
                assert 'data-total="duration">' in report and "No usage stored" not in report
            audit = admin.get("/t/acme/audit/").text
            assert "Connection tested" in audit
            alerts = admin.get("/t/acme/alerts/").text
            assert re.search(r'data-open-count="[1-9]', alerts), "the demo shows an open alert"
            assert "has" in alerts and "members (limit" in alerts

            staff = log_in(base, "staff", "demo-password-42")
            tenants = staff.get("/tenants/").text
            assert tenants.count("/accounts/") >= 2 and "Acme Rooms" in tenants and "Blue Harbor Media" in tenants
        finally:
            tail = stop(process, how)
        assert process.returncode == 0, tail
        assert "Simulators stopped." in tail
        # Still quiet after serving pages, a refused one (403) included: no request lines, no traceback.
        assert "GET /" not in tail and "Forbidden" not in tail and "Traceback" not in tail, tail
        for _vendor, url in sim_urls:
            with pytest.raises(httpx.TransportError):
                httpx.get(url, timeout=2)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2)
