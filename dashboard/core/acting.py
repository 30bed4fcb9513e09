"""Acting on a vendor from a page, the one way: confirm -> call -> audit -> toast, or the refusal.

Every view that changes something at a vendor ends in `act`:

- GET shows the confirmation `page` (a template extending templates/confirm_base.html, or
  the form page that asks for the details);
- POST runs `call`, an audited action: `dashboard.audit.log.audited` records its success with
  the vendor's request id, or the refusal with the vendor's code and request id;
- on success, `done(result)` is the success toast and `then` where the browser goes next;
- on a refusal, the page is shown again with it (partials/vendor_error.html), or, for a
  button with no page of its own, the same words arrive as a toast on the way `back`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vendors.base.errors import VendorError

from .vendor_errors import vendor_error_text

T = TypeVar("T")
# The htmx panel a confirmation can be shown in: the page without the console's frame around it.
PANEL_FRAME = "partials/panel_frame.html"


@dataclass(frozen=True)
class Page:
    """The template that asks (and shows a refusal), with what it needs."""

    template: str
    context: dict[str, object] = field(default_factory=dict)

    def render(self, request: HttpRequest, **extra: object) -> HttpResponse:
        return render(request, self.template, {**self.context, **extra})


def act(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    done: Callable[[T], str | None],
    then: str | Callable[[T], str | HttpResponse],
    page: Page | None = None,
    back: str = "",
    not_sent: tuple[type[Exception], ...] = (),
) -> HttpResponse:
    """`done` may add its own message and answer None; `then` may answer a response (an htmx
    fragment) instead of a place to go. `not_sent` names errors of the console's own that stop
    the call before it leaves: they are shown like a refusal ("Not sent to the vendor")."""
    if request.method != "POST":
        if page is None:
            raise ValueError("act() without a page is for POST only")
        return page.render(request)
    refusals: tuple[type[Exception], ...] = (VendorError, *not_sent)
    try:
        result = call()
    except refusals as error:
        if page is not None:
            return page.render(request, vendor_error=error)
        messages.error(request, vendor_error_text(error))
        return redirect(back or then)
    text = done(result)
    if text:
        messages.success(request, text)
    after = then(result) if callable(then) else then
    return after if isinstance(after, HttpResponse) else redirect(after)


def with_request_id(text: str, request_id: str) -> str:
    """A success toast names the vendor's request id, for support to quote."""
    if not request_id:
        return text
    return text + " " + _("Request id %(id)s.") % {"id": request_id}


def panel_frame(request: HttpRequest) -> dict[str, object]:
    """Context that shows a confirmation inside the page's htmx panel instead of as a page."""
    return {"confirm_frame": PANEL_FRAME} if getattr(request, "htmx", False) else {}
