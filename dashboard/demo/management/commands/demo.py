"""`manage.py demo --port N`: migrate, start the simulators, seed demo data, serve the console.

The terminal stays quiet (vendor calls and page requests are logged only with --verbose);
what a visitor needs is printed once the console listens, the passwords last, and written to
VAR_DIR/demo-credentials.txt (readable by the owner only).
"""

from __future__ import annotations

import logging
import os
import signal
from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.commands.runserver import Command as RunServer
from django.utils.module_loading import autodiscover_modules
from huey.consumer import Consumer
from huey.contrib.djhuey import HUEY

from dashboard.alerts.queries import open_alerts
from dashboard.credentials.checks import check_account
from dashboard.credentials.models import VendorAccount
from dashboard.demo.seed import TENANTS, USERS, SimEndpoint, seed
from dashboard.tenancy.models import Tenant
from dashboard.usage.models import SyncCursor
from dashboard.usage.tasks import plan_usage
from vendors.sim import Faults, World, WorldOptions, build_simulators
from vendors.sim.server import SimServer

CREDENTIALS_FILE = "demo-credentials.txt"


class DemoServer(RunServer):
    """Django's development server, announcing the demo instead of its own banner once it listens."""

    announce: Callable[[], None] = staticmethod(lambda: None)

    def on_bind(self, server_port: int) -> None:
        self.announce()


class Command(BaseCommand):
    help = "Bring up the console with demo tenants whose vendor accounts point at local simulators."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="console port (default 8000)")
        parser.add_argument("--host", default="127.0.0.1", help="console address (default 127.0.0.1)")
        parser.add_argument("--password", help="use this password for every demo user instead of random ones")
        parser.add_argument("--sim-latency-ms", type=float, default=0.0, help="latency the simulators add")
        parser.add_argument("--sim-error-rate", type=float, default=0.0, help="share of simulator answers that are 5xx")
        parser.add_argument("--verbose", action="store_true", help="log every vendor call and page request")

    def handle(self, *args: Any, **options: Any) -> None:
        # Ctrl-C and a process manager's SIGTERM both stop everything this command started,
        # even when it was launched with SIGINT ignored (a background job of a script).
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, _interrupt)
        quiet_logs(verbose=options["verbose"])
        host, port = options["host"], options["port"]
        shown_host = "[" + host + "]" if ":" in host else host
        demo_settings(f"http://{shown_host}:{port}")
        call_command("migrate", interactive=False, verbosity=0)
        world = World(WorldOptions(apps_per_vendor=6))
        consumer = None
        faults = Faults(latency=options["sim_latency_ms"] / 1000, error_rate=options["sim_error_rate"])
        servers: list[SimServer] = []
        try:
            endpoints = {}
            for simulator in build_simulators(world, faults):
                server = SimServer(simulator.handle, "127.0.0.1", 0).start()
                servers.append(server)
                endpoints[simulator.vendor] = SimEndpoint(simulator, server.base_url)
            passwords = seed(endpoints, options["password"], world)
            checks = check_demo_accounts()
            write_credentials(
                Path(settings.VAR_DIR) / CREDENTIALS_FILE, f"http://{shown_host}:{port}/login/", passwords
            )
            consumer = start_jobs()
            if host not in settings.ALLOWED_HOSTS:
                settings.ALLOWED_HOSTS.append(host)
            server_command = DemoServer()

            def announce() -> None:
                # Again: loading the WSGI application ran django.setup(), whose logging
                # configuration put the request lines back (every page was logged).
                quiet_logs(verbose=options["verbose"])
                self._announce(shown_host, port, passwords, endpoints, checks)

            server_command.announce = announce
            call_command(server_command, f"{host}:{port}", use_reloader=False, skip_checks=True)
        except KeyboardInterrupt:
            pass
        finally:
            if consumer is not None:
                consumer.stop(graceful=False)
                self.stdout.write("Jobs stopped.")
            for server in servers:
                server.stop()
            self.stdout.write("Simulators stopped.")

    def _announce(
        self,
        host: str,
        port: int,
        passwords: dict[str, str],
        endpoints: dict[str, SimEndpoint],
        checks: dict[str, str],
    ) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS("RTC Dashboard demo is running."))
        write("  Simulators:")
        for vendor, endpoint in endpoints.items():
            write(f"    {vendor:<13} {endpoint.base_url}")
        failing = {label: error for label, error in checks.items() if error}
        write(f"  Vendor accounts tested: {len(checks) - len(failing)} of {len(checks)} connected.")
        for label, error in failing.items():
            write(self.style.ERROR(f"    {label}: {error}"))
        alerts = open_alerts(Tenant.objects.filter(slug__in=[slug for slug, _name in TENANTS]))
        write(f"  Open alerts: {alerts.count()} (Alerts page; notices go to {settings.VAR_DIR}/demo-mail).")
        write("  Usage is being fetched in the background: 90 days for every demo app within a minute.")
        write("  Ctrl-C stops the console, the jobs and the simulators (--verbose logs every vendor call).")
        write(f"  Log in at   http://{host}:{port}/login/")
        saved = Path(settings.VAR_DIR) / CREDENTIALS_FILE
        write(f"  Demo users (also in {saved}; new passwords each run unless --password):")
        for demo in USERS:
            write(f"    {demo.username:<13} {passwords[demo.username]:<14} {demo.description}")
        self.stdout.flush()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def quiet_logs(*, verbose: bool) -> None:
    """Vendor calls are DEBUG; page requests are django.server's INFO lines, a refused or missing
    page django.request's WARNING with its traceback: all only when asked (server errors show)."""
    level = logging.DEBUG if verbose else logging.WARNING
    logging.getLogger("dashboard.vendor_calls").setLevel(level)
    logging.getLogger("django.server").setLevel(logging.INFO if verbose else logging.ERROR)
    logging.getLogger("django.request").setLevel(logging.INFO if verbose else logging.ERROR)


def demo_settings(console_url: str) -> None:
    """Vendors call the demo console back at its own address; alert mail lands in files."""
    if not settings.PUBLIC_BASE_URL:
        settings.PUBLIC_BASE_URL = console_url
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(Path(settings.VAR_DIR) / "demo-mail")


def check_demo_accounts() -> dict[str, str]:
    """Test connection for every demo account, as an admin would: label -> error ("" when connected)."""
    found = {}
    accounts = VendorAccount.objects.filter(tenant__slug__in=[slug for slug, _name in TENANTS]).select_related("tenant")
    for account in accounts.order_by("tenant__slug", "label"):
        connected = check_account(None, account, interactive=False)
        found[f"{account.tenant.name} / {account.label}"] = "" if connected else account.last_check_error
    return found


def write_credentials(path: Path, login_url: str, passwords: dict[str, str]) -> None:
    """The passwords, for whoever runs the demo only (0600, also when the file was there before)."""
    lines = [f"# RTC Dashboard demo: {login_url}", *(f"{name} {password}" for name, password in passwords.items())]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(lines) + "\n")
    path.chmod(0o600)


def start_jobs() -> Consumer:
    """The embedded job engine: Huey's consumer as threads of this process, queue in VAR_DIR.

    The queue is emptied first: jobs left by an earlier run point at its simulators' ports.
    """
    HUEY.flush()
    SyncCursor.objects.update(chain_started_at=None)
    autodiscover_modules("tasks")  # as Huey's run_huey does: every app's schedules, not only those imported here
    consumer = HUEY.create_consumer(
        workers=settings.HUEY["consumer"]["workers"], worker_type="thread", periodic=True, check_worker_health=False
    )
    consumer.start()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # Huey's handlers replaced ours
        signal.signal(stop_signal, _interrupt)
    plan_usage()
    return consumer
