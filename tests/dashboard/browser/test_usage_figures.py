"""In a real browser: usage figures a reader can trust (issue 15).

90 days by the hour page through every row and the CSV holds as many; "last 24 hours" is 24
complete hours in two zones; the running period is marked; a uprtc app shows the console's
observed usage, labelled; last month's statement downloads and its total is the page's; staff
see the same minutes over a range of hours on the overview as in the tenant's and the app's reports.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from dashboard.billing.models import PriceBook
from dashboard.credentials.models import VendorAccount
from dashboard.people.models import Preferences
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role, Tenant
from dashboard.usage import rollups
from dashboard.usage.models import UsageSample
from dashboard.usage.observe import observe
from tests.dashboard.conftest import BROWSER, PASSWORD, make_user
from tests.dashboard.usage.polls import plant_day

pytestmark = BROWSER
DAYS = 91


def _seed(app: RtcApp, now: datetime) -> None:
    """Hours and days up to the running hour and day (which are partial), a few audio minutes each."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    rows = [
        UsageSample(app=app, metric="duration", interval=3600, timestamp=hour - timedelta(hours=n), value=3, audio=3)
        for n in range(DAYS * 24)
    ]
    midnight = hour.replace(hour=0)
    rows += [
        UsageSample(
            app=app, metric="duration", interval=86400, timestamp=midnight - timedelta(days=n), value=77, audio=77
        )
        for n in range(DAYS)
    ]
    UsageSample.objects.bulk_create(rows)
    rollups.rebuild()  # written here, not by the sync, which keeps them


def _log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_reader_can_trust_the_usage_figures(transactional_db, browser_page, settings) -> None:
    from playwright.sync_api import expect

    settings.LIVE_POLL_SECONDS = 30
    page = browser_page
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    reader = make_user("rita", roles={acme: Role.VIEWER})
    Preferences.objects.create(user=reader, time_zone="Asia/Kolkata", language="en")
    account = VendorAccount(tenant=acme, vendor="aliyun", label="Production")
    account.set_credentials({"access_key_id": "LTAI5tBrowserKey", "access_key_secret": "browser-secret-0123456789"})
    account.save()
    app = RtcApp.objects.create(vendor_account=account, app_id="app-1", name="Town hall")
    now = datetime.now(UTC)
    _seed(app, now)
    _log_in(page, "rita")
    base = f"/t/acme/accounts/{account.pk}/apps/{app.pk}/usage/"

    # 90 days by the hour: every row is reachable page by page, and the CSV holds as many.
    page.goto(base + "?range=90d&granularity=hour")
    caption = page.locator("#table-rows")
    total = int(re.search(r"of ([\d,]+)\.", caption.inner_text()).group(1).replace(",", ""))
    assert total > 2000
    seen = page.locator("#usage-table tbody tr").count()
    while page.locator('#table-pages a[rel="next"]').count():
        before = caption.inner_text()
        page.locator('#table-pages a[rel="next"]').click()
        expect(caption).not_to_have_text(before, timeout=30_000)
        seen += page.locator("#usage-table tbody tr").count()
    assert seen == total
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    table = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(table) - 2 == total  # header and totals row

    # "Last 24 hours": 24 complete hours, in Kolkata (on the half hour) and in UTC.
    for zone, minute in (("Asia/Kolkata", ":30"), ("UTC", ":00")):
        Preferences.objects.filter(user=reader).update(time_zone=zone)
        page.goto(base + "?range=24h")
        labels = page.locator("#usage-table tbody tr td:first-child").all_inner_texts()
        assert len(labels) == 24, (zone, labels)
        assert all(label.endswith(minute) for label in labels), (zone, labels)  # none "(partial)"
        expect(page.locator("#range-heading")).to_contain_text(f"({zone})")

    # The running hour is marked as such, not read as a drop. (Seeded again if the clock passed an
    # hour, or midnight, since _seed: "today" is then a day the first seeding did not reach.)
    running = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    UsageSample.objects.get_or_create(
        app=app, metric="duration", interval=3600, timestamp=running, defaults={"value": 3, "audio": 3}
    )
    page.goto(base + "?range=today")
    expect(page.locator("#usage-table tbody")).to_contain_text("(partial)")

    # A uprtc app: the console's observed usage, labelled as observed.
    uprtc = VendorAccount(tenant=acme, vendor="uprtc", label="Rooms")
    uprtc.set_credentials({"app_secret": "a-secret-of-enough-length"})
    uprtc.save()
    rooms = RtcApp.objects.create(vendor_account=uprtc, app_id="project-1", name="Rooms app")
    day = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
    plant_day(rooms, day)
    observe(rooms, day, day + timedelta(days=1))
    page.goto("/t/acme/usage/")
    expect(page.locator("#f-app")).to_contain_text("Rooms app · Rooms (observed only: the vendor has no usage API)")
    page.goto(f"/t/acme/accounts/{uprtc.pk}/apps/{rooms.pk}/usage/")
    expect(page.locator("#observed-title")).to_have_text("Observed by the console (sampled every 30 s)")
    expect(page.locator('[data-observed="duration"]')).to_have_text("210 min")

    # Last month's statement: the XLSX's total is the page's.
    PriceBook.objects.create(
        vendor_account=account, currency="USD", valid_from=date(2000, 1, 1), audio=Decimal("0.0041")
    )
    page.goto("/t/acme/statement/")
    shown = page.locator('[data-total="statement"]').inner_text()
    with page.expect_download() as download:
        page.locator("#statement-xlsx").click()
    sheet = zipfile.ZipFile(download.value.path()).read("xl/worksheets/sheet1.xml").decode()
    downloaded = Decimal(re.findall(r'<c r="K\d+"(?: s="\d+")?><v>([^<]+)</v>', sheet)[-1])
    assert Decimal(shown.replace("$", "").replace(",", "")) == downloaded > 0


def test_staff_see_the_same_hourly_minutes_on_the_overview_as_in_the_tenants_reports(
    transactional_db, browser_page
) -> None:
    """The staff overview over a range of hours (its reads name every app on SQLite, which has no
    index by time alone) shows the minutes the tenant's and the app's own reports show, and the
    samples hold."""
    from playwright.sync_api import expect

    page = browser_page
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    staff = make_user("sam", staff=True)
    Preferences.objects.create(user=staff, time_zone="UTC", language="en")
    account = VendorAccount(tenant=acme, vendor="aliyun", label="Production")
    account.set_credentials({"access_key_id": "LTAI5tBrowserKey", "access_key_secret": "browser-secret-0123456789"})
    account.save()
    app = RtcApp.objects.create(vendor_account=account, app_id="app-1", name="Town hall")
    quiet = RtcApp.objects.create(vendor_account=account, app_id="app-2", name="Quiet room")
    now = datetime.now(UTC)
    _seed(app, now)
    UsageSample.objects.create(
        app=quiet,
        metric="duration",
        interval=3600,
        timestamp=now.replace(minute=0, second=0, microsecond=0),
        value=1,
        audio=1,
    )
    rollups.rebuild()  # the quiet app's hour too: written here, not by the sync, which keeps them
    _log_in(page, "sam")
    today = now.date()
    query = f"?range=custom&from={today - timedelta(days=2)}&to={today}"  # three days: by the hour
    page.goto("/usage/" + query)
    heading = page.locator("#ranking p").first.inner_text()
    first, last = (date.fromisoformat(found) for found in re.findall(r"\d{4}-\d\d-\d\d", heading))
    assert (first, last) == (today - timedelta(days=2), today) and "· Hour ·" in heading, heading
    start = datetime.combine(first, datetime.min.time(), UTC)  # the staff member's zone is UTC
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)
    held = sum(
        UsageSample.objects.filter(
            app=app, metric="duration", interval=3600, timestamp__gte=start, timestamp__lt=end
        ).values_list("value", flat=True)
    )
    assert held > 0

    def number(text: str) -> int:
        return int(text.replace(",", "").replace("min", "").strip())

    rows = page.locator("#app-ranking tbody tr")
    expect(rows.first).to_contain_text("Town hall")  # the busier app first
    on_overview = number(rows.first.locator("td").nth(2).inner_text())
    tenant_on_overview = number(
        page.locator('#tenant-ranking tr[data-tenant="acme"] [data-figure="duration"]').inner_text()
    )
    with page.expect_response(re.compile(r"/usage/\?.*order=peak_users")) as reranked:
        page.locator("#o-order").select_option("peak_users")  # re-ranked in place (htmx), the figures the same
    assert reranked.value.ok and reranked.value.request.headers.get("hx-request") == "true"
    expect(page).to_have_url(re.compile(r"order=peak_users"))
    expect(page.locator("#app-ranking tbody tr", has_text="Town hall").locator("td").nth(2)).to_have_text(
        f"{on_overview:,}"
    )

    page.goto(f"/t/acme/accounts/{account.pk}/apps/{app.pk}/usage/" + query)
    in_app_report = number(page.locator('[data-total="duration"]').inner_text())
    page.goto("/t/acme/usage/" + query)
    in_tenant_report = number(page.locator('[data-total="duration"]').inner_text())
    assert on_overview == in_app_report == held
    assert tenant_on_overview == in_tenant_report == held + 1  # the quiet app's one minute
