from __future__ import annotations

from collections.abc import Callable

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def htmx_toasts_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Messages added during an htmx request arrive as toasts, swapped out of band."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            getattr(request, "htmx", False)
            and not response.streaming
            and 200 <= response.status_code < 300
            and "HX-Redirect" not in response
            and response.get("Content-Type", "").startswith("text/html")
        ):
            pending = list(get_messages(request))
            if pending:
                response.content += render_to_string(
                    "partials/toasts.html", {"toasts": pending, "oob": True}, request=request
                ).encode()
        return response

    return middleware
