"""`manage.py demo --port N`: migrate, start the simulators, seed demo data, serve the console."""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules
from huey.consumer import Consumer
from huey.contrib.djhuey import HUEY

from dashboard.demo.seed import USERS, SimEndpoint, seed
from dashboard.usage.models import SyncCursor
from dashboard.usage.tasks import plan_usage
from vendors.sim import Faults, World, WorldOptions, build_simulators
from vendors.sim.server import SimServer


class Command(BaseCommand):
    help = "Bring up the console with demo tenants whose vendor accounts point at local simulators."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="console port (default 8000)")
        parser.add_argument("--host", default="127.0.0.1", help="console address (default 127.0.0.1)")
        parser.add_argument("--password", help="use this password for every demo user instead of random ones")
        parser.add_argument("--sim-latency-ms", type=float, default=0.0, help="latency the simulators add")
        parser.add_argument("--sim-error-rate", type=float, default=0.0, help="share of simulator answers that are 5xx")

    def handle(self, *args: Any, **options: Any) -> None:
        # Ctrl-C and a process manager's SIGTERM both stop everything this command started,
        # even when it was launched with SIGINT ignored (a background job of a script).
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, _interrupt)
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
            passwords = seed(endpoints, options["password"])
            consumer = start_jobs()
            self._announce(options["host"], options["port"], passwords, endpoints)
            if options["host"] not in settings.ALLOWED_HOSTS:
                settings.ALLOWED_HOSTS.append(options["host"])
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            if consumer is not None:
                consumer.stop(graceful=False)
                self.stdout.write("Jobs stopped.")
            for server in servers:
                server.stop()
            self.stdout.write("Simulators stopped.")

    def _announce(self, host: str, port: int, passwords: dict[str, str], endpoints: dict[str, SimEndpoint]) -> None:
        shown_host = "[" + host + "]" if ":" in host else host
        self.stdout.write(self.style.SUCCESS("RTC Dashboard demo is starting."))
        self.stdout.write(f"  Log in at   http://{shown_host}:{port}/login/")
        self.stdout.write("  Demo users (passwords are new on every run unless --password is given):")
        for demo in USERS:
            self.stdout.write(f"    {demo.username:<13} {passwords[demo.username]:<14} {demo.description}")
        self.stdout.write("  Simulators:")
        for vendor, endpoint in endpoints.items():
            self.stdout.write(f"    {vendor:<13} {endpoint.base_url}")
        self.stdout.write("  Usage is being fetched in the background: 90 days for every demo app within a minute.")
        self.stdout.write("  Ctrl-C stops the console, the jobs and the simulators.")
        self.stdout.flush()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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
