"""Who calls (a token), how often (a limit per token) and what it reaches (its tenant, as the pages do)."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from dashboard.tenancy.models import Role, Tenant
from dashboard.tenancy.scoping import TenantScope

from . import tokens
from .models import ApiToken


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; a missing, unknown, expired or revoked token is a 401."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return tokens.authenticate(token)


class TokenRateThrottle(SimpleRateThrottle):
    """`API_RATE_LIMIT` requests per token (for example "120/min"), counted in Django's cache:
    shared by every web process when the cache is (CACHE_REDIS_URL), per process otherwise.
    Past it: 429 with Retry-After."""

    def __init__(self) -> None:
        super().__init__(rate=settings.API_RATE_LIMIT)

    def allow_request(self, request: HttpRequest) -> bool:
        # Read on every request: the setting may change (tests, a reload) after import.
        self.num_requests, self.duration = self.parse_rate(settings.API_RATE_LIMIT)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        return f"api_rate_token_{token.key_hash}" if isinstance(token, ApiToken) else None


def token_of(request: HttpRequest) -> ApiToken:
    return cast(ApiToken, request.auth)  # type: ignore[attr-defined]


def api_scope(request: HttpRequest, tenant_slug: str, *, act: bool = False) -> TenantScope:
    """The tenant of the path as the token may reach it: 404 for a tenant it does not belong
    to (the same as one that does not exist), 403 for an action with a read-only token.

    A tenant's token reads what its admins read and, with the act scope, does what they may;
    a staff token does so in every tenant."""
    token = token_of(request)
    tenant = Tenant.objects.filter(slug=tenant_slug).first()
    if tenant is None or (token.tenant_id is not None and token.tenant_id != tenant.pk):
        raise Http404
    if act and not token.can_act:
        raise PermissionDenied
    return TenantScope(tenant, Role.STAFF if token.tenant_id is None else Role.ADMIN)
