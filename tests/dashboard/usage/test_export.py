"""The report table's body as the page shows it (the CSV/XLSX writers are tested with the
vendor-markup suite, tests/dashboard/site/test_vendor_markup.py)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from dashboard.usage.export import rows_html
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.usage.conftest import END, custom


def test_number_cells_are_right_aligned_and_values_escaped() -> None:
    body = rows_html([["2026-11-30", 1200, None], ["<b>x</b>", 5, 7]])
    assert body.count('<td class="text-end">') == 4  # every cell but the first of a row
    assert "&quot;" not in body  # the class is markup, not an escaped value
    assert "<b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body
    assert body.startswith("<tr><td>2026-11-30</td>")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_numbers_carry_thousands_separators_in_english_and_chinese(language: str) -> None:
    with translation.override(language):
        body = rows_html([["2026-11-30", 1234567, 1200, 7]])
    assert "<td>2026-11-30</td>" in body
    assert '<td class="text-end">1,234,567</td><td class="text-end">1,200</td><td class="text-end">7</td>' in body


def test_text_columns_are_not_right_aligned() -> None:
    body = rows_html([["2026-11-30", 3, "2026-11-30 10:00"]], [False, True, False])
    assert body == '<tr><td>2026-11-30</td><td class="text-end">3</td><td>2026-11-30 10:00</td></tr>'


def _headers(page: str) -> list[tuple[bool, str]]:
    head = page[page.index('id="usage-table"') :]
    head = head[head.index("<thead>") : head.index("</thead>")]
    return [
        (cls is not None and "text-end" in cls, text)
        for cls, text in re.findall(r"<th scope=\"col\"( class=\"[^\"]*\")?>([^<]*)", head)
    ]


def _first_row(page: str) -> list[bool]:
    body = page[page.index("<tbody>") :]
    row = body[: body.index("</tr>")]
    return ['class="text-end"' in cell for cell in re.findall(r"<td[^>]*>", row)]


def test_headers_carry_units_and_align_with_their_cells(usage: World2) -> None:
    client = logged_in(usage.acme_viewer)
    url = reverse("usage:app_usage", args=["acme", usage.acme_account.pk, usage.app_a.pk])
    page = client.get(url, custom(END - timedelta(days=3), END - timedelta(days=1), granularity="day")).content.decode()
    headers = _headers(page)
    assert [aligned for aligned, _ in headers] == _first_row(page)
    assert [label for _, label in headers][-2:] == ["Peak concurrent channels", "Peak channels at"]
    head = page[page.index("<thead>") : page.index("</thead>")]
    for unit in ("min", "users", "channels", "UTC"):
        assert f'text-body-secondary">{unit}</div>' in head
    assert 'id="no-peak-times"' not in page


def test_several_apps_hide_the_peak_time_columns_and_say_why(usage: World2) -> None:
    client = logged_in(usage.acme_viewer)
    url = reverse("usage:tenant_usage", args=["acme"])
    query = custom(END - timedelta(days=3), END - timedelta(days=1), granularity="day")
    page = client.get(url, query).content.decode()
    headers = [label for _, label in _headers(page)]
    assert "Peak users at" not in headers and "Peak channels at" not in headers
    assert [aligned for aligned, _ in _headers(page)] == _first_row(page)
    assert "across several apps a peak has no single time" in page
    rows = list(csv.reader(io.StringIO(client.get(url, query | {"export": "csv"}).content.decode("utf-8-sig"))))
    assert "Peak users at" not in rows[0] and {len(row) for row in rows} == {len(headers)}
