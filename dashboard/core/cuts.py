"""A list cut to its first rows that says so: "the latest 20 of 57" (templates/partials/shown_of.html)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    return cut(list(queryset[: limit + 1]), limit, queryset.count)


def cut(first: list[T], limit: int, count: Callable[[], int]) -> Cut[T]:
    """A list's first `limit` + 1 rows cut to `limit`; `count` is asked only when the list is cut."""
    if len(first) <= limit:
        return Cut(first, len(first))
    return Cut(first[:limit], count())
