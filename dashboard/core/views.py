"""Friendly error pages. They stand alone: no database, no tenant lookups, no user menu."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def _error_page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    body = render_to_string("error.html", {"status": status, "title": title, "text": text})
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, _("Bad request"), _("The request could not be understood. Go back and try again."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request,
        403,
        _("Not allowed"),
        _("Your role does not allow this. Ask a tenant admin or support staff if you need it."),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request, 404, _("Not found"), _("There is nothing here, or it belongs to a tenant you are not a member of.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(
        request,
        500,
        _("Something went wrong"),
        _("The console hit an error it did not expect. It has been logged; try again in a moment."),
    )
