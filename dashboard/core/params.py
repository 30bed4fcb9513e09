"""Ids, numbers, dates and text from a request's query string, parsed once for every view.

Anything that is not what the view asked for reads as absent (None, [] or the default), so a
view shows its unfiltered page or says what it ignored; nothing here raises. Numbers are ASCII
digits only: str.isdigit() also accepts "²" (and Arabic-Indic digits), and int("²") raises. Ids stop at the
largest the databases hold (a bigint): past it, SQLite raises OverflowError and PostgreSQL a
DataError. Dates stop at years a report can reach, so that adding a day never overflows.
"""

from __future__ import annotations

import re
from datetime import date
from typing import overload

from django.http import QueryDict

MAX_ID = 2**63 - 1
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
TEXT_LENGTH = 128
MAX_VALUES = 100  # of one multi-valued filter (?app=1&app=2...)

_DIGITS = re.compile(r"[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_int(text: str | None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """The number `text` spells in ASCII digits, if within [minimum, maximum]; else None."""
    digits = (text or "").strip()
    if not _DIGITS.fullmatch(digits):
        return None
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):  # before int(): 5000 digits cost time, and raise past 4300
        return None
    value = int(digits)
    return value if minimum <= value <= maximum else None


@overload
def int_param(query: QueryDict, name: str, default: int, *, minimum: int = 1, maximum: int = MAX_ID) -> int: ...


@overload
def int_param(
    query: QueryDict, name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID
) -> int | None: ...


def int_param(
    query: QueryDict, name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """`?name=` as a number in range (an id by default: 1 up to a bigint), or `default`."""
    value = parse_int(query.get(name), minimum=minimum, maximum=maximum)
    return default if value is None else value


def int_list(query: QueryDict, name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> list[int]:
    """Every `?name=` that is a number in range, once each, in order; the others are dropped."""
    values: list[int] = []
    for text in query.getlist(name)[:MAX_VALUES]:
        value = parse_int(text, minimum=minimum, maximum=maximum)
        if value is not None and value not in values:
            values.append(value)
    return values


def parse_date(text: str | None, *, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE) -> date | None:
    """A YYYY-MM-DD date between `earliest` and `latest`; else None."""
    if text is None or not _DATE.fullmatch(text.strip()):
        return None
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:  # 2024-02-30, 0000-00-00
        return None
    return value if earliest <= value <= latest else None


def date_param(
    query: QueryDict, name: str, *, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE
) -> date | None:
    return parse_date(query.get(name), earliest=earliest, latest=latest)


def clean_text(text: str, *, max_length: int = TEXT_LENGTH) -> str:
    """A search or id text: control characters (NUL, which PostgreSQL refuses in text,
    included) removed, trimmed, cut to `max_length`."""
    return _CONTROL.sub("", text)[: max_length * 2].strip()[:max_length]


def text_param(query: QueryDict, name: str, *, max_length: int = TEXT_LENGTH) -> str:
    """`?name=` as a search or id text (see clean_text)."""
    return clean_text(query.get(name, ""), max_length=max_length)
