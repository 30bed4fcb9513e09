"""API fixtures: tokens of each tenant and scope, a staff token, and a client that sends one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from dashboard.api import tokens
from dashboard.api.models import ApiToken, Scope
from tests.dashboard.conftest import World2


@dataclass
class Tokens:
    acme_read: str
    acme_act: str
    harbor_act: str
    staff_read: str
    staff_act: str


def make_token(world: World2, tenant, scope: str, name: str) -> str:
    creator = world.staff if tenant is None else (world.acme_admin if tenant == world.acme else world.harbor_admin)
    return tokens.create(creator, tenant=tenant, name=name, scope=scope, expires_at=None)[1]


@pytest.fixture
def api_tokens(two_tenants: World2) -> Tokens:
    world = two_tenants
    return Tokens(
        acme_read=make_token(world, world.acme, Scope.READ, "acme-read"),
        acme_act=make_token(world, world.acme, Scope.ACT, "acme-act"),
        harbor_act=make_token(world, world.harbor, Scope.ACT, "harbor-act"),
        staff_read=make_token(world, None, Scope.READ, "staff-read"),
        staff_act=make_token(world, None, Scope.ACT, "staff-act"),
    )


def api_client(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def token_named(name: str) -> ApiToken:
    return ApiToken.objects.get(name=name)
