"""dashboard/api/tokens.py, access.py and the token pages: shown once, stored hashed, scoped,
expiring, revocable, audited; a limit per token; no session reaches the API."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from dashboard.api import tokens
from dashboard.api.models import ApiToken
from dashboard.audit.models import AuditEntry
from tests.dashboard.api.conftest import Tokens, api_client
from tests.dashboard.conftest import World2, logged_in


def make(world: World2, scope: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    return tokens.create(world.acme_admin, tenant=world.acme, name="ci", scope=scope, expires_at=expires_at)


def test_a_token_is_kept_only_as_its_hash(two_tenants: World2) -> None:
    token, value = tokens.create(
        two_tenants.acme_admin, tenant=two_tenants.acme, name="ci", scope="read", expires_at=None
    )
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert value not in str(stored)
    assert stored["key_hash"] == hashlib.sha256(value.encode()).hexdigest() and stored["hint"] == value[-4:]
    assert tokens.authenticate(value) == token
    assert tokens.authenticate(value + "x") is None and tokens.authenticate("") is None


def test_last_used_is_kept_at_most_once_a_minute(two_tenants: World2) -> None:
    token, value = tokens.create(
        two_tenants.acme_admin, tenant=two_tenants.acme, name="ci", scope="read", expires_at=None
    )
    assert token.last_used_at is None
    first = tokens.authenticate(value).last_used_at
    assert first is not None and tokens.authenticate(value).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert tokens.authenticate(value).last_used_at > first - timedelta(minutes=2)


def test_expired_and_revoked_tokens_are_refused(two_tenants: World2) -> None:
    soon = timezone.now() + timedelta(days=1)
    token, value = tokens.create(
        two_tenants.acme_admin, tenant=two_tenants.acme, name="ci", scope="act", expires_at=soon
    )
    assert tokens.authenticate(value) is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tokens.authenticate(value) is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    tokens.revoke(two_tenants.acme_admin, token)
    assert tokens.authenticate(value) is None


def test_admins_make_a_token_see_it_once_and_revoke_it_all_audited(two_tenants: World2) -> None:
    admin = logged_in(two_tenants.acme_admin)
    url = reverse("api_tokens:tenant_tokens", args=["acme"])
    made = admin.post(url, {"name": "grafana", "scope": "read", "lifetime": "90"})
    assert made.status_code == 200
    value = made.context["value"]
    assert value.startswith("rtcd_") and value in made.content.decode()
    again = admin.get(url).content.decode()
    assert "grafana" in again and value not in again and value[-4:] in again
    token = ApiToken.objects.get(name="grafana")
    assert token.tenant == two_tenants.acme and token.created_by == two_tenants.acme_admin
    assert token.expires_at is not None and (token.expires_at - timezone.now()).days in (89, 90)
    assert api_client(value).get("/api/v1/tenants/acme/apps").status_code == 200
    duplicate = admin.post(url, {"name": "grafana", "scope": "act", "lifetime": "30"})
    assert "exists" in duplicate.content.decode() and ApiToken.objects.filter(name="grafana").count() == 1
    revoke = reverse("api_tokens:tenant_token_revoke", args=["acme", token.pk])
    assert "Revoke" in admin.get(revoke).content.decode()  # the confirmation
    assert admin.post(revoke).status_code == 302
    assert api_client(value).get("/api/v1/tenants/acme/apps").status_code == 401
    entries = AuditEntry.objects.filter(action__startswith="api.").order_by("pk")
    assert [(e.action, e.actor_name, e.tenant, e.target) for e in entries] == [
        ("api.token_create", "acme-admin", two_tenants.acme, "grafana"),
        ("api.token_revoke", "acme-admin", two_tenants.acme, "grafana"),
    ]
    assert entries[0].detail == {"scope": "read", "expires": token.expires_at.isoformat(), "staff": False}


def test_viewers_cannot_see_or_make_tokens_and_staff_make_staff_tokens(two_tenants: World2) -> None:
    viewer = logged_in(two_tenants.acme_viewer)
    assert viewer.get(reverse("api_tokens:tenant_tokens", args=["acme"])).status_code == 403
    assert (
        viewer.post(reverse("api_tokens:tenant_tokens", args=["acme"]), {"name": "x", "scope": "act"}).status_code
        == 403
    )
    assert logged_in(two_tenants.acme_admin).get(reverse("staff:api_tokens")).status_code == 403
    staff = logged_in(two_tenants.staff)
    made = staff.post(reverse("staff:api_tokens"), {"name": "support", "scope": "act", "lifetime": "0"})
    token = ApiToken.objects.get(name="support")
    assert token.tenant is None and token.expires_at is None and token.can_act
    assert api_client(made.context["value"]).get("/api/v1/tenants/harbor/apps").status_code == 200
    assert (
        "support"
        not in logged_in(two_tenants.acme_admin)
        .get(reverse("api_tokens:tenant_tokens", args=["acme"]))
        .content.decode()
    )
    entry = AuditEntry.objects.get(action="api.token_create")
    assert entry.tenant is None and entry.detail["staff"] is True


def test_the_rate_limit_answers_429_with_retry_after(two_tenants: World2, api_tokens: Tokens, settings) -> None:
    settings.API_RATE_LIMIT = "3/min"
    client = api_client(api_tokens.acme_read)
    assert [client.get("/api/v1/tenants").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/v1/tenants")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 0 < int(limited["Retry-After"]) <= 60
    # Per token: another token of the same tenant is not held back.
    assert api_client(api_tokens.acme_act).get("/api/v1/tenants").status_code == 200


def test_a_signed_in_session_does_not_reach_the_api(two_tenants: World2) -> None:
    """Only the Authorization header authenticates, so no cookie (and no CSRF) is involved."""
    response = logged_in(two_tenants.staff).get("/api/v1/tenants/acme/apps")
    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store, private" or "no-store" in response["Cache-Control"]


def test_every_api_route_answers_tokens_not_the_login_page() -> None:
    api_patterns = get_resolver().url_patterns
    include = next(p for p in api_patterns if str(p.pattern) == "api/v1/")
    callbacks = [pattern.callback for pattern in include.url_patterns]
    assert len(callbacks) >= 10 and all(getattr(view, "login_required", True) is False for view in callbacks)
    assert Client().get("/api/v1/tenants").status_code == 401


def test_the_docs_are_served_from_static_files_without_inline_script_or_a_cdn() -> None:
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert '"validatorUrl": null' in html
    csp = docs["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for script in ("swagger-ui-bundle.js", "swagger-ui-init.js"):
        assert Client().get(f"/static/ninja/{script}").status_code == 200
    schema = Client().get("/api/v1/openapi.json").json()
    assert (
        schema["openapi"].startswith("3.")
        and schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    )
    assert "ApiError" in schema["components"]["schemas"]
    csv = schema["paths"]["/api/v1/tenants/{tenant}/usage.csv"]["get"]["responses"]["200"]["content"]
    assert list(csv) == ["text/csv"]
