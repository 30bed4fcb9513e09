"""Path routing for the REST-style simulators (uprtc, anyRTC, ISDP+)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

Handler = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Routes like "/room/{roomId}/peer/{peerId}"; a parameter matches one path segment."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
        self.routes.append(Route(method.upper(), re.compile(f"^{regex}$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | str:
        """(handler, path parameters), or "not found" / "method not allowed"."""
        allowed = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found:
                if route.method == method.upper():
                    return route.handler, {k: unquote(v) for k, v in found.groupdict().items()}
                allowed = True
        return "method not allowed" if allowed else "not found"
