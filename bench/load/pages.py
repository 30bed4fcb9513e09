"""CPU and queries of each page of the load mix, in one process (Django's test client, no
gunicorn, no locust): what one page view costs the web process, a stored render ("hit") and
a first render ("miss") apart.

    python bench/load/pages.py --database-url postgres://... [--cache-redis-url redis://...]
        [--repeat 200] [--profile PAGE]

Seeds its own database as bench/load/run.py does (dropped at the end). `--profile` prints
cProfile's top functions for the hits of one page (its locust name, e.g. "dashboard (accounts)").
CPU is this process's (time.process_time): PostgreSQL's own CPU is not in it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/rtc_load_pages")
    parser.add_argument("--cache-redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", default="")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the seeded database")
    args = parser.parse_args()

    import psycopg

    name = args.database_url.rsplit("/", 1)[1]
    admin_url = args.database_url.rsplit("/", 1)[0] + "/postgres"
    # The secret key lives here: the same folder for a kept database (its session is signed with it).
    var = Path(tempfile.gettempdir()) / f"bench-pages-{name}"
    var.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings.base",
        "DATABASE_URL": args.database_url,
        "DASHBOARD_VAR_DIR": str(var),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "CACHE_REDIS_URL": args.cache_redis_url,
    }
    marker = var / "ids"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (args.keep and exists and marker.exists()):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
            subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
            out = subprocess.run(
                [sys.executable, "bench/load/seed.py"],
                cwd=ROOT,
                env={**env, "LOAD_PASSWORD": secrets.token_urlsafe(16)},
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            marker.write_text(out.strip().splitlines()[-1])
    _account, channel_pk, sessions = marker.read_text().split()
    session = sessions.split(",")[0]
    os.environ.update(env)
    try:
        measure(args, channel_pk, session)
    finally:
        if not args.keep:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure(args: argparse.Namespace, channel_pk: str, session: str) -> None:
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if args.cache_redis_url:
        cache.clear()
    reset_queries()
    pages = {
        "dashboard (accounts)": ("/t/load/accounts/", {}, {}),
        "usage report, 30 days": ("/t/load/usage/", {}, {}),
        "report htmx refresh": ("/t/load/usage/", {"range": "90d", "granularity": "day"}, {"HX-Request": "true"}),
        "live channel page": (f"/t/load/channels/{channel_pk}/", {}, {}),
        "live htmx refresh": (f"/t/load/channels/{channel_pk}/", {}, {"HX-Request": "true"}),
    }
    client = Client()
    client.cookies["sessionid"] = session
    client.get("/t/load/accounts/")  # the CSRF cookie, as the login page would have set it
    assert client.cookies.get("csrftoken"), "no CSRF cookie"
    since = ""
    print(f"{'page':<24} {'miss: CPU':>10} {'queries':>8} {'hit: CPU':>10} {'queries':>8}")
    for label, (url, params, headers) in pages.items():
        if label == "live htmx refresh":
            params = {"since": since}
        cache.clear()
        started = time.process_time()
        with CaptureQueriesContext(connection) as first:
            response = client.get(url, params, headers=headers)
        miss = time.process_time() - started
        assert response.status_code in (200, 204), (label, response.status_code)
        if label == "live channel page":
            text = client.get(url, headers={"HX-Request": "true"}).content.decode()
            since = text.split('"since": "', 1)[1].split('"', 1)[0]
        profiler = cProfile.Profile() if args.profile == label else None
        started = time.process_time()
        with CaptureQueriesContext(connection) as hit:
            if profiler:
                profiler.enable()
            for _ in range(args.repeat):
                response = client.get(url, params, headers=headers)
            if profiler:
                profiler.disable()
        cpu = (time.process_time() - started) / args.repeat
        assert response.status_code in (200, 204), (label, response.status_code)
        print(f"{label:<24} {1000 * miss:8.1f} ms {len(first):>8} {1000 * cpu:8.2f} ms {len(hit) / args.repeat:>8.1f}")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
