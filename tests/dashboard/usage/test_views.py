"""The report pages: the table pages through the whole range, and nothing is cut unsaid."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from django.urls import reverse

from dashboard.usage.views import TABLE_ROWS
from tests.dashboard.conftest import HTMX, World2, logged_in
from tests.dashboard.usage.conftest import DAYS, END, custom


def _first_cells(page: str) -> list[str]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return re.findall(r"<tr><td>([^<]*)</td>", body)


def test_hours_of_a_long_range_are_paged_and_every_row_is_reachable(usage: World2) -> None:
    client = logged_in(usage.acme_viewer)
    url = reverse("usage:app_usage", args=["acme", usage.acme_account.pk, usage.app_a.pk])
    query = custom(END - timedelta(days=DAYS), END - timedelta(days=1), granularity="hour")
    hours = DAYS * 24
    assert hours > 3 * TABLE_ROWS
    exported = list(csv.reader(io.StringIO(client.get(url, query | {"export": "csv"}).content.decode("utf-8-sig"))))
    assert len(exported) - 2 == hours  # the download holds every row, whatever the page

    first = client.get(url, query).content.decode()
    assert f"Rows 1\u2013{TABLE_ROWS} of {hours}." in first
    assert "The downloads hold every row." in first
    # The page links keep every filter, so a shared address shows the same page.
    assert 'href="?range=custom&amp;from=' in first and "granularity=hour" in first and "page=2" in first

    shown: list[str] = []
    page_number = 1
    while True:
        fragment = client.get(url, query | {"page": str(page_number)}, headers=HTMX).content.decode()
        shown += _first_cells(fragment)
        if 'rel="next"' not in fragment:
            break
        page_number += 1
    assert page_number == -(-hours // TABLE_ROWS)
    assert shown == [row[0] for row in exported[1:-1]]
    last = client.get(url, query | {"page": "9999"}).content.decode()  # past the end: the last page
    assert f"of {hours}." in last


def test_a_short_range_is_one_page_and_says_how_many_rows(usage: World2) -> None:
    client = logged_in(usage.acme_viewer)
    url = reverse("usage:tenant_usage", args=["acme"])
    page = client.get(url, custom(END - timedelta(days=10), END - timedelta(days=1), granularity="day"))
    text = page.content.decode()
    assert "Rows 1\u201310 of 10." in text and "The downloads hold every row." not in text
    assert len(_first_cells(text)) == 10 and 'rel="next"' not in text


def _cells(page: str, table_id: str, name: str) -> list[str]:
    table = page[page.index(f'id="{table_id}"') :]
    row = table[table.index(f">{name}</a>") :]
    row = row[: row.index("</tr>")]
    return re.findall(r'<td class="text-end"[^>]*>(?:<span[^>]*>)?([^<]*)', row)


def test_the_tenant_page_and_the_staff_overview_give_the_same_figures(usage: World2) -> None:
    """Several apps: on both, a peak is the busiest day's sum of the apps' peaks (an upper bound)."""
    overview = logged_in(usage.staff).get(reverse("staff:usage_overview"), {"range": "30d"}).content.decode()
    minutes, _trend, peak_users, peak_channels, _cost, _apps = _cells(overview, "tenant-ranking", "Acme Rooms")
    assert "an upper bound of the combined peak" in overview
    ranking = overview[overview.index('id="tenant-ranking"') :]
    link = re.search(r'href="([^"]*)">Acme Rooms</a>', ranking)
    assert link is not None
    page = logged_in(usage.acme_viewer).get(link.group(1).replace("&amp;", "&")).content.decode()
    cards = re.findall(r'<div class="fs-4"[^>]*>([^<]*)</div>', page)
    assert cards[0] == f"{minutes} min"
    assert cards[3:5] == [peak_users, peak_channels]
    # Alpha's and Beta's peaks on the busiest day, added up (not the higher app's alone).
    assert int(peak_users.replace(",", "")) == (20 + DAYS - 1) + (40 + DAYS - 1)
    assert int(peak_channels) == 5 + 10
    _, _, app_peak, _ = _cells(overview, "app-ranking", "Beta")
    assert int(app_peak) == 40 + DAYS - 1  # one app: its own peak
