"""Making, finding and revoking API tokens; every make and revoke is audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dashboard.audit.log import record
from dashboard.tenancy.models import Tenant

from .models import ApiToken

PREFIX = "rtcd_"
# "Last used" is written at most this often per token: not a database write per API call.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create(
    actor: User, *, tenant: Tenant | None, name: str, scope: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """A new token and its value, which is never stored nor shown again."""
    value = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            tenant=tenant,
            name=name,
            scope=scope,
            key_hash=digest(value),
            hint=value[-4:],
            created_by=actor,
            created_by_name=actor.get_username(),
            expires_at=expires_at,
        )
        record(
            actor,
            "api.token_create",
            tenant=tenant,
            target=name,
            detail={
                "scope": scope,
                "expires": expires_at.isoformat() if expires_at else None,
                "staff": tenant is None,
            },
        )
    return token, value


def revoke(actor: User, token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.revoked_by_name = actor.get_username()
        token.save(update_fields=["revoked_at", "revoked_by_name"])
        record(
            actor,
            "api.token_revoke",
            tenant=token.tenant,
            target=token.name,
            detail={"scope": token.scope, "staff": token.tenant_id is None},
        )


def authenticate(value: str) -> ApiToken | None:
    """The usable token with this value, its "last used" brought up to date; else None."""
    if not value.startswith(PREFIX) or len(value) > 200:
        return None
    token = ApiToken.objects.select_related("tenant").filter(key_hash=digest(value)).first()
    now = timezone.now()
    if token is None or not token.usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
