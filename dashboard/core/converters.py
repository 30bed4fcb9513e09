"""Path converters: ids in URLs as the database can hold them."""

from __future__ import annotations

from .params import MAX_ID


class IdConverter:
    """`<id:name>`: ASCII digits up to the largest bigint. Django's `<int:>` passes any length on,
    and a lookup past the database's range raises instead of finding nothing; here it is a 404."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("past the largest id")  # Django answers: no such URL
        return number

    def to_url(self, value: int) -> str:
        return str(value)
