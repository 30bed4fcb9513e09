"""In a real browser (Debian's chromium through Playwright): the everyday path of a tenant admin.

Log in, switch tenant, add a vendor account, test its connection, see the audit entry, log out.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from dashboard.tenancy.models import Role, Tenant
from tests.dashboard.conftest import BROWSER, CANARY_KEY_ID, CANARY_SECRET, PASSWORD, allow_endpoint, make_user

pytestmark = BROWSER


def test_tenant_admin_adds_and_tests_a_vendor_account(transactional_db, browser_page, aliyun_sim) -> None:
    from playwright.sync_api import expect

    page = browser_page
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    harbor = Tenant.objects.create(name="Blue Harbor", slug="harbor")
    make_user("dana", roles={acme: Role.ADMIN, harbor: Role.ADMIN})
    simulator_url = allow_endpoint("aliyun", aliyun_sim.base_url)  # staff allowed it, as the demo does

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()

    # switch tenant from the header
    page.locator("#tenant-switcher").click()
    page.locator(".dropdown-menu").get_by_role("link", name="Blue Harbor").click()
    expect(page.locator("#tenant-switcher")).to_contain_text("Blue Harbor")
    expect(page.get_by_text("This tenant has no vendor accounts yet.")).to_be_visible()

    # add a vendor account
    page.get_by_role("link", name="Add vendor account").first.click()
    page.get_by_role("link", name="Add Alibaba Cloud RTC account").click()
    page.get_by_label("Label").fill("Harbor production")
    page.get_by_label("AccessKey ID").fill(CANARY_KEY_ID)
    page.get_by_label("AccessKey secret").fill(CANARY_SECRET)
    page.get_by_label("Endpoint").select_option(simulator_url)
    page.get_by_role("button", name="Add account").click()
    expect(page.get_by_role("heading", name="Harbor production")).to_be_visible()
    expect(page.locator(".toast")).to_contain_text("Vendor account “Harbor production” added")

    # test its connection (htmx, in place)
    url_before = page.url
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#check-result")
    expect(result).to_contain_text("Connected")
    request_id = result.locator(".mono").inner_text()
    assert re.fullmatch(r"[0-9A-F-]{36}", request_id), request_id
    assert page.url == url_before  # no navigation: htmx swapped the part

    # the edit form shows only the last four characters of the secret
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_text(f"Set, ending in …{CANARY_SECRET[-4:]}")).to_be_visible()
    assert page.get_by_label("AccessKey secret").input_value() == ""
    page.get_by_role("link", name="Cancel").click()

    # the audit log has both actions, with the vendor's request id
    page.get_by_role("link", name="Audit log").click()
    rows = page.locator("#entries tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Connection tested")
    expect(rows.nth(0)).to_contain_text(request_id)
    expect(rows.nth(0)).to_contain_text("dana")
    expect(rows.nth(1)).to_contain_text("Vendor account added")

    # log out from the user menu
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    page.goto("/t/harbor/accounts/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))


def test_report_reader_changes_range_and_granularity_and_downloads_the_csv(
    transactional_db, browser_page, aliyun_sim
) -> None:
    import csv
    import io
    from datetime import UTC, datetime, timedelta

    from playwright.sync_api import expect

    from dashboard.credentials.models import VendorAccount
    from dashboard.rtc.models import RtcApp
    from dashboard.usage import rollups
    from dashboard.usage.models import UsageSample

    page = browser_page
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    make_user("rita", roles={acme: Role.VIEWER})
    account = VendorAccount(tenant=acme, vendor="aliyun", label="Production")
    account.set_credentials({"access_key_id": CANARY_KEY_ID, "access_key_secret": CANARY_SECRET})
    account.save()
    app = RtcApp.objects.create(vendor_account=account, app_id="app-1", name="Town hall")
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for day in range(120):
        start = midnight - timedelta(days=120 - day)
        rows.append(
            UsageSample(app=app, metric="duration", interval=86400, timestamp=start, value=100 + day, audio=100 + day)
        )
        rows.append(
            UsageSample(
                app=app,
                metric="peak_users",
                interval=86400,
                timestamp=start,
                value=day,
                peak_time=start + timedelta(hours=9),
            )
        )
    UsageSample.objects.bulk_create(rows)
    rollups.rebuild()  # written here, not by the sync, which keeps them

    page.goto("/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Usage", exact=True).click()
    expect(page.get_by_role("heading", name="Usage of Acme Rooms")).to_be_visible()
    chart = page.locator('[data-chart="chart-duration"]')
    expect(chart).to_have_attribute("data-drawn", "true")
    bars = chart.locator("g.trace.bars").first.locator("g.point")  # the audio tier's bars
    expect(bars).to_have_count(29)  # the last 30 days, daily; today has no data yet

    page.get_by_label("Range").select_option("90d")
    expect(bars).to_have_count(89)
    assert "range=90d" in page.url  # the filters are in the address, ready to share
    page.get_by_label("Granularity").select_option("week")
    expect(page.locator("#report")).to_contain_text("Week")
    # The chart is redrawn after the swap: wait for the weekly bars, not just for the daily ones to go.
    deadline = time.monotonic() + 15
    while not 13 <= (weeks := bars.count()) <= 15 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert 13 <= weeks <= 15, weeks

    with page.expect_download() as download_info:
        page.locator("#export-csv").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert len(table) - 2 == weeks
    shown = page.locator('[data-total="duration"]').inner_text()
    # The range is the last 90 days (today and 89 before); the first week may start before it
    # and then holds only the range's days, so the database is summed from the range's start.
    range_start = midnight - timedelta(days=89)
    assert start_of(table[1][0]) <= range_start < start_of(table[1][0]) + timedelta(days=7)
    stored = sum(
        UsageSample.objects.filter(app=app, metric="duration", timestamp__gte=range_start).values_list(
            "value", flat=True
        )
    )
    assert int(table[-1][1]) == stored == int(shown.split()[0].replace(",", ""))


def start_of(label: str):
    from datetime import UTC, datetime

    return datetime.strptime(label.split()[0], "%Y-%m-%d").replace(tzinfo=UTC)
