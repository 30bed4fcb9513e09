"""No token reaches another tenant's data or acts beyond its scope: every operation of the API,
walked from its own OpenAPI schema (like tests/dashboard/site/test_isolation.py over the pages)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from dashboard.api.api import api
from dashboard.audit.models import AuditEntry
from dashboard.live.models import Channel
from dashboard.recordings.models import Recording
from tests.dashboard.api.conftest import Tokens, api_client
from tests.dashboard.conftest import World2
from tests.dashboard.site.test_isolation import acme_recording, snapshot

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1")
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
]
TENANT_OPERATIONS = [(method, path) for method, path, _op in OPERATIONS if "{tenant}" in path]
ACT_OPERATIONS = [(method, path) for method, path in TENANT_OPERATIONS if method == "POST"]
OBJECT_OPERATIONS = [
    (method, path) for method, path in TENANT_OPERATIONS if "{channel}" in path or "{recording}" in path
]
# Bodies that would pass validation, so a refusal is the tenant's or the scope's, not the body's.
BODIES = {
    "kick": {"users": ["alice"]},
    "close": {"channel_id": "iso-room"},
    "recordings": {},
    "stop": None,
}


def url(path: str, tenant: str, ids: dict[str, int]) -> str:
    filled = path.replace("{tenant}", tenant)
    return re.sub(r"\{(\w+)\}", lambda match: str(ids[match.group(1)]), filled)


def acme_ids(world: World2) -> dict[str, int]:
    recording, _file = acme_recording(world)
    channel = Channel.objects.get(app=world.acme_manual_app, channel_id="iso-room")
    return {"channel": channel.pk, "recording": recording.pk}


def call(client: Client, method: str, target: str) -> object:
    if method == "GET":
        return client.get(target)
    body = BODIES[target.rstrip("/").rsplit("/", 1)[-1]]
    return client.post(target, json.dumps(body) if body is not None else "", content_type="application/json")


def state(world: World2) -> tuple:
    return (
        snapshot(world),
        list(Recording.objects.values_list("state", "stop_requested_at")),
        AuditEntry.objects.count(),
    )


def test_the_walk_covers_every_operation() -> None:
    assert len(TENANT_OPERATIONS) >= 10, TENANT_OPERATIONS
    assert {path.rsplit("/", 1)[-1] for _method, path in ACT_OPERATIONS} == {"kick", "close", "recordings", "stop"}
    untenanted = [path for _method, path, _op in OPERATIONS if "{tenant}" not in path]
    assert untenanted == ["/api/v1/tenants"]


@pytest.mark.parametrize(("method", "path"), TENANT_OPERATIONS)
def test_token_of_another_tenant_gets_404_and_changes_nothing(
    two_tenants: World2, api_tokens: Tokens, method: str, path: str
) -> None:
    world = two_tenants
    target = url(path, "acme", acme_ids(world))
    before = state(world)
    response = call(api_client(api_tokens.harbor_act), method, target)
    assert response.status_code == 404, f"{method} {target}: {response.status_code} {response.content[:300]}"
    body = response.json()
    assert body["code"] == "not_found" and "Acme" not in response.content.decode()
    assert state(world) == before


@pytest.mark.parametrize(("method", "path"), OBJECT_OPERATIONS)
def test_own_tenant_with_another_tenants_ids_gets_404(
    two_tenants: World2, api_tokens: Tokens, method: str, path: str
) -> None:
    """harbor's token puts Acme's channel and recording ids under its own tenant."""
    world = two_tenants
    target = url(path, "harbor", acme_ids(world))
    before = state(world)
    response = call(api_client(api_tokens.harbor_act), method, target)
    assert response.status_code == 404, f"{method} {target}: {response.status_code}"
    assert state(world) == before


@pytest.mark.parametrize(("method", "path"), TENANT_OPERATIONS)
def test_unknown_and_foreign_tenants_look_the_same(
    two_tenants: World2, api_tokens: Tokens, method: str, path: str
) -> None:
    ids = acme_ids(two_tenants)
    client = api_client(api_tokens.harbor_act)
    foreign = call(client, method, url(path, "acme", ids))
    missing = call(client, method, url(path, "no-such-tenant", ids))
    assert foreign.status_code == missing.status_code == 404
    strip = lambda response: {k: v for k, v in response.json().items() if k != "request_id"}  # noqa: E731
    assert strip(foreign) == strip(missing)


@pytest.mark.parametrize(("method", "path"), ACT_OPERATIONS)
def test_read_token_cannot_act(two_tenants: World2, api_tokens: Tokens, method: str, path: str) -> None:
    world = two_tenants
    target = url(path, "acme", acme_ids(world))
    before = state(world)
    for token in (api_tokens.acme_read, api_tokens.staff_read):
        response = call(api_client(token), method, target)
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
        assert response.json()["code"] == "forbidden"
    assert state(world) == before


@pytest.mark.parametrize(("method", "path"), TENANT_OPERATIONS)
def test_no_token_or_a_bad_one_gets_401(two_tenants: World2, api_tokens: Tokens, method: str, path: str) -> None:
    target = url(path, "acme", acme_ids(two_tenants))
    for client in (Client(), api_client("rtcd_not-a-token"), Client(HTTP_AUTHORIZATION="Basic YWRtaW46YWRtaW4=")):
        response = call(client, method, target)
        assert response.status_code == 401, f"{method} {target}: {response.status_code}"
        assert response.json()["code"] == "unauthenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_staff_tokens_reach_every_tenant_and_tenant_tokens_list_only_theirs(
    two_tenants: World2, api_tokens: Tokens
) -> None:
    staff = api_client(api_tokens.staff_read)
    assert {t["slug"] for t in staff.get("/api/v1/tenants").json()} == {"acme", "harbor"}
    assert staff.get("/api/v1/tenants/harbor/apps").status_code == 200
    assert [t["slug"] for t in api_client(api_tokens.acme_read).get("/api/v1/tenants").json()] == ["acme"]
    acme_apps = api_client(api_tokens.acme_read).get("/api/v1/tenants/acme/apps").json()["results"]
    assert [app["app_id"] for app in acme_apps] == ["manual-app-1"]
    assert api_client(api_tokens.harbor_act).get("/api/v1/tenants/harbor/apps").json()["results"] == []


def test_filters_naming_another_tenants_account_are_404(two_tenants: World2, api_tokens: Tokens) -> None:
    client = api_client(api_tokens.harbor_act)
    foreign = two_tenants.acme_account.pk
    for path in ("apps", "channels", "recordings"):
        assert client.get(f"/api/v1/tenants/harbor/{path}?account={foreign}").status_code == 404, path
    usage = client.get(f"/api/v1/tenants/harbor/usage?app={two_tenants.acme_manual_app.pk}").json()
    assert usage["apps"] == []  # as on the page: another tenant's app is not among the tenant's
