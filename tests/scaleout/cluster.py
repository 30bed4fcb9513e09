"""A small production-shaped cluster for the scale-out tests: PostgreSQL, Redis, the Aliyun
simulator and any number of `run_huey` worker processes, each its own OS process.

The test process only orchestrates: it starts and kills processes, runs the planner as the
scheduler would (`manage.py shell`), and reads the results straight from PostgreSQL and the
simulator's traffic counter. Nothing here shares memory with the workers.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import redis
from django.conf import settings
from huey.storage import RedisStorage

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379"
# The queue's and the rate limiter's Redis databases; SCALEOUT_REDIS_DBS="15,15" moves them where a
# shared machine has room (the tests flush both).
QUEUE_DB, LIMITS_DB = (int(number) for number in os.environ.get("SCALEOUT_REDIS_DBS", "13,14").split(","))
APPS = 12
DAYS = 30
# Account-wide peak series of an account whose vendor answers for the whole account:
# usage.models.PEAK_METRICS x usage.plan.INTERVALS (tests/scaleout/test_workers.py checks it).
ACCOUNT_SERIES = 4
# The simulated world goes quiet at noon yesterday, so every run sees the same usage.
QUIET_AFTER = (datetime.now(UTC) - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
# Rows compared between runs: well inside the range every run of the session backfills.
COMPARED_FROM = QUIET_AFTER - timedelta(days=DAYS - 3)
# What a worker's log (huey's own, `run_huey --logfile`) says when it consumes, and per window job.
CONSUMING = "Huey consumer started"
WINDOW_JOB = re.compile(r"Executing \S*window\b")


def servers_missing() -> str:
    """Why the scale-out tests cannot run here, or "" when PostgreSQL and Redis answer."""
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            pass
    except psycopg.Error as error:
        return f"PostgreSQL is not reachable at 127.0.0.1:5432 ({str(error).strip()[:80]})"
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis is not reachable at 127.0.0.1:6379 ({error})"
    return ""


@dataclass
class Sim:
    process: subprocess.Popen
    url: str
    credentials: dict[str, str]

    def traffic(self, reset: bool = False) -> dict:
        request = urllib.request.Request(self.url + "/__sim__/stats", method="POST" if reset else "GET")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def wait_for_requests(self, count: int, timeout: float = 180) -> dict:
        """The traffic once at least `count` requests have arrived."""
        deadline = time.monotonic() + timeout
        while (traffic := self.traffic())["requests"] < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{traffic['requests']} of {count} requests after {timeout:.0f} s")
            time.sleep(0.2)
        return traffic

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@dataclass
class Cluster:
    database: str
    var_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    workers: list[subprocess.Popen] = field(default_factory=list)
    # Each worker's log, by process id, since the last reset: killed workers' logs included.
    worker_logs: dict[int, Path] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:5432/{self.database}"

    def process_env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dashboard.settings.base",
            "DATABASE_URL": self.database_url,
            "JOBS_REDIS_URL": f"{REDIS}/{QUEUE_DB}",
            "RATE_LIMIT_STORAGE_URL": f"{REDIS}/{LIMITS_DB}",
            "DASHBOARD_VAR_DIR": str(self.var_dir),
            "USAGE_BACKFILL_DAYS": str(DAYS),
            "VENDOR_DEFAULT_REQUESTS_PER_SECOND": "100000",
            "SYNC_ON_ACCOUNT_CHANGE": "false",
            "LOG_LEVEL": "WARNING",
            "JOBS_LOG_LEVEL": "ERROR",
            **self.env,
            **extra,
        }

    def manage(self, *args: str, **extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.process_env(**extra),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "--no-imports", "-c", code).strip()

    # --- simulator --------------------------------------------------------------------------

    @contextmanager
    def simulator(self, *fault_args: str, latency_ms: float = 0) -> Iterator[Sim]:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "vendors.sim", "--apps", str(APPS), "--channels", "4", "--users", "300"),
                *("--sessions-per-day", "300", "--latency-ms", str(latency_ms)),
                *("--quiet-after", QUIET_AFTER.isoformat(), *fault_args),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        sim = None
        for line in process.stdout:
            vendor, url, *pairs = line.strip().split("\t")
            if vendor == "aliyun":
                sim = Sim(process, url, dict(pair.split("=", 1) for pair in pairs))
                break
        assert sim is not None, "the simulator did not start"
        try:
            yield sim
        finally:
            sim.stop()

    def backfill(self, workers: int, *fault_args: str, latency_ms: float = 100, **env: str) -> dict:
        """One full backfill of one account by `workers` processes: the simulator's view of
        it (requests, their arrival times, the most in flight at once), the window jobs each
        worker ran, the CPU seconds the workers used, and the rows stored."""
        self.reset()
        started = datetime.now(UTC)
        with self.simulator(*fault_args, latency_ms=latency_ms) as sim:
            self.add_account(sim, "Production")
            sim.traffic(reset=True)
            self.start_workers(workers, **env)
            self.wait_until_consuming()
            cpu_before = self.workers_cpu()
            planned = self.plan(**env)
            self.wait_until_synced(started, **env)
            traffic = sim.traffic()
            cpu = self.workers_cpu() - cpu_before
            pending = self.pending_rows_settled()
            self.stop_workers()
        return {
            "planned": planned,
            "pending_rows": pending,
            "requests": traffic["requests"],
            "arrivals": sorted(traffic["arrivals"]),
            "most_in_flight": traffic["most_in_flight"],
            "window_jobs": self.window_jobs(),
            "workers_cpu": cpu,
            "rows": self.samples(),
        }

    # --- data -------------------------------------------------------------------------------

    def reset(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as db:
            db.execute(
                "TRUNCATE usage_usagesample, usage_synccursor, live_channel, rtc_rtcapp, "
                "credentials_vendoraccount, audit_auditentry, ops_pendingjob CASCADE"
            )
        for number in (QUEUE_DB, LIMITS_DB):
            redis.Redis.from_url(f"{REDIS}/{number}").flushdb()
        self.worker_logs = {}

    def add_account(self, sim: Sim, label: str, credentials: dict[str, str] | None = None) -> int:
        """A vendor account of the one tenant, its apps listed from the simulator."""
        secrets = json.dumps(credentials or sim.credentials)
        return int(
            self.shell(
                "import json\n"
                "from dashboard.tenancy.models import Tenant\n"
                "from dashboard.credentials.models import VendorAccount, VendorEndpoint\n"
                "from dashboard.rtc.listing import refresh_account\n"
                "from vendors.base.errors import VendorError\n"
                "tenant, _ = Tenant.objects.get_or_create(slug='scale', defaults={'name': 'Scale'})\n"
                f"VendorEndpoint.objects.get_or_create(vendor='aliyun', base_url={sim.url!r})\n"
                f"account = VendorAccount(tenant=tenant, vendor='aliyun', label={label!r}, endpoint={sim.url!r})\n"
                f"account.set_credentials(json.loads({secrets!r}))\n"
                "account.save()\n"
                "try:\n"
                "    refresh_account(account, interactive=False)\n"
                "except VendorError:\n"
                "    from dashboard.rtc.models import RtcApp\n"
                "    for n in range(3): RtcApp.objects.create(vendor_account=account, app_id=f'app-{n}')\n"
                "print(account.pk)"
            ).splitlines()[-1]
        )

    def plan(self, **extra: str) -> int:
        """What the scheduler does every USAGE_SYNC_EVERY_MINUTES: plan and queue window chains."""
        out = self.manage(
            "shell",
            "--no-imports",
            "-c",
            "from dashboard.usage.tasks import plan_usage; print(plan_usage.call_local())",
            **extra,
        )
        return int(out.strip().splitlines()[-1])

    def query(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.database_url) as db:
            return db.execute(sql, params).fetchall()

    def samples(self) -> list[tuple]:
        """Every stored usage row in the compared range, keyed by the vendor's app id."""
        return self.query(
            "SELECT a.app_id, s.metric, s.interval, s.timestamp, s.value, s.peak_time, s.audio, s.v360, s.v720, "
            "s.v1080, s.content FROM usage_usagesample s JOIN rtc_rtcapp a ON a.id = s.app_id "
            "WHERE s.timestamp >= %s AND s.timestamp < %s ORDER BY 1, 2, 3, 4",
            COMPARED_FROM,
            QUIET_AFTER,
        )

    def queued(self) -> int:
        """Jobs waiting in the workers' queue, or scheduled there (retries waiting out their delay).
        Huey's own storage names the keys: it strips the queue's name ("rtc-dashboard" is kept
        under "huey.redis.rtcdashboard"), so keys spelled here would count an empty list."""
        storage = RedisStorage(name=settings.HUEY["name"], url=f"{REDIS}/{QUEUE_DB}")
        return storage.queue_size() + storage.schedule_size()

    def pending_rows_settled(self, timeout: float = 15) -> int:
        """The jobs' pending rows once the workers' bookkeeping has caught up (each removes the
        rows of the jobs it started once a second), or what is left after `timeout`."""
        deadline = time.monotonic() + timeout
        while (left := self.query("SELECT count(*) FROM ops_pendingjob")[0][0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left

    def chains_running(self) -> int:
        """Window chains under way: every app's series, and every account-wide peak series."""
        return sum(
            self.query(f"SELECT count(*) FROM {table} WHERE chain_started_at IS NOT NULL")[0][0]
            for table in ("usage_synccursor", "usage_accountpeakcursor")
        )

    def cursors_complete(self, since: datetime) -> bool:
        """Every series of every unblocked app has stored up to the hour the run began."""
        expected = (
            self.query(
                "SELECT count(*) FROM rtc_rtcapp a JOIN credentials_vendoraccount v ON v.id = a.vendor_account_id "
                "WHERE NOT a.sync_blocked AND NOT v.sync_blocked"
            )[0][0]
            * 10
        )
        until = since.replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
        done = self.query("SELECT count(*) FROM usage_synccursor WHERE synced_until >= %s", until)[0][0]
        # Every account here is Aliyun's, which answers for the whole account: 4 peak series each.
        accounts = self.query("SELECT count(*) FROM credentials_vendoraccount WHERE NOT sync_blocked")[0][0]
        accounts_done = self.query("SELECT count(*) FROM usage_accountpeakcursor WHERE synced_until >= %s", until)[0][0]
        return done >= expected and accounts_done >= accounts * ACCOUNT_SERIES

    # --- workers ----------------------------------------------------------------------------

    def start_workers(self, count: int, **extra: str) -> None:
        """Worker processes of one thread each: a process holds at most one request at a time."""
        for _ in range(count):
            log = Path(tempfile.mkstemp(prefix="worker-", suffix=".log", dir=self.var_dir)[1])
            worker = subprocess.Popen(
                [
                    *(sys.executable, "manage.py", "run_huey", "--workers", "1", "--worker-type", "thread"),
                    *("--no-periodic", "--delay", "0.05", "--max-delay", "0.2", "--logfile", str(log)),
                ],
                cwd=ROOT,
                env=self.process_env(**extra),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.workers.append(worker)
            self.worker_logs[worker.pid] = log

    def wait_until_consuming(self, timeout: float = 180) -> None:
        """Until every running worker has said it consumes: Django starting in a process takes
        seconds on a busy machine, and a worker still starting would take no job."""
        deadline = time.monotonic() + timeout
        while True:
            waiting = [w for w in self.workers if CONSUMING not in self.worker_logs[w.pid].read_text()]
            if not waiting:
                return
            if exited := [w for w in waiting if w.poll() is not None]:
                log = self.worker_logs[exited[0].pid].read_text()
                raise AssertionError(f"worker {exited[0].pid} exited with {exited[0].returncode}:\n{log[-2000:]}")
            if time.monotonic() > deadline:
                missing = f"{len(waiting)} of {len(self.workers)} workers"
                raise AssertionError(f"{missing} not consuming after {timeout:.0f} s")
            time.sleep(0.2)

    def workers_cpu(self) -> float:
        """CPU seconds (user and system) the running workers have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        used = 0
        for worker in self.workers:
            fields = Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
            used += int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15 of proc(5)
        return used / ticks

    def window_jobs(self) -> dict[int, int]:
        """Window jobs each worker process has run since the last reset, by process id."""
        return {pid: len(WINDOW_JOB.findall(log.read_text())) for pid, log in self.worker_logs.items()}

    def kill_one_worker(self, rng: random.Random, **extra: str) -> None:
        """SIGKILL a random worker mid-whatever, and start a replacement (a supervisor's job)."""
        victim = self.workers.pop(rng.randrange(len(self.workers)))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        self.start_workers(1, **extra)

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.workers = []

    def wait_until_idle(self, timeout: float = 180) -> None:
        """Until nothing is queued and no chain runs: every job of the last plan is done."""
        deadline = time.monotonic() + timeout
        while self.queued() or self.chains_running():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not idle after {timeout:.0f} s: {self.queued()} queued, {self.chains_running()} chains running"
                )
            time.sleep(0.2)

    def wait_until_synced(self, since: datetime, timeout: float = 240, replan_after: float = 0, **extra: str) -> float:
        """Until the queue is empty, no chain runs and every cursor is complete. With
        `replan_after`, chains left running with nothing queued for that long (their worker
        died) make this plan again, as the next scheduled run would. Returns seconds waited."""
        started = time.monotonic()
        stalled_since = None
        while time.monotonic() - started < timeout:
            queued, running = self.queued(), self.chains_running()
            if not queued and not running and self.cursors_complete(since):
                return time.monotonic() - started
            if replan_after and not queued and running:
                stalled_since = stalled_since or time.monotonic()
                if time.monotonic() - stalled_since > replan_after:
                    self.plan(**extra)
                    stalled_since = None
            else:
                stalled_since = None
            time.sleep(0.5)
        raise AssertionError(
            f"not synced after {timeout:.0f} s: {self.queued()} queued, {self.chains_running()} chains running\n"
            + self.sync_state()
        )

    def sync_state(self) -> str:
        """What a stalled sync looks like: the stopped accounts and apps, the chains left running."""
        lines = [
            f"account {pk}: blocked={blocked} error={error[:200]!r}"
            for pk, blocked, error in self.query("SELECT id, sync_blocked, sync_error FROM credentials_vendoraccount")
        ]
        lines += [
            f"app {app_id}: blocked={blocked} error={error[:200]!r}"
            for app_id, blocked, error in self.query("SELECT app_id, sync_blocked, sync_error FROM rtc_rtcapp")
            if blocked or error
        ]
        for table in ("usage_synccursor", "usage_accountpeakcursor"):
            rows = self.query(
                f"SELECT metric, interval, synced_until, chain_started_at, last_run_at, last_error FROM {table} "
                "WHERE chain_started_at IS NOT NULL ORDER BY chain_started_at LIMIT 8"
            )
            lines += [f"{table} running: {row}" for row in rows]
        lines.append(f"now {datetime.now(UTC)}, workers alive: {[w.pid for w in self.workers if w.poll() is None]}")
        return "\n".join(lines)
