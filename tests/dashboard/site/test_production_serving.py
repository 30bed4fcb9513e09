"""Production as it runs: the Procfile's release and web lines under production settings.

The release line (migrate + collectstatic into hashed, compressed files) must succeed, then
gunicorn must serve a page whose static URLs are the hashed ones, answered by whitenoise.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import httpx

from tests.dashboard.site.test_deploy_check import ROOT, manage, production_env

HOST = "rtc.example.com"
CONTENT_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".map": "application/json"}
SOURCE_MAP = re.compile(rb"[#@] sourceMappingURL=([^\s*]+)")


def procfile(process: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{process}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {process} line in the Procfile")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else "gunicorn exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start listening")


def test_release_then_web_serve_hashed_static_files_through_whitenoise(tmp_path: Path) -> None:
    port = free_port()
    env = production_env(
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DASHBOARD_VAR_DIR=str(tmp_path / "var"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PORT=str(port),
        WEB_CONCURRENCY="1",
    )
    release = subprocess.run(procfile("release"), shell=True, cwd=ROOT, env=env, capture_output=True, text=True)
    assert release.returncode == 0, release.stdout[-2000:] + release.stderr[-4000:]
    deploy = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]

    web = subprocess.Popen(
        procfile("web"), shell=True, cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(port, web)
        # The TLS-terminating proxy's header: SECURE_SSL_REDIRECT stays on, as deployed.
        # A cold worker's first page took over httpx's default 5 s at load average 20: a
        # generous deadline for each answer, which is what is checked.
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Host": HOST, "X-Forwarded-Proto": "https"}, timeout=120
        ) as client:
            page = client.get("/login/")
            assert page.status_code == 200, page.text[:2000]
            urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
            assert any(url.endswith(".css") for url in urls) and any(url.endswith(".js") for url in urls), urls
            hashed = {f"/static/{name}" for name in manifest.values()}
            for url in urls:
                assert url in hashed, f"{url} is not a hashed static URL"
                answer = client.get(url)
                assert answer.status_code == 200, url
                assert answer.headers["content-type"].startswith(CONTENT_TYPES[Path(url).suffix]), (url, answer.headers)
                assert "immutable" in answer.headers.get("cache-control", ""), (url, answer.headers)

            # Every source map a vendored file names is served too (collectstatic rewrote the names).
            maps = []
            for name in (name for name in manifest.values() if name.startswith("vendor/")):
                body = client.get(f"/static/{name}").content
                for reference in SOURCE_MAP.findall(body[-300:]):
                    mapped = urljoin(f"/static/{name}", reference.decode())
                    answer = client.get(mapped)
                    assert answer.status_code == 200, f"{name} names {mapped}, which answers {answer.status_code}"
                    maps.append(mapped)
            assert any("interact.min." in url for url in maps), maps
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
