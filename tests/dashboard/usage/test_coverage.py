"""Coverage in plain view: where the data starts, "no data" (never zero) outside it, and a
stopped or late sync said on the report itself."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from dashboard.usage import coverage, rollups
from dashboard.usage.models import SyncCursor, UsageSample
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.usage.conftest import DAYS, END, custom

FIRST = END - timedelta(days=DAYS)


def _url(w: World2) -> str:
    return reverse("usage:app_usage", args=["acme", w.acme_account.pk, w.app_a.pk])


def test_days_before_the_first_stored_one_are_no_data_not_zero(usage: World2) -> None:
    client = logged_in(usage.acme_viewer)
    query = custom(FIRST - timedelta(days=3), FIRST + timedelta(days=1), granularity="day")
    page = client.get(_url(usage), query).content.decode()
    assert f"Data from {FIRST:%Y-%m-%d} (UTC)." in page
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    before = (FIRST - timedelta(days=1)).strftime("%Y-%m-%d")
    row = body[body.index(f"<td>{before}</td>") :]
    row = row[: row.index("</tr>")]
    assert '<td class="text-end">—</td>' in row and ">0<" not in row
    assert "no data (3 periods before the first sync" in page
    assert "Rows 1\u20135 of 5." in page

    exported = list(
        csv.reader(io.StringIO(client.get(_url(usage), query | {"export": "csv"}).content.decode("utf-8-sig")))
    )
    assert len(exported) == 1 + 5 + 1
    assert exported[1][0] == f"{FIRST - timedelta(days=3):%Y-%m-%d}" and set(exported[1][1:]) == {""}
    assert exported[4][1] not in ("", "0")  # the first stored day has its minutes

    xlsx = client.get(_url(usage), query | {"export": "xlsx"}).content
    sheet = zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/worksheets/sheet1.xml").decode()
    second = re.search(r'<row r="2"[^>]*>(.*?)</row>', sheet)
    assert second and re.findall(r'<c r="([A-Z]+)2"', second.group(1)) == ["A"]  # the label only: empty cells
    fifth = re.search(r'<row r="5"[^>]*>(.*?)</row>', sheet)
    assert fifth and len(re.findall(r"<c ", fifth.group(1))) > 1


def test_a_stored_range_has_no_no_data_legend(usage: World2) -> None:
    page = logged_in(usage.acme_viewer).get(_url(usage), custom(FIRST, FIRST + timedelta(days=2))).content.decode()
    assert "no-data-legend" not in page and "—</td>" not in page


def test_days_not_synced_yet_are_no_data_and_synced_empty_days_are_zero(usage: World2) -> None:
    client = logged_in(usage.acme_viewer)
    query = custom(END - timedelta(days=2), END, granularity="day")  # today has nothing stored
    assert "no data (1 period " in client.get(_url(usage), query).content.decode()
    SyncCursor.objects.create(app=usage.app_a, metric="duration", interval=86400, synced_until=END + timedelta(days=1))
    page = client.get(_url(usage), query).content.decode()  # the vendor was asked and had nothing: a zero
    assert "no-data-legend" not in page and f"<tr><td>{END:%Y-%m-%d} (partial)</td>" in page


def test_a_stopped_account_and_a_stopped_app_say_so_with_a_link(usage: World2) -> None:
    VendorAccount.objects.filter(pk=usage.acme_account.pk).update(sync_blocked=True, sync_error="Key revoked")
    RtcApp.objects.filter(pk=usage.app_h.pk).update(sync_blocked=True, sync_error="App removed")
    client = logged_in(usage.acme_viewer)
    page = client.get(reverse("usage:tenant_usage", args=["acme"])).content.decode()
    assert f"The usage sync of “{usage.acme_account.label}” is stopped" in page and "Key revoked" in page
    assert reverse("rtc:account_detail", args=["acme", usage.acme_account.pk]) in page
    assert "App removed" not in page  # another tenant's app
    harbor = logged_in(usage.harbor_admin).get(reverse("usage:tenant_usage", args=["harbor"])).content.decode()
    assert "The usage sync of app “Harbor app”" in harbor and "App removed" in harbor
    assert "Key revoked" not in harbor


def test_a_sync_far_behind_says_so_and_a_current_one_is_quiet(usage: World2) -> None:
    client = logged_in(usage.acme_viewer)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    cursor = SyncCursor.objects.create(
        app=usage.app_a, metric="duration", interval=3600, synced_until=now - timedelta(hours=1)
    )
    assert 'data-sync-problem="behind"' not in client.get(_url(usage)).content.decode()
    cursor.synced_until = now - timedelta(hours=10)
    cursor.save()
    page = client.get(_url(usage)).content.decode()
    assert 'data-sync-problem="behind"' in page and "behind: its latest hours are not in yet" in page


def test_whole_accounts_span_their_stored_days_as_their_apps_series_do(usage: World2) -> None:
    """The account-day roll-ups give a tenant's report the same first and last stored day as
    its apps' own series, also when one app's series starts later and another's stops earlier."""
    apps = list(RtcApp.objects.filter(vendor_account=usage.acme_account))  # an app without samples too
    first_app, last_app = usage.app_a, usage.app_b
    UsageSample.objects.filter(app=first_app, interval=86400, timestamp__lt=FIRST + timedelta(days=5)).delete()
    UsageSample.objects.filter(app=last_app, interval=86400, timestamp__gte=END - timedelta(days=2)).delete()
    rollups.rebuild()
    pks = [app.pk for app in apps]
    assert coverage.days_stored([usage.acme_account.pk]) == coverage.stored_span(pks, 86400)
    UsageSample.objects.filter(app__in=pks, interval=86400, timestamp__lt=FIRST + timedelta(days=7)).delete()
    rollups.rebuild()
    span = coverage.days_stored([usage.acme_account.pk])
    assert span == coverage.stored_span(pks, 86400) and span["first"] == FIRST + timedelta(days=7)
    assert coverage.days_stored([]) == {"first": None, "last": None}
