"""Run the usage sync once, in this process: what the schedule does, for people who prefer cron."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboard.usage import account_sync, rollups, sync
from dashboard.usage.plan import Window
from vendors.base.errors import VendorError


class Command(BaseCommand):
    help = "Fetch new usage statistics (or the backfill) for every app of every enabled vendor account, now."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--account", type=int, action="append", help="only this vendor account id (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        apps = sync.syncable_apps()
        if options["account"]:
            apps = [app for app in apps if app.vendor_account_id in options["account"]]
        waiting = sync.WaitingChains()  # one read of the queue for both planners
        now = timezone.now()  # and one clock: the account's backfills start on its apps' day
        jobs = sync.plan(now, apps=apps, waiting=waiting)
        requests = rows = failures = 0
        for job in jobs:
            error = ""
            for number, (start, end) in enumerate(job.windows):
                try:
                    rows += sync.run_window(
                        job.app_pk,
                        job.metric,
                        job.interval,
                        Window(datetime.fromisoformat(start), datetime.fromisoformat(end)),
                        follows=number > 0,  # as a job chain's windows (sync.write_window)
                    )
                    requests += 1
                except VendorError as exc:
                    failures += 1
                    error = str(exc)
                    self.stderr.write(f"app {job.app_pk} {job.metric}/{job.interval}: {exc}")
                    break
            sync.finish_chain(job.app_pk, job.metric, job.interval, error)
        accounts = account_sync.syncable_accounts()
        if options["account"]:
            accounts = [account for account in accounts if account.pk in options["account"]]
        account_jobs = account_sync.plan(now, accounts=accounts, waiting=waiting)
        for account_job in account_jobs:
            error = ""
            for number, (start, end) in enumerate(account_job.windows):
                try:
                    stored = account_sync.run_window(
                        account_job.account_pk,
                        account_job.metric,
                        account_job.interval,
                        Window(datetime.fromisoformat(start), datetime.fromisoformat(end)),
                        follows=number > 0,
                    )
                    requests += 1
                    if stored is None:  # the account is gone, or the vendor refused for good
                        error = account_sync.refusal(account_job.account_pk, account_job.metric, account_job.interval)
                        if error:
                            failures += 1
                            self.stderr.write(
                                f"account {account_job.account_pk} {account_job.metric}/{account_job.interval}: {error}"
                            )
                        break
                    rows += stored
                except VendorError as exc:
                    failures += 1
                    error = str(exc)
                    self.stderr.write(
                        f"account {account_job.account_pk} {account_job.metric}/{account_job.interval}: {exc}"
                    )
                    break
            account_sync.finish_chain(account_job.account_pk, account_job.metric, account_job.interval, error)
        rollups.prune_hours(now)  # after the work, as the schedule's plan does (tasks.plan_usage)
        self.stdout.write(
            f"{len(jobs)} series planned for {len(apps)} apps and {len(account_jobs)} for whole accounts: "
            f"{requests} windows fetched, {rows} rows stored, {failures} failed."
        )
