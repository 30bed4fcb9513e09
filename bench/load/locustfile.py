"""What people do all day in the console: the tenant's accounts, a usage report and its htmx
refreshes, a live channel page and its periodic refresh. Run by bench/load/run.py."""

from __future__ import annotations

import os
import re

from locust import HttpUser, between, task

TENANT = os.environ.get("LOAD_TENANT", "load")
ACCOUNT = os.environ.get("LOAD_ACCOUNT", "1")
CHANNEL = os.environ.get("LOAD_CHANNEL", "1")
SESSION = os.environ.get("LOAD_SESSION", "")


class SupportStaff(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        # A signed-in session made by run.py: logging in (a deliberately slow password hash)
        # is not one of the pages measured.
        self.client.cookies.set("sessionid", SESSION)
        self.version = ""

    @task(3)
    def dashboard(self) -> None:
        self.client.get(f"/t/{TENANT}/accounts/", name="dashboard (accounts)")

    @task(2)
    def report(self) -> None:
        self.client.get(f"/t/{TENANT}/usage/", name="usage report, 30 days")

    @task(3)
    def report_refresh(self) -> None:
        self.client.get(
            f"/t/{TENANT}/usage/?range=90d&granularity=day", headers={"HX-Request": "true"}, name="report htmx refresh"
        )

    @task(3)
    def live_channel(self) -> None:
        self.client.get(f"/t/{TENANT}/channels/{CHANNEL}/", name="live channel page")

    @task(6)
    def live_refresh(self) -> None:
        """As the open page does every 10 s: it sends the version it shows, and gets 204
        (nothing to redraw) until a poll changes something."""
        response = self.client.get(
            f"/t/{TENANT}/channels/{CHANNEL}/",
            params={"since": self.version} if self.version else None,
            headers={"HX-Request": "true"},
            name="live htmx refresh",
        )
        if response.status_code == 200:
            found = re.search(r'"since": "([^"]*)"', response.text)
            self.version = found.group(1) if found else ""
