"""The alerts pages: admins edit rules and destinations (audited), send a test, staff mute."""

from __future__ import annotations

import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.wecombot import NotifyWeComBot
from django.urls import reverse

from dashboard.alerts.models import AlertRule, Delivery, Destination, Kind, NoticeState
from dashboard.audit.models import AuditEntry
from tests.dashboard.alerts.conftest import Mailbox, Receiver
from tests.dashboard.conftest import World2, logged_in


def test_admin_changes_a_rule_and_the_audit_log_says_what(two_tenants: World2) -> None:
    world = two_tenants
    rule = AlertRule.objects.get(tenant=world.acme, kind=Kind.CHANNEL_MEMBERS_OVER)
    mail = Destination.objects.create(tenant=world.acme, name="Ops", kind="email", emails="ops@example.com")
    client = logged_in(world.acme_admin)
    url = reverse("alerts:rule_edit", args=["acme", rule.pk])
    response = client.post(
        url, {"kind": "account_failing", "enabled": "on", "threshold": "250", "destinations": [mail.pk]}
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.kind == Kind.CHANNEL_MEMBERS_OVER and rule.threshold == 250  # the condition itself stays
    assert list(rule.destinations.all()) == [mail]
    entry = AuditEntry.objects.get(action="alerts.rule_update")
    assert entry.tenant == world.acme and entry.detail["threshold"] == 250 and entry.detail["destinations"] == ["Ops"]
    page = client.get(reverse("alerts:alert_list", args=["acme"])).content.decode()
    assert "250" in page and "Ops" in page


def test_a_rule_refuses_another_tenants_destination_and_a_missing_threshold(two_tenants: World2) -> None:
    world = two_tenants
    theirs = Destination.objects.create(tenant=world.harbor, name="Theirs", kind="email", emails="h@example.com")
    client = logged_in(world.acme_admin)
    response = client.post(
        reverse("alerts:rule_new", args=["acme"]),
        {"kind": "minutes_over", "enabled": "on", "destinations": [theirs.pk]},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"threshold", "period", "destinations"}


def test_viewers_read_but_change_nothing(two_tenants: World2) -> None:
    world = two_tenants
    rule = AlertRule.objects.filter(tenant=world.acme).first()
    client = logged_in(world.acme_viewer)
    page = client.get(reverse("alerts:alert_list", args=["acme"]))
    assert page.status_code == 200 and b"Send test" not in page.content
    assert client.post(reverse("alerts:rule_edit", args=["acme", rule.pk]), {"enabled": ""}).status_code == 403


def test_only_staff_mute_a_rule_and_it_is_audited(two_tenants: World2) -> None:
    world = two_tenants
    rule = AlertRule.objects.filter(tenant=world.acme).first()
    url = reverse("alerts:rule_mute", args=["acme", rule.pk])
    assert logged_in(world.acme_admin).post(url, {"minutes": "60"}).status_code == 403
    assert logged_in(world.staff).post(url, {"minutes": "60"}).status_code == 302
    rule.refresh_from_db()
    assert rule.muted_until is not None and rule.muted_by == world.staff
    assert AuditEntry.objects.filter(action="alerts.rule_mute").count() == 1
    logged_in(world.staff).post(url, {"minutes": ""})
    rule.refresh_from_db()
    assert rule.muted_until is None and AuditEntry.objects.filter(action="alerts.rule_unmute").count() == 1


def test_send_test_by_email_arrives_and_is_logged(two_tenants: World2, smtp_server: Mailbox) -> None:
    world = two_tenants
    client = logged_in(world.acme_admin)
    client.post(
        reverse("alerts:destination_new", args=["acme"]),
        {"name": "Ops", "kind": "email", "emails": "a@example.com, b@example.com"},
    )
    destination = Destination.objects.get(name="Ops")
    response = client.post(reverse("alerts:destination_test", args=["acme", destination.pk]), follow=True)
    assert "Test notice sent to “Ops”" in response.content.decode()
    assert len(smtp_server.messages) == 1 and "Test notice" in smtp_server.messages[0]["Subject"]
    assert smtp_server.messages[0]["To"] == "a@example.com, b@example.com"
    assert Delivery.objects.get().outcome == NoticeState.SENT
    log = client.get(reverse("alerts:delivery_list", args=["acme"])).content.decode()
    assert "accepted by the mail server for 2 recipient(s)" in log
    assert AuditEntry.objects.filter(action="alerts.destination_test", outcome="success").count() == 1


def test_webhook_addresses_are_checked_and_never_shown_back(two_tenants: World2, settings) -> None:
    world = two_tenants
    client = logged_in(world.acme_admin)
    new = reverse("alerts:destination_new", args=["acme"])
    secret = "s" * 20
    refused = client.post(
        new, {"name": "Hook", "kind": "webhook", "url": "http://169.254.169.254/latest", "signing_secret": secret}
    )
    assert "private network" in refused.content.decode()
    refused = client.post(new, {"name": "Bot", "kind": "slack", "url": "https://example.com/hook"})
    assert "not a webhook address of that platform" in refused.content.decode()
    token_url = "https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx"
    assert client.post(new, {"name": "Bot", "kind": "slack", "url": token_url}).status_code == 302
    page = client.get(reverse("alerts:alert_list", args=["acme"])).content.decode()
    assert "abcdefghijklmnopqrst" not in page and "hooks.slack.com/…uvwx" in page
    edit = client.get(reverse("alerts:destination_edit", args=["acme", Destination.objects.get(name="Bot").pk]))
    assert "abcdefghijklmnopqrst" not in edit.content.decode()


@pytest.mark.parametrize(
    ("kind", "address", "plugin", "host"),
    [
        (
            "dingtalk",
            "https://oapi.dingtalk.com/robot/send?access_token=abc123",
            NotifyDingTalk,
            "https://oapi.dingtalk.com",
        ),
        (
            "wecom",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-123",
            NotifyWeComBot,
            "https://qyapi.weixin.qq.com",
        ),
    ],
)
def test_chat_bots_go_through_apprise(
    two_tenants: World2, webhook_receiver: Receiver, monkeypatch: pytest.MonkeyPatch, kind, address, plugin, host
) -> None:
    """apprise sends to the platform's own host (its class constant); here pointed at the local receiver."""
    world = two_tenants
    monkeypatch.setattr(plugin, "notify_url", plugin.notify_url.replace(host, webhook_receiver.url))
    client = logged_in(world.acme_admin)
    client.post(reverse("alerts:destination_new", args=["acme"]), {"name": "Bot", "kind": kind, "url": address})
    destination = Destination.objects.get(name="Bot")
    client.post(reverse("alerts:destination_test", args=["acme", destination.pk]))
    assert len(webhook_receiver.calls) == 1
    call = webhook_receiver.calls[0]
    assert call.json["msgtype"] == "text" and "Test notice" in call.json["text"]["content"]
    assert ("abc123" if kind == "dingtalk" else "k-123") in call.path  # the token the admin pasted
    assert Delivery.objects.get().outcome == NoticeState.SENT


@pytest.mark.parametrize(
    "address", ["http://[::1", "https://host:99999/x", "ftp://example.com/", "https://u:p@example.com/"]
)
def test_a_malformed_webhook_address_is_explained(two_tenants: World2, address: str) -> None:
    client = logged_in(two_tenants.acme_admin)
    form = {"name": "Hook", "kind": "webhook", "url": address, "signing_secret": "s" * 20}
    response = client.post(reverse("alerts:destination_new", args=["acme"]), form)
    assert response.status_code == 200 and "without a user name or password" in response.content.decode()
