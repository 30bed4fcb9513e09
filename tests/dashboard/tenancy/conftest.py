"""A real OpenID provider for the single sign-on tests: tests/oidc/provider.mjs (panva's
oidc-provider, installed by `make test` with `npm ci`), started once per session on a free
loopback port."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from django.test import Client
from django.urls import reverse

PROVIDER_DIR = Path(__file__).resolve().parents[2] / "oidc"
CLIENT_ID = "rtc-console"
CLIENT_SECRET = "rtc-console-secret-0123456789"
CALLBACK = "http://testserver/login/sso/callback/"
ACCOUNTS = {
    "sam": {"email": "sam@example.com", "preferred_username": "sam", "groups": ["rtc-support"]},
    "ada": {"email": "ada@example.com", "preferred_username": "ada", "groups": ["acme-admins", "harbor-viewers"]},
    "vic": {"email": "vic@example.com", "preferred_username": "vic", "groups": ["acme-viewers", "marketing"]},
    "mo": {"email": "mo@example.com", "preferred_username": "mo", "groups": ["marketing"]},
}
ROLES = {"acme-admins": "acme:admin", "harbor-viewers": "harbor:viewer", "acme-viewers": "acme:viewer"}


@dataclass
class OpenIdProvider:
    issuer: str
    discovery: dict[str, str]

    def tamper(self, mode: str) -> None:
        """The token endpoint's next ID tokens: "signature", "audience", "expired", or "" (honest)."""
        httpx.post(f"{self.issuer}/_test/tamper", content=mode).raise_for_status()


@pytest.fixture(scope="session")
def openid_provider() -> Iterator[OpenIdProvider]:
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("the test OpenID provider needs node and `npm ci --prefix tests/oidc` (make test runs it)")
    config = {
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [CALLBACK],
                "post_logout_redirect_uris": ["http://testserver/login/"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            }
        ],
        "accounts": ACCOUNTS,
    }
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [node, str(PROVIDER_DIR / "provider.mjs")],
            cwd=PROVIDER_DIR,
            env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)},
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()  # "issuer <url>" once it listens, or nothing if it died
            if not line.startswith("issuer "):
                process.wait(10)
                errors.seek(0)
                raise RuntimeError(f"the test OpenID provider did not start: {errors.read()[-2000:]}")
            issuer = line.split()[1]
            discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").raise_for_status().json()
            yield OpenIdProvider(issuer, discovery)
        finally:
            process.terminate()
            process.wait(10)


@pytest.fixture
def sso(settings, openid_provider: OpenIdProvider) -> Iterator[OpenIdProvider]:
    """The console configured for the provider, as an operator would from its discovery document."""
    found = openid_provider.discovery
    settings.OIDC_PROVIDER_NAME = "Example ID"
    settings.OIDC_OP_ISSUER = found["issuer"]
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = found["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = found["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
    settings.OIDC_OP_LOGOUT_ENDPOINT = found["end_session_endpoint"]
    settings.OIDC_STAFF_GROUPS = ["rtc-support"]
    settings.OIDC_TENANT_ROLES = dict(ROLES)
    openid_provider.tamper("")
    yield openid_provider
    openid_provider.tamper("")


@dataclass
class Browser:
    """One person's browser: the console through Django's test client, the provider over HTTP,
    each with its own cookies."""

    console: Client = field(default_factory=Client)
    provider: httpx.Client = field(default_factory=lambda: httpx.Client(follow_redirects=False, timeout=10))

    def follow_at_provider(self, url: str) -> httpx.Response:
        """Follow the provider's redirects until it shows a page or sends the browser back to the console."""
        response = self.provider.get(url)
        while response.is_redirect:
            url = urljoin(str(response.url), response.headers["location"])
            if url.startswith("http://testserver/"):
                return response
            response = self.provider.get(url)
        return response

    def sign_in_at_provider(self, account: str, next_url: str = "") -> str:
        """Press "Sign in with …", log in at the provider; the address it sends the browser back to."""
        start = self.console.get(reverse("people:sso_start"), {"next": next_url} if next_url else {})
        assert start.status_code == 302, start.status_code
        page = self.follow_at_provider(start["Location"])
        if not page.is_redirect:  # the provider's login form
            action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
            assert action, page.text[:500]
            page = self.provider.post(
                urljoin(str(page.url), action.group(1)),
                data={"prompt": "login", "login": account, "password": "any"},
            )
            page = self.follow_at_provider(urljoin(str(page.url), page.headers["location"]))
        assert page.is_redirect, page.text[:500]
        back = urljoin(str(page.url), page.headers["location"])
        assert back.startswith(CALLBACK), back
        return back
