"""Query strings and times as the simulators read them, without re-doing constant work."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from email.utils import formatdate
from urllib.parse import unquote


def parse_query(query: str) -> list[tuple[str, str]]:
    """`urllib.parse.parse_qsl(query, keep_blank_values=True)`, field for field.

    parse_qsl unquotes every name and value in Python; a signed query has a dozen fields and
    escapes in two or three, so the rest are taken as they are (unquote would return them
    unchanged: they hold neither "%" nor "+")."""
    pairs = []
    for field in query.split("&") if query else ():
        if not field:
            continue
        name, _, value = field.partition("=")
        if "%" in name or "+" in name:
            name = unquote(name.replace("+", " "))
        if "%" in value or "+" in value:
            value = unquote(value.replace("+", " "))
        pairs.append((name, value))
    return pairs


@functools.lru_cache(maxsize=1024)
def parse_utc(value: str, layout: str) -> datetime | None:
    """`datetime.strptime(value, layout)` as UTC, or None where strptime refuses it.

    Cached: a busy client stamps a thousand requests with the same second."""
    try:
        return datetime.strptime(value, layout).replace(tzinfo=UTC)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    return formatdate(second, usegmt=True)


def http_date(now: float) -> str:
    """An HTTP Date header for `now` (seconds since the epoch), formatted once per second."""
    return _http_date(int(now))
