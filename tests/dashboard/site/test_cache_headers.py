"""Pages with tenant data are never kept by a shared proxy or the browser's back-forward cache."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.dashboard.conftest import HTMX, World2, logged_in
from tests.dashboard.site.test_shell import every_get_page


def not_stored(response: object) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_every_signed_in_page_and_fragment_says_private_no_store(two_tenants: World2) -> None:
    client = logged_in(two_tenants.staff)
    urls = every_get_page(two_tenants)
    assert len(urls) > 50
    for url in urls:
        for headers in ({}, HTMX):
            response = client.get(url, headers=headers)
            # errors and redirects too: a 404 page still names the signed-in user
            assert not_stored(response), (url, headers, response.status_code, response.get("Cache-Control"))
            # the other headers stay as they were
            assert "frame-ancestors 'none'" in response.get("Content-Security-Policy", ""), url
            assert response["X-Frame-Options"] == "DENY", url


def test_downloads_are_not_stored_either_and_static_files_stay_cacheable(two_tenants: World2) -> None:
    client = logged_in(two_tenants.acme_admin)
    export = client.get(reverse("usage:account_usage", args=["acme", two_tenants.acme_account.pk]), {"export": "csv"})
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    assert not_stored(export)
    static = client.get("/static/css/console.css")
    assert static.status_code == 200 and not not_stored(static)


def test_hsts_stays_with_the_cache_header(two_tenants: World2, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 3600
    response = logged_in(two_tenants.acme_admin).get(reverse("credentials:account_list", args=["acme"]), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=3600") and not_stored(response)


def test_the_login_page_is_not_stored_and_anonymous_probes_are_left_alone(db: None) -> None:
    """The login form carries a CSRF token: Django's login view already marks it never-cache."""
    assert not_stored(Client().get(reverse("people:login")))
    assert Client().get(reverse("ops:healthz"))["Cache-Control"]  # never_cache, as before
