"""In a real browser: the API's interactive docs load from the console's own static files (no
CDN, nothing refused by the Content-Security-Policy) and call the API with a token."""

from __future__ import annotations

from urllib.parse import urlsplit

from dashboard.api import tokens
from dashboard.tenancy.models import Tenant
from tests.dashboard.conftest import BROWSER, make_user

pytestmark = BROWSER


def test_docs_render_from_own_files_and_try_a_call_with_a_token(transactional_db, browser_page, live_server) -> None:
    from playwright.sync_api import expect

    page = browser_page
    acme = Tenant.objects.create(name="Acme Rooms", slug="acme")
    admin = make_user("ada", staff=True)
    _token, value = tokens.create(admin, tenant=acme, name="docs", scope="read", expires_at=None)
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto("/api/v1/docs")
    expect(page.get_by_text("RTC Dashboard API").first).to_be_visible(timeout=30_000)  # a 1.5 MB bundle
    operation = page.locator("#operations-read-tenants")
    expect(operation).to_be_visible()
    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".modal-ux input").first.fill(value)
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text("Acme Rooms")
    assert hosts == {urlsplit(live_server.url).netloc}, hosts
