"""In a real browser: a tenant admin adds a signed-webhook destination, sends it a test notice
(it arrives at a local receiver, the toast and the delivery log say so), and edits a rule to
send there; staff mute the rule."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from dashboard.alerts.models import AlertRule, Kind
from dashboard.tenancy.models import Role, Tenant
from tests.dashboard.alerts.conftest import Receiver, webhook_receiver  # noqa: F401 (a fixture)
from tests.dashboard.conftest import BROWSER, PASSWORD, make_user

pytestmark = BROWSER
SECRET = "browser-signing-secret-1"


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.fixture
def acme(transactional_db):
    tenant = Tenant.objects.create(name="Acme Rooms", slug="acme")
    make_user("ada", roles={tenant: Role.ADMIN})
    make_user("sam", staff=True)
    return tenant


def test_admin_adds_a_webhook_sends_a_test_and_points_a_rule_at_it(browser_page, acme, webhook_receiver: Receiver):  # noqa: F811
    page = browser_page
    log_in(page, "ada")
    page.goto("/t/acme/alerts/")
    page.get_by_role("link", name="Add destination").click()
    page.get_by_label("Name").fill("Ops hook")
    page.get_by_label("Kind").select_option("webhook")
    page.get_by_label("Address", exact=True).fill(webhook_receiver.url)
    page.get_by_label("Signing secret").fill(SECRET)
    page.get_by_role("button", name="Save").click()
    row = page.locator("tr[data-destination='Ops hook']")
    row.get_by_role("button", name="Send test").click()
    page.get_by_text("Test notice sent to “Ops hook”").wait_for()
    assert len(webhook_receiver.calls) == 1
    call = webhook_receiver.calls[0]
    timestamp, digest = (part.split("=", 1)[1] for part in call.headers["X-RTC-Signature"].split(","))
    assert digest == hmac.new(SECRET.encode(), timestamp.encode() + b"." + call.body, hashlib.sha256).hexdigest()
    assert call.json["event"] == "test" and call.json["tenant"] == "acme"

    page.get_by_role("link", name="Delivery log").click()
    page.locator("tr[data-state='sent']").get_by_text("HTTP 200").wait_for()

    page.goto("/t/acme/alerts/")
    page.locator("tr[data-rule='channel_members_over']").get_by_role("link", name="Edit").click()
    page.get_by_label("Threshold").fill("40")
    page.get_by_label("Ops hook").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Alert rule saved.").wait_for()
    rule = page.locator("tr[data-rule='channel_members_over']")
    assert "40" in rule.inner_text() and "Ops hook" in rule.inner_text()
    saved = AlertRule.objects.get(tenant=acme, kind=Kind.CHANNEL_MEMBERS_OVER)
    assert saved.threshold == 40 and [d.name for d in saved.destinations.all()] == ["Ops hook"]
    assert rule.get_by_role("button", name="Mute").count() == 0  # admins do not mute

    page.get_by_role("link", name="Add rule").click()
    page.get_by_label("Condition").select_option("minutes_over")
    page.get_by_label("Threshold").fill("5000")
    page.get_by_label("Period").select_option("day")
    page.get_by_label("Ops hook").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Alert rule saved.").wait_for()
    assert page.locator("tr[data-rule='minutes_over-day']").count() == 2  # the default one (off) and this one
    made = AlertRule.objects.get(tenant=acme, kind=Kind.MINUTES_OVER, threshold=5000)
    assert made.period == "day" and made.enabled and [d.name for d in made.destinations.all()] == ["Ops hook"]

    page.get_by_role("button", name="ada").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "sam")
    page.goto("/t/acme/alerts/")
    rule = page.locator("tr[data-rule='channel_members_over']")
    rule.get_by_label("Mute for").select_option("240")
    rule.get_by_role("button", name="Mute").click()
    page.get_by_text("Alert rule muted.").wait_for()
    assert "muted until" in page.locator("tr[data-rule='channel_members_over']").inner_text()
