"""Single sign-on with an OpenID Connect provider (mozilla-django-oidc), and the roles its
claims grant: staff, and a role per tenant (README: Single sign-on).

A person is matched by the provider's issuer and subject (SignOnIdentity), never by e-mail.
The provider decides their roles: at every sign-on, staff and memberships are set from the
groups claim (OIDC_STAFF_GROUPS, OIDC_TENANT_ROLES); someone whose groups grant nothing here
is refused (and loses what an earlier sign-on granted).

mozilla-django-oidc checks the ID token's signature and nonce only; this backend also
requires the audience to be this client, the issuer to be the provider, and the token to be
unexpired (OpenID Connect Core 3.1.3.7), and the userinfo to describe the same subject.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from dashboard.people.models import SignOnIdentity
from dashboard.people.signon import signon_enabled

from .models import Membership, Role, Tenant

log = logging.getLogger(__name__)
TENANT_ROLES = {Role.ADMIN.value: Role.ADMIN, Role.VIEWER.value: Role.VIEWER}


def groups_of(claims: dict[str, Any]) -> set[str]:
    """The groups claim (OIDC_GROUPS_CLAIM, dotted for nested ones: "realm_access.roles")."""
    value: Any = claims
    for part in settings.OIDC_GROUPS_CLAIM.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return {value}
    return {str(group) for group in value} if isinstance(value, list) else set()


def granted(claims: dict[str, Any]) -> tuple[bool, dict[str, Role]]:
    """(staff?, {tenant slug: role}) from the groups; the stronger role wins for a tenant."""
    groups = groups_of(claims)
    staff = bool(groups & set(settings.OIDC_STAFF_GROUPS))
    tenants: dict[str, Role] = {}
    for group in sorted(groups):
        targets = settings.OIDC_TENANT_ROLES.get(group, [])
        for target in [targets] if isinstance(targets, str) else targets:
            slug, _colon, name = str(target).partition(":")
            role = TENANT_ROLES.get(name)
            if role is None:
                log.warning(
                    "OIDC_TENANT_ROLES: %r for group %r is not 'tenant:admin' or 'tenant:viewer'", target, group
                )
                continue
            if slug not in tenants or role.rank > tenants[slug].rank:
                tenants[slug] = role
    return staff, tenants


@transaction.atomic
def apply_roles(user: User, claims: dict[str, Any]) -> None:
    staff, wanted = granted(claims)
    if (user.is_staff, user.is_superuser) != (staff, staff):
        # Support staff in this console are superusers (the admin site's tenants and people).
        user.is_staff = user.is_superuser = staff
        user.save(update_fields=["is_staff", "is_superuser"])
    tenants = {tenant.slug: tenant for tenant in Tenant.objects.filter(slug__in=wanted)}
    for slug in sorted(set(wanted) - set(tenants)):
        log.warning("single sign-on: no tenant %r (OIDC_TENANT_ROLES); %s gets no role there", slug, user)
    Membership.objects.filter(user=user).exclude(tenant__in=tenants.values()).delete()
    for slug, tenant in tenants.items():
        Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": wanted[slug]})


class SignOnBackend(OIDCAuthenticationBackend):
    request: HttpRequest

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the callback answers a code: a password form posted to an address with ?code=
        # and ?state= in it is not a sign-on.
        match = getattr(request, "resolver_match", None)
        if not signon_enabled() or match is None or match.view_name != "people:sso_callback":
            return None
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload: bytes | str, key: Any) -> dict[str, Any]:
        algorithm = jwt.get_unverified_header(payload).get("alg")
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token signed with {algorithm!r}, not {self.OIDC_RP_SIGN_ALGO!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidTokenError as error:  # bad signature, audience, issuer, expired, malformed
            raise SuspiciousOperation(f"ID token refused: {error}") from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences without this client as its azp")
        return claims

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        userinfo: dict[str, Any] = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("the userinfo describes another subject than the ID token")
        return userinfo

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        return get_user_model().objects.filter(
            sign_on_identities__issuer=settings.OIDC_OP_ISSUER, sign_on_identities__subject=claims.get("sub", "")
        )

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        if not claims.get("sub"):
            return False
        staff, tenants = granted(claims)
        if staff or tenants:
            return True
        for user in self.filter_users_by_claims(claims):
            apply_roles(user, claims)  # the provider took every role away: so does the console
        log.warning("single sign-on refused for %s: their groups grant no role here", claims.get("sub"))
        return False

    def create_user(self, claims: dict[str, Any]) -> User:
        user = get_user_model().objects.create_user(unused_username(claims), email=claims.get("email") or "")
        user.set_unusable_password()  # they sign in through the provider; staff may set one later
        user.save(update_fields=["password"])
        SignOnIdentity.objects.create(user=user, issuer=settings.OIDC_OP_ISSUER, subject=claims["sub"])
        return self.update_user(user, claims)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        names = {
            "email": claims.get("email") or user.email,
            "first_name": (claims.get("given_name") or user.first_name)[:150],
            "last_name": (claims.get("family_name") or user.last_name)[:150],
        }
        if any(getattr(user, field) != value for field, value in names.items()):
            for field, value in names.items():
                setattr(user, field, value)
            user.save(update_fields=list(names))
        apply_roles(user, claims)
        return user


def unused_username(claims: dict[str, Any]) -> str:
    """The provider's user name (OIDC_USERNAME_CLAIM) if no one here has it; otherwise that name
    and a short digest of the subject (a local account of the same name stays someone else's)."""
    name = str(claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("email") or claims["sub"])[:120]
    users = get_user_model().objects
    if not users.filter(username=name).exists():
        return name
    return f"{name}-{hashlib.sha256(claims['sub'].encode()).hexdigest()[:8]}"
