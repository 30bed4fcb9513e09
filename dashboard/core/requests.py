"""The request a console view receives, as the type checker sees it (annotations only)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class ConsoleRequest(HttpRequest):
    """A request to a view behind the login, once the middleware has run: `user` is signed in
    (never anonymous) and django-htmx's `htmx` says whether htmx sent it."""

    user: User
    htmx: HtmxDetails
