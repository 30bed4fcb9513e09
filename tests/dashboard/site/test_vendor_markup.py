"""Vendor text is data: markup planted in every name and id a simulator hands out stays text
in pages, fragments, Plotly figures, toasts and exports, and a formula stays a string."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from dashboard.credentials.models import VendorAccount
from dashboard.live.discovery import discover
from dashboard.live.models import Channel
from dashboard.mixing.layouts import preset_layout, to_json
from dashboard.mixing.models import LayoutTemplate, LayoutVersion, MixingTask
from dashboard.recordings.models import Recording, RecordingFile
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role, Tenant
from dashboard.usage import export, reports
from dashboard.usage.reports import Report
from tests.dashboard.conftest import BROWSER, HTMX, PASSWORD, World2, allow_endpoint, logged_in, make_user
from vendors.aliyun.sim import AliyunSimulator
from vendors.sim.server import SimServer
from vendors.sim.world import World, WorldOptions

PAYLOAD = '<a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil","x")'
KEY_ID, SECRET = "LTAI5tPlantedKey", "planted-secret-3c9e"
# What must never reach a page as markup: a live link or an element with a handler.
RAW = ('<a href="javascript:', "<img src=x")


@pytest.fixture(scope="module")
def planted_sim() -> Iterator[tuple[World, str]]:
    world = World(WorldOptions(seed=11, apps_per_vendor=1, channels_per_app=3, users_per_app=40, plant=PAYLOAD))
    simulator = AliyunSimulator(world)
    simulator.add_account(KEY_ID, SECRET)
    with SimServer(simulator.handle) as server:
        yield world, server.base_url


def planted_account(tenant: Tenant, base_url: str) -> VendorAccount:
    account = VendorAccount(
        tenant=tenant, vendor="aliyun", label="Planted", endpoint=allow_endpoint("aliyun", base_url)
    )
    account.set_credentials({"access_key_id": KEY_ID, "access_key_secret": SECRET})
    account.save()
    return account


def figures(page: str) -> list[Any]:
    """Every Plotly figure the page hands to charts.js."""
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-figure="([^"]*)"', page)]


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_inert(page: str) -> None:
    for raw in RAW:
        assert raw not in page
    for figure in figures(page):
        for text in strings(figure):
            # Plotly draws <a href>, <b>, <br>... found in any label: only escaped text is inert.
            assert "<a" not in text and "<img" not in text, text


def shown(page: str) -> bool:
    """The planted text is on the page as text (so the checks above looked at something)."""
    return html.escape(PAYLOAD) in page or html.escape(PAYLOAD, quote=False) in page


@pytest.fixture
def planted(two_tenants: World2, planted_sim: tuple[World, str]) -> tuple[World2, VendorAccount, RtcApp]:
    _world, base_url = planted_sim
    account = planted_account(two_tenants.acme, base_url)
    admin = logged_in(two_tenants.acme_admin)
    refreshed = admin.post(reverse("rtc:apps_refresh", args=["acme", account.pk]), headers=HTMX)
    assert refreshed.status_code == 200
    assert_inert(refreshed.content.decode())
    app = RtcApp.objects.get(vendor_account=account)
    assert PAYLOAD in app.name  # the vendor's app name, as the vendor gave it
    return two_tenants, account, app


def test_vendor_names_and_ids_are_text_in_pages_and_fragments(planted, planted_sim) -> None:
    tenants, account, app = planted
    world, _base_url = planted_sim
    discover(account)
    assert Channel.objects.filter(app=app, channel_id__contains=PAYLOAD).exists()
    admin = logged_in(tenants.acme_admin)
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    spec = world.app(app.app_id)
    plain_channel = spec.channels[1].channel_id
    pages = [
        (reverse("rtc:account_detail", args=["acme", account.pk]), {}),
        (reverse("live:channel_list", args=["acme", account.pk]), {}),
        (reverse("live:channel_history", args=["acme", app.pk]), {"day": yesterday}),
        (reverse("live:channel_history_detail", args=["acme", app.pk]), {"day": yesterday, "channel": plain_channel}),
        (reverse("usage:app_usage", args=["acme", account.pk, app.pk]), {}),
        (reverse("usage:tenant_usage", args=["acme"]), {}),
    ] + [(reverse("live:channel_detail", args=["acme", c.pk]), {}) for c in Channel.objects.filter(app=app)]
    seen = 0
    for url, query in pages:
        for headers in ({}, HTMX):
            response = admin.get(url, query, headers=headers)
            assert response.status_code == 200, url
            page = response.content.decode()
            assert_inert(page)
            seen += shown(page)
    assert seen >= len(pages)  # every page showed the planted text, as text
    timeline = admin.get(pages[3][0], pages[3][1]).content.decode()
    (figure,) = figures(timeline)
    assert any(html.escape(PAYLOAD, quote=False) in text for text in strings(figure))


def test_a_vendor_refusal_quoting_planted_text_is_text_in_the_toast_the_form_and_the_audit(planted) -> None:
    tenants, account, app = planted
    discover(account)
    admin = logged_in(tenants.acme_admin)
    # The console keeps the vendor's task id; the vendor's refusal quotes it back, in a toast.
    channel = Channel.objects.get(app=app, channel_id__contains=PAYLOAD)
    task = MixingTask.objects.create(
        channel=channel, task_id=f"t{PAYLOAD}", stream_url="rtmp://cdn/x", media_encode=20, task_profile="4IN_720P"
    )
    refreshed = admin.post(reverse("mixing:push_refresh", args=["acme", task.pk]), follow=True)
    page = refreshed.content.decode()
    assert refreshed.status_code == 200 and "data-console-toast" in page
    assert_inert(page)
    toasts = page[page.index('id="toasts"') :]
    assert html.escape(f"t{PAYLOAD}", quote=False) in toasts or html.escape(f"t{PAYLOAD}") in toasts
    # The channel's id, refused by the vendor and quoted in its answer beside the close form.
    closed = admin.post(
        reverse("live:channel_close", args=["acme", channel.pk]), {"confirm_channel_id": channel.channel_id}
    )
    page = closed.content.decode()
    assert closed.status_code == 200 and "The vendor refused" in page
    assert_inert(page)
    assert shown(page)
    audit = admin.get(reverse("audit:tenant_audit", args=["acme"])).content.decode()
    assert_inert(audit)
    assert shown(audit)


def test_a_user_id_in_a_layout_preview_is_text(planted) -> None:
    tenants, _account, _app = planted
    layout = preset_layout("single")
    layout = replace(layout, panes=tuple(replace(pane, user_id=PAYLOAD) for pane in layout.panes))
    template = LayoutTemplate.objects.create(tenant=tenants.acme, name="Planted")
    LayoutVersion.objects.create(template=template, number=1, layout=to_json(layout))
    page = logged_in(tenants.acme_admin).get(reverse("mixing:layout_edit", args=["acme", template.pk])).content.decode()
    assert "<svg" in page  # the drawn preview
    assert_inert(page)
    assert shown(page)


def test_recording_file_names_and_vendor_details_are_text(planted) -> None:
    tenants, _account, app = planted
    channel = Channel.objects.create(app=app, channel_id=f"room{PAYLOAD}")
    recording = Recording.objects.create(channel=channel, recording_id=f"rec{PAYLOAD}", detail=PAYLOAD)
    RecordingFile.objects.create(recording=recording, name=f"{PAYLOAD}.mp4", url=f"https://cdn/{PAYLOAD}")
    file = RecordingFile.objects.create(
        recording=recording, name="x.svg", media_type="image/svg+xml", content=b"<svg/>"
    )
    admin = logged_in(tenants.acme_admin)
    for url in (
        reverse("recordings:recording_list", args=["acme"]),
        reverse("recordings:recording_detail", args=["acme", recording.pk]),
    ):
        page = admin.get(url).content.decode()
        assert_inert(page)
        assert shown(page)
    # A vendor's SVG (it may carry script) is downloaded, never opened in the console's origin.
    served = admin.get(reverse("recordings:recording_file", args=["acme", recording.pk, file.pk]))
    assert served["Content-Disposition"].startswith("attachment")


def test_the_usage_export_names_its_file_without_the_vendor_markup(planted) -> None:
    tenants, account, app = planted
    admin = logged_in(tenants.acme_admin)
    url = reverse("usage:app_usage", args=["acme", account.pk, app.pk])
    for kind in ("csv", "xlsx"):
        response = admin.get(url, {"export": kind})
        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        assert "<" not in disposition and disposition.count('"') == 2


def test_figures_leave_the_server_only_through_the_escaping_serialiser() -> None:
    """New charts are safe by default: no module but dashboard/core/figures.py serialises a figure."""
    root = Path(__file__).resolve().parents[3] / "dashboard"
    direct = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "figures.py" and re.search(r"^\s*(import plotly|from plotly)", path.read_text(), re.M)
    ]
    assert direct == []


# --- spreadsheet formulas --------------------------------------------------------------------

VENDOR_ROW = [
    FORMULA,
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
    -5,
    -2.5,
    "room-1",
    "http://evil.example/",
]


@pytest.fixture
def vendor_rows(db: None, monkeypatch: pytest.MonkeyPatch) -> Report:
    """A report whose table holds vendor text (no column carries any yet: the writers must not care)."""
    monkeypatch.setattr(export, "table", lambda report: iter([["header"], VENDOR_ROW]))
    return reports.build(reports.parse(QueryDict()), RtcApp.objects.none())


def test_csv_cells_from_the_vendor_cannot_start_a_formula(vendor_rows) -> None:
    content = export.as_csv(vendor_rows, "x").content.decode("utf-8-sig")
    (_header, row) = list(csv.reader(io.StringIO(content)))
    assert row[:6] == ["'" + cell for cell in VENDOR_ROW[:6]]
    assert row[6:] == [
        "-5",
        "-2.5",
        "room-1",
        "http://evil.example/",
    ]  # numbers stay numbers, plain text stays as it is


def test_xlsx_cells_from_the_vendor_are_strings_not_formulas_or_links(vendor_rows) -> None:
    workbook = zipfile.ZipFile(io.BytesIO(export.as_xlsx(vendor_rows, "x").content))
    sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    shared = html.unescape(workbook.read("xl/sharedStrings.xml").decode())
    assert "<f>" not in sheet and "<hyperlink" not in sheet
    assert FORMULA in shared  # kept as the vendor wrote it, as a string cell
    assert "<v>-5</v>" in sheet and "<v>-2.5</v>" in sheet  # numbers stay numbers


# --- in a browser ------------------------------------------------------------------------------


@BROWSER[0]
@BROWSER[1]
def test_a_planted_link_in_a_chart_label_is_drawn_as_text(transactional_db, browser_page, planted_sim) -> None:
    from playwright.sync_api import expect

    world, base_url = planted_sim
    page = browser_page
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    make_user("sam", roles={acme: Role.VIEWER})
    account = planted_account(acme, base_url)
    spec = world.apps("aliyun")[0]
    app = RtcApp.objects.create(vendor_account=account, app_id=spec.app_id, name=spec.name)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto("/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    page.goto(f"/t/acme/apps/{app.pk}/history/channel/?day={yesterday}&channel={spec.channels[1].channel_id}")
    chart = page.locator('[data-chart="chart-users"]')
    expect(chart).to_have_attribute("data-drawn", "true")
    # The user ids are the axis labels: drawn as the vendor's text, with no link in the plot.
    expect(chart.locator(".ytick").first).to_contain_text('<a href="javascript:alert(1)">x</a>')
    assert chart.locator("a").count() == 0
    assert chart.locator("img").count() == 0
    chart.locator(".ytick").first.click(force=True)
    assert dialogs == []
