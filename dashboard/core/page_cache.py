"""Rendered pages kept in Django's cache while what they show has not changed.

`@cached_page(version, seconds=...)` on a GET view: `version(request, **kwargs)` checks access
as the view does (404 / 403) and returns everything the page shows that can change: rows,
sync cursors, poll times. The cache key is that version with the user, their language and time
zone, the path and query string and whether htmx asked for the fragment. A change in the data
makes a new key, so a stored page never shows figures older than the data; nothing is shared
between users or tenants. A render is kept `seconds`: the parts of a page that follow the clock
("for 5 min", the sync lag) are at most that old.

The page's forms carry a CSRF token for the browser's CSRF cookie: a render is stored with
every token of that cookie replaced by a marker, and each answer gets a fresh token of the
asking browser's own cookie in its place. So one user's browsers (tabs, devices) share a
render, and a token is never served to a browser whose cookie it was not made for.

Not stored: anything but a 200 HTML answer, an answer that sets a cookie, a render made while
the browser had no CSRF cookie yet, and a page that shows or queues a message (a message is
shown once). The answer carries an ETag (of its bytes and the browser's CSRF cookie); a request
whose If-None-Match names it gets 304 without the body. Browsers do not send it here (every
signed-in answer is `no-store`, tests/dashboard/site/test_cache_headers.py); the live page's
refresh has its own conditional answer (it sends the version it shows and gets 204).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH, get_token
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

View = Callable[..., HttpResponse]
PageVersion = Callable[..., object]
KEY_PREFIX = "page:"
# Where a stored render had its CSRF token. A NUL byte: no page text has one (PostgreSQL's text
# cannot hold it, templates do not write it).
CSRF_MARK = b"\x00csrf\x00"
# A CSRF token as Django writes it into a page: letters and digits, nothing of the kind around it.
TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{%d}(?![A-Za-z0-9])" % CSRF_TOKEN_LENGTH)


def cached_page(version: PageVersion, *, seconds: int | Callable[[], int]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in ("GET", "HEAD") or not request.user.is_authenticated or shows_messages(request):
                return view(request, *args, **kwargs)
            key = page_key(request, version(request, *args, **kwargs))
            stored = cache.get(key)
            secret = request.META.get("CSRF_COOKIE", "")
            if stored is None:
                response = view(request, *args, **kwargs)
                # A first page without a CSRF cookie made one as it rendered: not stored (the
                # next page, with the cookie, is).
                if not secret or request.META.get("CSRF_COOKIE") != secret or not storable(request, response):
                    return response
                content = without_csrf_tokens(response.content, secret)
                etag = content_etag(content)
                cache.set(key, (content, response["Content-Type"], etag), life(seconds))
            else:
                content, content_type, etag = stored
                # A fresh token of this browser's cookie (which renews the cookie's expiry as a
                # render would).
                token = get_token(request).encode()
                response = HttpResponse(content.replace(CSRF_MARK, token), content_type=content_type)
            etag = browser_etag(etag, request.META.get("CSRF_COOKIE", ""))
            if etag_matches(request, etag):
                response = HttpResponseNotModified()
            response["ETag"] = etag
            patch_vary_headers(response, ["HX-Request"])
            return response

        return wrapper

    return decorator


def life(seconds: int | Callable[[], int]) -> int:
    return seconds() if callable(seconds) else seconds


def page_key(request: HttpRequest, data: object) -> str:
    user = request.user
    parts = (
        request.path,
        sorted(request.GET.lists()),
        bool(getattr(request, "htmx", False)),
        (user.pk, user.get_username(), user.is_staff, user.is_superuser),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        data,
    )
    # repr: the parts are plain values (numbers, strings, times, tuples, JSON fields' dicts).
    return KEY_PREFIX + hashlib.sha256(repr(parts).encode()).hexdigest()


def content_etag(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()[:32]}"'


def browser_etag(etag: str, secret: str) -> str:
    """The stored render's ETag for one browser: its page holds a token of its own cookie."""
    return f'"{hashlib.sha256((etag + secret).encode()).hexdigest()[:32]}"'


def without_csrf_tokens(content: bytes, secret: str) -> bytes:
    """The render with each CSRF token of `secret` (every one a masked copy of it) replaced by
    CSRF_MARK; anything else that looks like a token is left as it is."""
    return TOKEN.sub(lambda found: CSRF_MARK if unmask(found[0]) == secret else found[0], content)


def unmask(token: bytes) -> str:
    """The CSRF secret a token stands for (django.middleware.csrf masks it: secret + mask, letter
    by letter, in CSRF_ALLOWED_CHARS)."""
    text = token.decode()
    mask, cipher = text[:CSRF_SECRET_LENGTH], text[CSRF_SECRET_LENGTH:]
    chars = CSRF_ALLOWED_CHARS
    return "".join(chars[chars.index(x) - chars.index(y)] for x, y in zip(cipher, mask, strict=True))


def etag_matches(request: HttpRequest, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    return any(tag.strip().removeprefix("W/") == etag for tag in wanted.split(","))


def shows_messages(request: HttpRequest) -> bool:
    """Messages waiting or added: the page shows them once, so it is rendered each time."""
    return len(get_messages(request)) > 0


def storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and response.get("Content-Type", "").startswith("text/html")
        and not any(name.startswith("HX-") for name in response.headers)
        and not shows_messages(request)
    )


def row(instance: Any) -> tuple[object, ...]:
    """Every stored field of a model instance: a part of a page's version."""
    return (instance._meta.label, *(getattr(instance, field.attname) for field in instance._meta.concrete_fields))


# What apps above a page's own add to what it shows (a template tag of theirs on the page):
# they register a part of its version here, so the page's app need not import them.
_EXTRA_PARTS: dict[str, list[Callable[..., object]]] = {}


def add_version_part(page: str, part: Callable[..., object]) -> None:
    if part not in _EXTRA_PARTS.setdefault(page, []):
        _EXTRA_PARTS[page].append(part)


def extra_parts(page: str, *args: object) -> list[object]:
    return [part(*args) for part in _EXTRA_PARTS.get(page, [])]
