"""A list cut to its first rows that says so: "the latest 20 of 57" (templates/partials/shown_of.html)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")


@dataclass
class Cut(Generic[T]):
    items: list[T]
    total: int

    @property
    def shown(self) -> int:
        return len(self.items)

    @property
    def cut(self) -> bool:
        return self.total > self.shown

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def head(queryset: QuerySet[Any], limit: int) -> Cut[Any]:
    """The first `limit` rows, and how many there are (counted only when the list is cut)."""
    items = list(queryset[: limit + 1])
    if len(items) <= limit:
        return Cut(items, len(items))
    return Cut(items[:limit], queryset.count())
