"""The report table's body as the page shows it (the CSV/XLSX writers are tested with the
vendor-markup suite, tests/dashboard/site/test_vendor_markup.py)."""

from __future__ import annotations

from dashboard.usage.export import rows_html


def test_number_cells_are_right_aligned_and_values_escaped() -> None:
    body = rows_html([["2026-11-30", 1200, None], ["<b>x</b>", 5, 7]])
    assert body.count('<td class="text-end">') == 4  # every cell but the first of a row
    assert "&quot;" not in body  # the class is markup, not an escaped value
    assert "<b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body
    assert body.startswith("<tr><td>2026-11-30</td>")
