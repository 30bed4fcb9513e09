"""Compute the observed usage series now (what the hourly job does), or backfill it."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboard.usage import observe


class Command(BaseCommand):
    help = "Store the usage the console observed in its live polls, per app, hour and day (upserted)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=1,
            help=f"UTC days back from today (polls are kept {settings.LIVE_SNAPSHOT_DAYS} days; default 1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = max(0, min(options["days"], 3660))
        rows = observe.observe_recent(timezone.now(), days=days)
        self.stdout.write(f"{rows} observed rows stored for the last {days} days and today.")
