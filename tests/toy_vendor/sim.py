"""The toy vendor's simulator: `handle(httpx.Request) -> httpx.Response` over a fixed world,
served on loopback by vendors.sim.server.SimServer. It keeps every request it answers."""

from __future__ import annotations

import itertools

import httpx

from vendors.sim.routing import Router


class ToySimulator:
    vendor = "toy"

    def __init__(self, project: str, token: str, apps: dict[str, dict[str, list[str]]]) -> None:
        self.project, self.token, self.apps = project, token, apps  # app id -> channel id -> user ids
        self.requests: list[httpx.Request] = []
        self._ids = itertools.count(1)
        self.router = Router()
        self.router.add("GET", "/v1/projects/{project}/apps", self.list_apps)
        self.router.add("GET", "/v1/projects/{project}/apps/{app}/channels/{channel}/members", self.members)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        headers = {"X-Request-Id": f"toy-{next(self._ids)}"}
        found = self.router.match(request.method, request.url.path)
        if isinstance(found, str):
            return httpx.Response(404 if found == "not found" else 405, json=error("NoRoute", found), headers=headers)
        handler, params = found
        if request.headers.get("Authorization") != f"Bearer {self.token}" or params.pop("project") != self.project:
            return httpx.Response(401, json=error("BadToken", "unknown token for this project"), headers=headers)
        status, body = handler(**params)
        return httpx.Response(status, json=body, headers=headers)

    def list_apps(self) -> tuple[int, dict]:
        return 200, {"apps": [{"id": app, "name": f"Toy app {app}"} for app in self.apps]}

    def members(self, app: str, channel: str) -> tuple[int, dict]:
        users = self.apps.get(app, {}).get(channel)
        return (404, error("NoSuchChannel", f"no channel {channel}")) if users is None else (200, {"members": users})

    def demo_credentials(self) -> dict[str, str]:
        return {"project": self.project, "token": self.token}


def error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}
