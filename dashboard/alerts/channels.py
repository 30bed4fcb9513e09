"""Delivering one notice to one destination: email, a signed JSON webhook, or a chat bot.

- Email goes through Django's mail backend (SMTP in a deployment: EMAIL_HOST and friends).
- The generic webhook is sent here with httpx through the vendors' outbound guard
  (vendors/base/outbound.py): its address is tenant input, so it may not resolve to a
  private, loopback or link-local address unless the operator allowed that exact origin in
  ALERT_WEBHOOK_PRIVATE_URLS. The body is signed (HMAC-SHA256, header X-RTC-Signature) with
  the destination's secret; X-RTC-Delivery names the notice, the same on every retry.
- Slack, DingTalk, Feishu, Lark and WeCom bots go through apprise. A tenant pastes the bot
  address its platform shows; only the token is kept from it, and apprise sends to the
  platform's own fixed host, so no tenant input chooses where the server connects.

Each function answers (delivered, what to write in the delivery log); none raises.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import dataclass

import apprise
import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.views.decorators.debug import sensitive_variables

from vendors.base.http import default_ssl_context
from vendors.base.outbound import AddressNotAllowed, OutboundPolicy, guarded_transport, origin_of

from .models import Destination, DestinationKind

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-RTC-Signature"
DELIVERY_HEADER = "X-RTC-Delivery"


@dataclass(frozen=True)
class Notice:
    """What a notice says, in every channel's terms."""

    id: str
    subject: str
    text: str
    payload: dict[str, object]


@dataclass(frozen=True)
class BotAddress:
    pattern: re.Pattern[str]
    apprise_url: str  # format string over the pattern's groups (and `secret`)


# The addresses each platform shows for an incoming-webhook bot, and apprise's URL for it.
BOTS = {
    DestinationKind.SLACK: BotAddress(
        re.compile(r"https://hooks\.slack\.com/services/([A-Z0-9]+)/([A-Z0-9]+)/([A-Za-z0-9]+)/?"),
        "slack://{0}/{1}/{2}/",
    ),
    DestinationKind.DINGTALK: BotAddress(
        re.compile(r"https://oapi\.dingtalk\.com/robot/send\?access_token=([A-Za-z0-9]+)"),
        "dingtalk://{secret_at}{0}/",
    ),
    DestinationKind.FEISHU: BotAddress(
        re.compile(r"https://open\.feishu\.cn/open-apis/bot/v2/hook/([A-Za-z0-9-]+)/?"), "feishu://{0}/"
    ),
    DestinationKind.LARK: BotAddress(
        re.compile(r"https://open\.larksuite\.com/open-apis/bot/v2/hook/([A-Za-z0-9-]+)/?"), "lark://{0}/"
    ),
    DestinationKind.WECOM: BotAddress(
        re.compile(r"https://qyapi\.weixin\.qq\.com/cgi-bin/webhook/send\?key=([A-Za-z0-9-]+)"), "wecombot://{0}/"
    ),
}


def bot_token(kind: str, url: str) -> tuple[str, ...] | None:
    """The token parts of a bot address of this platform, or None when it is not one."""
    match = BOTS[DestinationKind(kind)].pattern.fullmatch(url.strip())
    return match.groups() if match else None


@sensitive_variables()
def apprise_url(destination: Destination) -> str:
    stored = destination.secrets()
    parts = bot_token(destination.kind, stored.get("url", ""))
    if parts is None:
        raise ValueError("not a bot address of this platform")
    secret = stored.get("signing_secret", "")
    return BOTS[DestinationKind(destination.kind)].apprise_url.format(*parts, secret_at=f"{secret}@" if secret else "")


def webhook_policy() -> OutboundPolicy:
    return OutboundPolicy.allowing(settings.ALERT_WEBHOOK_PRIVATE_URLS)


def private_url_allowed(url: str) -> bool:
    return origin_of(url) in webhook_policy().allowed_private


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@sensitive_variables()
def send_webhook(destination: Destination, notice: Notice) -> tuple[bool, str]:
    stored = destination.secrets()
    body = json.dumps(notice.payload, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(stored.get("signing_secret", ""), timestamp, body),
        DELIVERY_HEADER: notice.id,
        "User-Agent": "RTC-Dashboard-Alerts",
    }
    limits = httpx.Limits(max_connections=1)
    transport = guarded_transport(webhook_policy(), verify=default_ssl_context(), limits=limits)
    try:
        with httpx.Client(transport=transport, timeout=settings.ALERT_WEBHOOK_TIMEOUT) as client:
            response = client.post(stored["url"], content=body, headers=headers)
    except (httpx.TransportError, AddressNotAllowed) as error:
        # The same words whether refused, closed or silent (as for vendors): no port scanning.
        log.info("alert webhook of destination %s not delivered: %s", destination.pk, error)
        return False, "could not reach the address: no answer"
    if 200 <= response.status_code < 300:
        return True, f"HTTP {response.status_code}"
    return False, f"HTTP {response.status_code}"


def send_email(destination: Destination, notice: Notice) -> tuple[bool, str]:
    recipients = [address.strip() for address in destination.emails.split(",") if address.strip()]
    message = EmailMessage(
        notice.subject, notice.text, settings.ALERT_EMAIL_FROM, recipients, headers={DELIVERY_HEADER: notice.id}
    )
    try:
        message.send(fail_silently=False)
    except Exception as error:  # smtplib and socket errors, whatever the backend raises
        log.info("alert email of destination %s not delivered: %s", destination.pk, error)
        return False, f"{type(error).__name__}: {error}"[:500]
    return True, f"accepted by the mail server for {len(recipients)} recipient(s)"


@sensitive_variables()
def send_bot(destination: Destination, notice: Notice) -> tuple[bool, str]:
    try:
        url = apprise_url(destination)
    except ValueError as error:
        return False, str(error)
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return False, "the bot address was not accepted"
    with apprise.LogCapture(level=logging.WARNING) as captured:
        delivered = notifier.notify(body=notice.text, title=notice.subject)
        said = captured.getvalue().strip()
    return bool(delivered), ("delivered" if delivered else said or "not delivered")[:500]


def deliver(destination: Destination, notice: Notice) -> tuple[bool, str]:
    if destination.kind == DestinationKind.EMAIL:
        return send_email(destination, notice)
    if destination.kind == DestinationKind.WEBHOOK:
        return send_webhook(destination, notice)
    return send_bot(destination, notice)
