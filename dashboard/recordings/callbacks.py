"""Vendors' signed recording callbacks: where they are sent, and what one changes.

Every URL carries a signed account number (not guessable, nothing stored); the vendor layer
checks the vendor's own signature and freshness. A callback whose signature was seen before
is a replay and changes nothing; a repeat with a new signature (the vendor retrying) adds
only what is new, so both are safe.

The vendor's signature does not cover every field (ISDP+ signs neither recordingId nor the
file fields), so a copy of a genuine callback, altered before the genuine one arrives, would
pass. A recording the console starts is therefore given its own address, with a random
token whose hash is kept on the recording: there, a callback may change that recording and
no other. The account's address (without a token) serves only recordings the vendor started
itself under an automatic rule, which have no other: there a copy can still name another
recording id or other files, but only of automatic recordings, never of one the console
started, and only of the app and channel the vendor signed.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def callback_url(account: VendorAccount, request: HttpRequest | None = None) -> str:
    """The account's address, for the recordings its vendor starts by itself (automatic rules)."""
    return _absolute(reverse("hooks:recording_callback", args=[account_token(account)]), request)


@dataclass(frozen=True)
class Address:
    url: str
    token_hash: str


def recording_address(account: VendorAccount, request: HttpRequest | None = None) -> Address:
    """A new address for one recording the console starts; keep token_hash on that recording."""
    token = secrets.token_urlsafe(32)
    path = reverse("hooks:recording_callback_bound", args=[account_token(account), token])
    return Address(_absolute(path, request), token_hash(token))


def _absolute(path: str, request: HttpRequest | None) -> str:
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


def recording_for(account: VendorAccount, token: str) -> Recording | None:
    """The recording a token-bearing address was made for."""
    return Recording.objects.filter(channel__app__vendor_account=account, callback_token_hash=token_hash(token)).first()


@dataclass(frozen=True)
class Outcome:
    status: int
    message: str
    reply: Mapping[str, object]


REPLAY = "this callback was received before (a replay); nothing changed"
ANOTHER_RECORDING = "this address belongs to another recording; nothing changed"
OWN_ADDRESS = "the console started this recording: its callbacks go to its own address; nothing changed"


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def receive(
    account: VendorAccount,
    headers: Mapping[str, str],
    body: Mapping[str, object],
    bound: Recording | None = None,
) -> Outcome:
    """Apply a callback; `bound` is the recording whose own address it came to (None: the account's)."""
    with provider_for(account, interactive=False) as provider:
        status, message = _receive(provider, account, headers, body, bound)
        return Outcome(status, message, provider.recording_callback_reply(status, message))


def _receive(
    provider: Provider,
    account: VendorAccount,
    headers: Mapping[str, str],
    body: Mapping[str, object],
    bound: Recording | None,
) -> tuple[int, str]:
    try:
        event = provider.verify_recording_callback(headers, body, timezone.now())
    except CallbackRejectedError as error:
        log.warning("refused a recording callback for account %s: %s", account.pk, error)
        return 403, str(error)
    if CallbackReceipt.objects.filter(vendor_account=account, signature=event.signature).exists():
        log.warning("refused a replayed recording callback for account %s", account.pk)
        return 409, REPLAY
    if problem := _unfit(event):
        log.warning("refused a recording callback for account %s: %s", account.pk, problem)
        return 400, problem
    try:
        with transaction.atomic():
            message, recording = _apply(account, event, bound)
            CallbackReceipt.objects.create(
                vendor_account=account, signature=event.signature, recording=recording, outcome=message
            )
    except Refused as refused:
        log.warning("refused a recording callback for account %s: %s", account.pk, refused.message)
        return refused.status, refused.message
    except IntegrityError:  # the same callback twice at once: the other one counted
        return 409, REPLAY
    return 200, message


def _unfit(event: RecordingEvent) -> str:
    """Why the event's text cannot be kept (too long for its column, NUL, half a surrogate pair)."""
    # Recording.recording_id and Channel.channel_id; file fields are cut to their columns.
    for what, text, longest in (("recording id", event.recording_id, 200), ("channel id", event.channel_id, 128)):
        if len(text) > longest:
            return f"the callback's {what} cannot be kept: it is longer than {longest} characters"
    texts = [event.recording_id, event.channel_id, event.user_id]
    texts += [text for file in event.files for text in (file.name, file.url, file.media_type, file.user_id)]
    for text in texts:
        try:
            text.encode()
        except UnicodeEncodeError:
            return "the callback's text cannot be kept: it is not valid Unicode"
        if "\x00" in text:
            return "the callback's text cannot be kept: it holds a NUL character"
    return ""


def _recording(account: VendorAccount, event: RecordingEvent, bound: Recording | None) -> Recording | None:
    """The recording the callback may change; Refused when it names one it may not."""
    recording: Recording | None
    if bound is not None:
        recording = Recording.objects.select_for_update().get(pk=bound.pk)
        if (recording.recording_id, recording.channel.channel_id) != (event.recording_id, event.channel_id):
            raise Refused(403, ANOTHER_RECORDING)
        return recording
    recording = (
        Recording.objects.select_for_update()
        .filter(channel__app__vendor_account=account, recording_id=event.recording_id)
        .order_by("-started_at")
        .first()
    )
    if recording is not None and recording.callback_token_hash:
        raise Refused(403, OWN_ADDRESS)
    return recording


def _apply(account: VendorAccount, event: RecordingEvent, bound: Recording | None) -> tuple[str, Recording]:
    recording = _recording(account, event, bound)
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
