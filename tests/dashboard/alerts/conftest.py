"""A real SMTP server (aiosmtpd) and a real HTTP receiver on loopback, for alert deliveries."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from dashboard.alerts.models import AlertRule, Destination, DestinationKind, Kind
from dashboard.live.models import Channel
from dashboard.recordings.models import Recording, State
from tests.dashboard.conftest import World2

WEBHOOK_SECRET = "whsec-0123456789abcdef"


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield mailbox
    finally:
        controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    calls: list[Received]
    status: list[int]  # the answer to give: [200] by default, change it to fail


@pytest.fixture
def webhook_receiver(settings) -> Iterator[Receiver]:
    calls: list[Received] = []
    status = [200]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            calls.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(status[0])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0, "code": 0, "ok": true}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ALERT_WEBHOOK_PRIVATE_URLS = [url]  # the operator allows this loopback receiver
    try:
        yield Receiver(url + "/alerts", calls, status)
    finally:
        server.shutdown()
        server.server_close()


def email_destination(world: World2, address: str = "ops@example.com") -> Destination:
    return Destination.objects.create(tenant=world.acme, name="Ops mail", kind=DestinationKind.EMAIL, emails=address)


def webhook_destination(world: World2, url: str, name: str = "Ops hook") -> Destination:
    destination = Destination(tenant=world.acme, name=name, kind=DestinationKind.WEBHOOK, address_hint=url)
    destination.set_secrets(url, WEBHOOK_SECRET)
    destination.save()
    return destination


def recording_rule(world: World2, *destinations: Destination) -> AlertRule:
    rule = AlertRule.objects.get(tenant=world.acme, kind=Kind.RECORDING_PROBLEM)
    rule.destinations.set(destinations)
    return rule


def stalled_recording(world: World2, minutes: int = 30) -> Recording:
    """A recording starting for `minutes` with no progress: the watchdog's "stalled"."""
    channel = Channel.objects.get_or_create(app=world.acme_manual_app, channel_id="stuck-room")[0]
    recording = Recording.objects.create(channel=channel, recording_id="rec-stalled-1", state=State.STARTING)
    Recording.objects.filter(pk=recording.pk).update(progressed_at=timezone.now() - timedelta(minutes=minutes))
    recording.refresh_from_db()
    return recording
