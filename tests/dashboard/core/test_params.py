"""dashboard/core/params.py: query values parsed once, in range, never a 500."""

from __future__ import annotations

from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from dashboard.core.params import MAX_ID, int_list, parse_date, parse_int
from tests.dashboard.site.test_query_params import HOSTILE


@given(text=st.one_of(st.text(), st.sampled_from(HOSTILE), st.integers().map(str)))
def test_parse_int_takes_ascii_digits_in_range_and_nothing_else(text: str) -> None:
    value = parse_int(text)
    digits = text.strip()
    ascii_number = digits.isascii() and digits.isdigit() and len(digits.lstrip("0")) < 30
    if ascii_number and 1 <= int(digits) <= MAX_ID:
        assert value == int(digits)
    else:
        assert value is None


def test_parsers_refuse_what_python_and_the_database_would_choke_on() -> None:
    for text in ("²", "\u0661", "\uff11", str(2**63), "9" * 5000, "-1", "0", "1e9", "", None, "1\x00"):
        assert parse_int(text) is None, text
    assert parse_int("0", minimum=0) == 0
    assert parse_int(" 42 ") == 42
    assert int_list(QueryDict("app=3&app=²&app=3&app=-1&app=99999999999999999999&app=4"), "app") == [3, 4]
    for text in ("99999-01-01", "0000-00-00", "0001-01-01", "9999-12-31", "2024-02-30", "20240101", "2024-W01-1"):
        assert parse_date(text) is None, text
    assert parse_date("2024-02-29") is not None
