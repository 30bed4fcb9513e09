"""Console fixtures: two tenants, one user per role, an Aliyun simulator on loopback, canary secrets.

Every response the test client receives and every log record are searched for the canary
secrets planted in the vendor accounts: a leak fails whichever test caused it.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from dashboard.credentials.endpoints import normalize
from dashboard.credentials.models import VendorAccount, VendorEndpoint
from dashboard.rtc.models import AppSource, RtcApp
from dashboard.tenancy.models import Membership, Role, Tenant
from vendors.aliyun.sim import AliyunSimulator
from vendors.sim.server import SimServer
from vendors.sim.world import World, WorldOptions

CANARY_KEY_ID = "LTAI5tCanaryKeyId"


CANARY_SECRET = "canary-SECRET-7f3a9c1e5b2d4"


OTHER_CANARY_KEY_ID = "LTAI5tOtherCanary"


OTHER_CANARY_SECRET = "canary-SECRET-other-88e1a0c4"


CANARIES = (CANARY_SECRET, OTHER_CANARY_SECRET)


PASSWORD = "a-long-test-password-1"


@dataclass
class Simulated:
    simulator: AliyunSimulator
    base_url: str


@pytest.fixture(scope="session")
def aliyun_sim() -> Iterator[Simulated]:
    world = World(WorldOptions(seed=5, apps_per_vendor=4, channels_per_app=4, users_per_app=300))
    simulator = AliyunSimulator(world)
    apps = [app.app_id for app in world.apps("aliyun")]
    simulator.add_account(CANARY_KEY_ID, CANARY_SECRET, set(apps[:2]))
    simulator.add_account(OTHER_CANARY_KEY_ID, OTHER_CANARY_SECRET, set(apps[2:]))
    with SimServer(simulator.handle) as server:
        yield Simulated(simulator, server.base_url)


@pytest.fixture
def sim_transport(settings) -> Callable[[Callable[[httpx.Request], httpx.Response]], None]:
    """Send this test's vendor calls to an in-process handler (a simulator's `handle`), not the network.

    Call it again to swap the handler; after the test VENDOR_TRANSPORT is None (real HTTP) again.
    """

    def install(handler: Callable[[httpx.Request], httpx.Response]) -> None:
        settings.VENDOR_TRANSPORT = httpx.MockTransport(handler)

    return install


@pytest.fixture(autouse=True)
def waiting_queue() -> Iterator[object]:
    """The job queue's storage, empty: tests put jobs there without running them (Huey runs
    inline), and a job that failed with retries left has its retry there (the usage planner
    reads both)."""
    from huey.contrib.djhuey import HUEY

    storage = HUEY.storage
    for empty in (storage.flush_queue, storage.flush_schedule):
        empty()
    yield storage
    for empty in (storage.flush_queue, storage.flush_schedule):
        empty()


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with nothing stored (rendered pages, rate-limit counts): ids repeat
    between tests, and a render from another test's data is not this one's."""
    cache.clear()


@pytest.fixture(autouse=True)
def no_secret_leaks(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    request = Client.request

    def checked_request(self: Client, **kwargs: object):
        response = request(self, **kwargs)
        seen = b"" if response.streaming else response.content
        seen += str(response.headers).encode() + str(response.cookies).encode()
        for canary in CANARIES:
            assert canary.encode() not in seen, f"secret rendered in {kwargs.get('PATH_INFO')}"
        return response

    monkeypatch.setattr(Client, "request", checked_request)
    yield
    for record in caplog.records:
        text = record.getMessage() + str(record.args or "") + str(record.exc_text or "")
        for canary in CANARIES:
            assert canary not in text, f"secret logged by {record.name}"


@dataclass
class World2:
    acme: Tenant
    harbor: Tenant
    staff: AbstractUser
    acme_admin: AbstractUser
    acme_viewer: AbstractUser
    harbor_admin: AbstractUser
    acme_account: VendorAccount
    harbor_account: VendorAccount
    acme_manual_app: RtcApp


def make_user(username: str, *, staff: bool = False, roles: dict[Tenant, Role] | None = None) -> AbstractUser:
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=staff)
    for tenant, role in (roles or {}).items():
        Membership.objects.create(user=user, tenant=tenant, role=role)
    return user


def allow_endpoint(vendor: str, base_url: str) -> str:
    """Staff allow a loopback simulator, as the demo does; returns the URL as the console stores it."""
    url = normalize(base_url)
    VendorEndpoint.objects.get_or_create(vendor=vendor, base_url=url)
    return url


def make_account(tenant: Tenant, label: str, key_id: str, secret: str, base_url: str) -> VendorAccount:
    account = VendorAccount(tenant=tenant, vendor="aliyun", label=label, endpoint=allow_endpoint("aliyun", base_url))
    account.set_credentials({"access_key_id": key_id, "access_key_secret": secret})
    account.save()
    return account


@pytest.fixture
def two_tenants(db: None, aliyun_sim: Simulated) -> World2:
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    harbor = Tenant.objects.create(name="Blue Harbor", slug="harbor")
    acme_account = make_account(acme, "Acme Aliyun", CANARY_KEY_ID, CANARY_SECRET, aliyun_sim.base_url)
    harbor_account = make_account(
        harbor, "Harbor Aliyun", OTHER_CANARY_KEY_ID, OTHER_CANARY_SECRET, aliyun_sim.base_url
    )
    manual = RtcApp.objects.create(vendor_account=acme_account, app_id="manual-app-1", source=AppSource.MANUAL)
    return World2(
        acme=acme,
        harbor=harbor,
        staff=make_user("staffer", staff=True),
        acme_admin=make_user("acme-admin", roles={acme: Role.ADMIN, harbor: Role.VIEWER}),
        acme_viewer=make_user("acme-viewer", roles={acme: Role.VIEWER}),
        harbor_admin=make_user("harbor-admin", roles={harbor: Role.ADMIN}),
        acme_account=acme_account,
        harbor_account=harbor_account,
        acme_manual_app=manual,
    )


def logged_in(user: AbstractUser) -> Client:
    client = Client()
    client.force_login(user)
    return client


HTMX = {"HX-Request": "true"}


# --- browser tests (Playwright driving Debian's chromium) -------------------------------------


CHROMIUM = "/usr/bin/chromium"


BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not shutil.which(CHROMIUM) and os.environ.get("CI") != "true",
        reason=f"{CHROMIUM} is missing: `apt-get install -y chromium` (make test does it when it can)",
    ),
]


@pytest.fixture
def browser_page(live_server, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
            ],
        )
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        # Assertions wait for a state, not a time: on a busy machine (CI beside other work) a
        # self-refreshing page can take longer than Playwright's 5 s default to show it.
        expect.set_options(timeout=30_000)
        bodies: list[str] = []
        unread: list[str] = []
        console_errors: list[str] = []

        def keep_html(response) -> None:
            if "html" in response.headers.get("content-type", "") and not 300 <= response.status < 400:
                # A page the test navigates away from at once (the home page a login lands on, then
                # a goto) has no body left to read; raising here only printed a traceback from
                # Playwright's event loop. Such a page goes unchecked, named in the test's output.
                try:
                    bodies.append(response.text())
                except PlaywrightError:
                    unread.append(response.url)

        page.on("response", keep_html)
        page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
        yield page
        if unread:
            print("pages navigated away from before their body was read, not checked for secrets:", unread)
        for body in bodies:
            for canary in CANARIES:
                assert canary not in body
        assert console_errors == [], console_errors  # CSP violations and script errors show up here
        context.close()
        browser.close()


# --- vendors without a membership read, and rooms opened from the console ----------------------


@pytest.fixture
def other_vendors(two_tenants: World2, sim_transport):
    """ISDP+ and uprtc simulators in process, on one small world, for Acme."""
    from vendors.isdp.sim import IsdpSimulator
    from vendors.sim.world import World, WorldOptions
    from vendors.uprtc.sim import UprtcSimulator

    world = World(WorldOptions(seed=11, apps_per_vendor=1, channels_per_app=3, users_per_app=200))
    sims = {"isdp": IsdpSimulator(world), "uprtc": UprtcSimulator(world)}
    routes = {"isdp": sims["isdp"].handle, "uprtc": sims["uprtc"].handle}
    accounts = {}
    for vendor, sim in sims.items():
        account = VendorAccount(
            tenant=two_tenants.acme, vendor=vendor, label=f"Acme {vendor}", endpoint=f"http://{vendor}.sim"
        )
        account.set_credentials(sim.demo_account(0, 1))
        account.save()
        app_id = sim.demo_app_ids(0, 1)[0]
        RtcApp.objects.create(vendor_account=account, app_id=app_id, source="manual")
        accounts[vendor] = account
    sim_transport(lambda request: routes[request.url.host.split(".")[0]](request))
    return world, accounts


@pytest.fixture
def english() -> Iterator[None]:
    """English messages, whatever the test's language; a module asks for it with `pytest.mark.usefixtures`."""
    with translation.override("en"):
        yield
