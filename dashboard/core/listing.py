"""Search and pagination shared by every table."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from .params import int_param, text_param


def search(queryset: QuerySet, request: HttpRequest, fields: Sequence[str]) -> tuple[QuerySet, str]:
    """Filter by `?q=` over `fields` (case-insensitive substring); returns the query too."""
    query = text_param(request.GET, "q", max_length=200)
    if not query:
        return queryset, ""
    return queryset.filter(reduce(or_, (Q(**{f"{field}__icontains": query}) for field in fields))), query


def paginate(queryset: QuerySet, request: HttpRequest, per_page: int | None = None) -> Page:
    """The `?page=` of the queryset; past the last page gives the last, malformed numbers the first."""
    paginator = Paginator(queryset, per_page or settings.PAGE_SIZE)
    return paginator.get_page(int_param(request.GET, "page", 1))
