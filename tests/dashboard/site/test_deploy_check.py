"""`manage.py check --deploy` under production settings reports only what the README explains."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# README, "Production settings": HSTS preload can be turned off (SECURE_HSTS_PRELOAD=false).
EXPLAINED = {"security.W021"}


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "CREDENTIAL_KEYS", "DEBUG"}}
    return env | {
        "DJANGO_SETTINGS_MODULE": "dashboard.settings.production",
        "SECRET_KEY": "p" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
        "CREDENTIAL_KEYS": "H5jtEa5kbzAmrtl_XkBQrZe3TDuGz9XbA9SfKX1hxT8=",
        "ALLOWED_HOSTS": "rtc.example.com",
        **extra,
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_is_clean_and_reports_only_explained_warnings_when_preload_is_off() -> None:
    clean = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert clean.returncode == 0, clean.stdout + clean.stderr
    result = manage("check", "--deploy", env=production_env(SECURE_HSTS_PRELOAD="false"))
    assert result.returncode == 0, result.stderr
    reported = set(re.findall(r"\((\w+\.[EW]\d+)\)", result.stdout + result.stderr))
    assert reported == EXPLAINED, result.stdout + result.stderr


def test_production_refuses_to_start_without_its_secrets() -> None:
    for missing in ("SECRET_KEY", "CREDENTIAL_KEYS"):
        env = production_env()
        env.pop(missing)
        result = manage("check", env=env)
        assert result.returncode != 0 and missing in result.stderr


def test_every_setting_read_from_the_environment_is_documented() -> None:
    read = set()
    for module in (ROOT / "dashboard/settings").glob("*.py"):
        read |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', module.read_text()))
    documented = set(re.findall(r"^# ?([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read and read <= documented, sorted(read - documented)
