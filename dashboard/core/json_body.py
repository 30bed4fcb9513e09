"""A request's JSON body, read with a size and a nesting limit.

Python's parser recurses once per level: a body nested a few thousand levels deep ends in
RecursionError (a 500) instead of an answer. Bodies here come from machines (vendor
callbacks), whose documents are a few levels deep.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.http import HttpRequest

MAX_DEPTH = 16


class BodyError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def read_json_object(request: HttpRequest, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> dict:
    """The body as a JSON object; BodyError (with the status to answer) otherwise."""
    raw = request.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise BodyError("the body is too large", status=413)
    try:
        body = json.loads(raw)
    except RecursionError:
        raise BodyError(f"the body is nested more than {max_depth} levels deep") from None
    except (ValueError, UnicodeDecodeError):
        raise BodyError("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BodyError("the body is not a JSON object")
    if _deeper_than(body, max_depth):
        raise BodyError(f"the body is nested more than {max_depth} levels deep")
    return body


def _deeper_than(value: object, limit: int) -> bool:
    pending = [(value, 1)]
    children: Iterable[object]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
