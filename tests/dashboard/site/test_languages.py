"""English and Simplified Chinese: every string translated, switchable per user."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from dashboard.people.models import Preferences
from tests.dashboard.conftest import World2, logged_in

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"


def po_entries(path: Path, plurals: dict[str, str] | None = None) -> dict[str, str]:
    """msgid -> msgstr (first plural form) of a .po file, read with the standard library only.

    `plurals`, when given, receives msgid -> msgid_plural for the plural entries.
    """
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    key = ""

    def unquote(text: str) -> str:
        return text.strip()[1:-1].encode("raw_unicode_escape").decode("unicode_escape")

    def flush() -> None:
        if current.get("msgid"):
            entries[current["msgid"]] = current.get("msgstr", current.get("msgstr[0]", ""))
            if plurals is not None and "msgid_plural" in current:
                plurals[current["msgid"]] = current["msgid_plural"]

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            flush()
            current, key = {"msgid": unquote(line[6:])}, "msgid"
        elif line.startswith(("msgstr ", "msgstr[0] ", "msgid_plural ")):
            key, _, rest = line.partition(" ")
            current[key] = unquote(rest)
        elif line.startswith('"') and key:
            current[key] = current.get(key, "") + unquote(line)
        elif line.startswith("#, fuzzy") and entries:
            pytest.fail(f"fuzzy translation in {path.name}")
    flush()
    return entries


def test_every_message_has_a_chinese_translation() -> None:
    entries = po_entries(PO)
    assert len(entries) > 150
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file() -> None:
    with (PO.with_suffix(".mo")).open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    plurals: dict[str, str] = {}
    for msgid, msgstr in po_entries(PO, plurals).items():
        found = catalogue.ngettext(msgid, plurals[msgid], 1) if msgid in plurals else catalogue.gettext(msgid)
        assert found == msgstr, f"django.mo is stale: run `make messages` ({msgid!r})"
    assert plurals


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext (Debian package gettext) is not installed")
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path: Path) -> None:
    """makemessages on a copy of the sources finds nothing the committed catalogue lacks."""
    for name in ("dashboard", "templates", "manage.py"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location", "--ignore", "var/*"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    found = set(po_entries(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"))
    missing = found - set(po_entries(PO))
    assert not missing, f"run `make messages` and translate: {sorted(missing)}"


def test_a_user_switches_to_chinese_and_it_follows_them(two_tenants: World2) -> None:
    client = logged_in(two_tenants.acme_admin)
    assert "Vendor accounts" in client.get(reverse("credentials:account_list", args=["acme"])).content.decode()
    response = client.post(reverse("people:preferences"), {"language": "zh-hans"}, follow=True)
    assert "偏好设置已保存。" in response.content.decode()
    assert Preferences.objects.get(user=two_tenants.acme_admin).language == "zh-hans"
    # a new browser, same person: Chinese without touching anything
    page = logged_in(two_tenants.acme_admin).get(reverse("credentials:account_list", args=["acme"])).content.decode()
    assert '<html lang="zh-hans"' in page
    assert "供应商账号" in page and "测试连接" in page
    # another person keeps English
    other = logged_in(two_tenants.acme_viewer).get(reverse("credentials:account_list", args=["acme"])).content.decode()
    assert "Vendor accounts" in other


def test_anonymous_pages_follow_the_browser_language(client) -> None:
    page = client.get(reverse("people:login"), headers={"Accept-Language": "zh-CN,zh;q=0.9"}).content.decode()
    assert "登录" in page


def test_times_follow_the_users_time_zone(two_tenants: World2) -> None:
    from django.utils import timezone

    from dashboard.audit.log import record

    entry = record(two_tenants.acme_admin, "account.test", vendor_account=two_tenants.acme_account)
    client = logged_in(two_tenants.acme_admin)
    client.post(reverse("people:preferences"), {"language": "", "time_zone": "Asia/Shanghai"})
    page = client.get(reverse("audit:tenant_audit", args=["acme"])).content.decode()
    local = timezone.localtime(entry.created_at, timezone=ZoneInfo("Asia/Shanghai"))
    assert f"{local:%Y-%m-%d %H:%M}" in page
    refused = client.post(reverse("people:preferences"), {"language": "", "time_zone": "Mars/Olympus"})
    assert "Select a valid choice" in refused.content.decode()
