"""What people do all day in the console: the tenant's accounts, a usage report and its htmx
refreshes, a live channel page and its periodic refresh. Run by bench/load/run.py.

Each simulated user is one browser: its own cookie jar (a session run.py signed in, and a
CSRF cookie of its own, as the login page sets it). With run.py's `--people N` the browsers
belong to N staff users in turn (1: every browser is the same person's). The client is FastHttpUser
(geventhttpclient), locust's lighter client: the load generator shares the two cores with the
server (run.py prints the CPU it used). The pages, their weights and the headers are what a
browser sends; no If-None-Match (every signed-in answer is `no-store`, so a browser keeps
nothing to revalidate)."""

from __future__ import annotations

import os
import re
import secrets
import string
from http.cookiejar import Cookie

from locust import FastHttpUser, between, task

TENANT = os.environ.get("LOAD_TENANT", "load")
ACCOUNT = os.environ.get("LOAD_ACCOUNT", "1")
CHANNEL = os.environ.get("LOAD_CHANNEL", "1")
# One session per person (run.py's --people); locust's users take them in turn.
SESSIONS = os.environ.get("LOAD_SESSION", "").split(",")


class SupportStaff(FastHttpUser):
    wait_time = between(0.5, 1.5)
    started = 0

    def on_start(self) -> None:
        # A signed-in session made by run.py: logging in (a deliberately slow password hash)
        # is not one of the pages measured.
        # ... and the CSRF cookie a browser has from the login page it signed in through.
        session = SESSIONS[SupportStaff.started % len(SESSIONS)]
        SupportStaff.started += 1
        self.client.cookiejar.set_cookie(cookie(self.host, "sessionid", session))
        self.client.cookiejar.set_cookie(cookie(self.host, "csrftoken", csrf_secret()))
        self.version = ""

    def page(self, url: str, name: str, *, expect: tuple[int, ...] = (200,), **kwargs: object) -> str:
        """A page that answers anything else (a redirect to the login page, an error) is a failure."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True, **kwargs) as response:
            if response.status_code not in expect:
                response.failure(f"status {response.status_code}")
            return response.text if response.status_code == 200 else ""

    @task(3)
    def dashboard(self) -> None:
        self.page(f"/t/{TENANT}/accounts/", "dashboard (accounts)")

    @task(2)
    def report(self) -> None:
        self.page(f"/t/{TENANT}/usage/", "usage report, 30 days")

    @task(3)
    def report_refresh(self) -> None:
        self.page(
            f"/t/{TENANT}/usage/?range=90d&granularity=day", "report htmx refresh", headers={"HX-Request": "true"}
        )

    @task(3)
    def live_channel(self) -> None:
        self.page(f"/t/{TENANT}/channels/{CHANNEL}/", "live channel page")

    @task(6)
    def live_refresh(self) -> None:
        """As the open page does every 10 s: it sends the version it shows, and gets 204
        (nothing to redraw) until a poll changes something."""
        text = self.page(
            f"/t/{TENANT}/channels/{CHANNEL}/",
            "live htmx refresh",
            expect=(200, 204),
            params={"since": self.version} if self.version else None,
            headers={"HX-Request": "true"},
        )
        if text:
            found = re.search(r'"since": "([^"]*)"', text)
            self.version = found.group(1) if found else ""


def csrf_secret() -> str:
    """A CSRF cookie as Django makes one: 32 letters and digits."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def cookie(host: str, name: str, value: str) -> Cookie:
    domain = host.split("://", 1)[-1].split(":", 1)[0].split("/", 1)[0]
    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=domain,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )
