"""Vendors' signed recording callbacks: where they are sent, and what one changes.

The URL carries a signed account number (not guessable, nothing stored); the vendor layer
checks the vendor's own signature and freshness. A callback whose signature was seen before
is a replay and changes nothing; a repeat with a new signature (the vendor retrying) adds
only what is new, so both are safe.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel, Discovery
from dashboard.rtc.models import AppSource, RtcApp
from vendors.base.errors import CallbackRejectedError
from vendors.base.provider import Provider
from vendors.base.types import RecordingEvent

from .actions import add_files
from .models import CallbackReceipt, Recording, State

log = logging.getLogger(__name__)
SALT = "dashboard.recordings.callback"


def account_token(account: VendorAccount) -> str:
    return signing.dumps(account.pk, salt=SALT)


def callback_url(account: VendorAccount, request: HttpRequest | None = None) -> str:
    path = reverse("recording_callback", args=[account_token(account)])
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + path
    if request is None:
        raise ValueError("set PUBLIC_BASE_URL so vendors can reach the console")
    return request.build_absolute_uri(path)


def account_for(token: str) -> VendorAccount | None:
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return VendorAccount.objects.filter(pk=pk, enabled=True).select_related("tenant").first()


@dataclass(frozen=True)
class Outcome:
    status: int
    message: str
    reply: Mapping[str, object]


REPLAY = "this callback was received before (a replay); nothing changed"


def receive(account: VendorAccount, headers: Mapping[str, str], body: Mapping[str, object]) -> Outcome:
    with provider_for(account, interactive=False) as provider:
        status, message = _receive(provider, account, headers, body)
        return Outcome(status, message, provider.recording_callback_reply(status, message))


def _receive(
    provider: Provider, account: VendorAccount, headers: Mapping[str, str], body: Mapping[str, object]
) -> tuple[int, str]:
    try:
        event = provider.verify_recording_callback(headers, body, timezone.now())
    except CallbackRejectedError as error:
        log.warning("refused a recording callback for account %s: %s", account.pk, error)
        return 403, str(error)
    if CallbackReceipt.objects.filter(vendor_account=account, signature=event.signature).exists():
        log.warning("refused a replayed recording callback for account %s", account.pk)
        return 409, REPLAY
    try:
        with transaction.atomic():
            message, recording = _apply(account, event)
            CallbackReceipt.objects.create(
                vendor_account=account, signature=event.signature, recording=recording, outcome=message
            )
    except IntegrityError:  # the same callback twice at once: the other one counted
        return 409, REPLAY
    return 200, message


def _apply(account: VendorAccount, event: RecordingEvent) -> tuple[str, Recording]:
    recording = (
        Recording.objects.select_for_update()
        .filter(channel__app__vendor_account=account, recording_id=event.recording_id)
        .order_by("-started_at")
        .first()
    )
    now = timezone.now()
    if recording is None:  # started by the vendor under an automatic rule
        recording = Recording.objects.create(
            channel=_channel(account, event),
            recording_id=event.recording_id,
            handle={"recording_id": event.recording_id, "channel_id": event.channel_id, "kind": event.kind.value},
            kind=event.kind.value,
            automatic=True,
            state=State.RECORDING,
            options={"users": [event.user_id]} if event.user_id else {},
        )
    added = add_files(recording, event.files)
    ended = recording.state not in (State.FINISHED, State.FAILED)
    if ended:
        recording.state, recording.ended_at = State.FINISHED, now
        recording.vendor_status = "callback"
    if added or ended:
        recording.progressed_at = now
    recording.detail = "" if recording.file_count else "the vendor's callback announced no file"
    recording.save()
    if added:
        return f"{added} file(s) attached", recording
    return ("recording finished" if ended else "a repeat: nothing new"), recording


def _channel(account: VendorAccount, event: RecordingEvent) -> Channel:
    app = account.apps.filter(app_id=event.app_id).first()
    if app is None:  # the vendor signed it with the account's key: the app is the account's own
        app = RtcApp.objects.create(vendor_account=account, app_id=event.app_id, source=AppSource.MANUAL)
    channel, _ = Channel.objects.get_or_create(
        app=app, channel_id=event.channel_id or "unknown", defaults={"discovered_by": Discovery.CONSOLE}
    )
    return channel
