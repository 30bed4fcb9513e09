"""Cursor pagination over ids (newest first): stable while rows are added, no page counting."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import CursorPagination
from pydantic import ValidationError as PydanticError

from dashboard.core.params import parse_int

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class IdCursorPagination(CursorPagination):
    """django-ninja's cursor pagination by `-pk`, refusing (422) a cursor it did not make
    instead of passing its position to the database."""

    class Input(Schema):
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE, description=f"Default {PAGE_SIZE}.")
        cursor: str | None = Field(None, max_length=200, description="The `next` or `previous` link's cursor.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(ordering=("-pk",), page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)

    def paginate_queryset(self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        try:
            cursor = self.Cursor.from_encoded_param(pagination.cursor)
        except (ValidationError, PydanticError, ValueError):
            cursor = None
        if cursor is None or (cursor.p is not None and parse_int(cursor.p) is None):
            raise ValidationError([{"loc": ["query", "cursor"], "msg": "Not a cursor of this list.", "type": "cursor"}])
        return super().paginate_queryset(queryset, pagination, request, **params)
