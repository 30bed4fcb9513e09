"""A request id and a job id that follow a request or a job into every log line it causes,
vendor calls included (a logging filter reads them from context variables)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str] = ContextVar("request_id", default="")
job_id: ContextVar[str] = ContextVar("job_id", default="")
# A proxy's X-Request-ID is kept when it looks like one; anything else gets a fresh id.
ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        token = request_id.set(given if ACCEPTED.match(given) else uuid.uuid4().hex)
        try:
            response = get_response(request)
            response["X-Request-ID"] = request_id.get()
            return response
        finally:
            request_id.reset(token)

    return middleware


class ContextFilter(logging.Filter):
    """Adds `request_id` and `job_id` to every record (empty outside a request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.job_id = job_id.get()
        return True


def install_record_factory() -> None:
    """Every record carries the ids from birth, whichever handler (or test) receives it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_trace_ids", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id.get()
        record.job_id = job_id.get()
        return record

    factory.adds_trace_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
