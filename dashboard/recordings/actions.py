"""Start, follow, change and stop recordings at the vendor; every change audited.

The console never branches on a vendor's name: what a recording may be asked for comes
from the vendor's capabilities, and the vendor layer refuses what it cannot express.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import models as auth
from django.db import transaction
from django.utils import timezone

from dashboard.audit.log import audited
from dashboard.core.vendor_errors import stored_text
from dashboard.credentials.connect import provider_for
from dashboard.live.models import Channel
from dashboard.mixing.layouts import from_json
from dashboard.mixing.models import LayoutVersion
from vendors.base.errors import VendorError
from vendors.base.types import PlaybackRoom, RecordingKind, RecordingRequest, StorageTarget
from vendors.base.types import Recording as VendorRecording

from .models import Recording, RecordingFile, State
from .models import StorageTarget as StorageModel
from .options import offered

User = auth.User | auth.AnonymousUser  # request.user


def _target(recording: Recording) -> str:
    return f"{recording.channel.channel_id} / {recording.recording_id}"


def storage_target(storage: StorageModel) -> StorageTarget:
    keys = storage.keys()
    return StorageTarget(
        vendor=storage.provider,
        region=storage.region,
        bucket=storage.bucket,
        access_key=keys.get("access_key", ""),
        secret_key=keys.get("secret_key", ""),
        prefix=storage.prefix_parts,
    )


def start(
    actor: User,
    channel: Channel,
    *,
    kind: str = RecordingKind.VIDEO.value,
    mixed: bool = True,
    users: Sequence[str] = (),
    resolution: str = "720p",
    featured_user: str = "",
    layout_version: LayoutVersion | None = None,
    storage: StorageModel | None = None,
    rule_id: str = "",
    callback_url: str = "",
    callback_token_hash: str = "",
    max_idle_seconds: int = 30,
) -> Recording:
    """Start at the vendor (VendorError after auditing on refusal), then keep the recording."""
    account = channel.app.vendor_account
    request = RecordingRequest(
        kind=RecordingKind(kind),
        mixed=mixed,
        users=tuple(users),
        resolution=resolution,
        layout=from_json(layout_version.layout) if layout_version else None,
        featured_user=featured_user,
        storage=storage_target(storage) if storage else None,
        callback_url=callback_url,
        rule_id=rule_id,
        max_idle_seconds=max_idle_seconds,
    )
    shown: dict[str, Any] = {
        "kind": kind,
        "mixed": mixed,
        "users": list(users),
        "resolution": resolution,
        "featured_user": featured_user,
        "layout": f"{layout_version.template.name} v{layout_version.number}" if layout_version else "",
        "storage": storage.name if storage else "",
        "rule": rule_id,
    }
    shown = {
        name: value for name, value in shown.items() if value not in ("", [], None) and offered(account.info, name)
    }
    with audited(actor, "recording.start", vendor_account=account, target=channel.channel_id) as call:
        call.detail = {"channel": channel.channel_id, **shown}
        with provider_for(account) as provider:
            started = provider.start_recording(channel.app.app_id, channel.channel_id, request)
        call.vendor_request_id = started.request_id
        call.detail["recording"] = started.recording_id
    recording = Recording.objects.create(
        channel=channel,
        recording_id=started.recording_id,
        handle=started.handle,
        kind=kind,
        mixed=mixed,
        options=shown,
        layout_version=layout_version,
        storage=storage,
        state=started.state.value,
        vendor_status=started.vendor_status[:60],
        detail=started.detail[:300],
        started_by=actor if actor.is_authenticated else None,
        callback_token_hash=callback_token_hash,
    )
    return recording


def apply_status(recording: Recording, status: VendorRecording) -> None:
    """Take what the vendor says; progress is a new state or a new file."""
    now = timezone.now()
    moved = status.state.value != recording.state
    added = add_files(recording, status.files)
    # A recording the console saw end stays ended: vendors forget finished recordings.
    if recording.state not in (State.FINISHED, State.FAILED):
        recording.state = status.state.value
    recording.vendor_status = status.vendor_status[:60]
    recording.detail = (status.detail or recording.detail)[:300]
    if moved or added:
        recording.progressed_at = now
    if recording.state in (State.FINISHED, State.FAILED) and recording.ended_at is None:
        recording.ended_at = now
    recording.check_error = ""
    recording.checked_at = now


def add_files(recording: Recording, files: Sequence[Any]) -> int:
    """Keep files not seen before (by name); returns how many were new."""
    known = set(recording.files.values_list("name", flat=True))
    new = [
        RecordingFile(
            recording=recording,
            name=file.name[:300],
            url=file.url[:500],
            media_type=file.media_type[:100],
            size_bytes=file.size_bytes,
            user_id=file.user_id[:128],
            content=file.content or None,
        )
        for file in files
        if file.name[:300] not in known
    ]
    if new:
        RecordingFile.objects.bulk_create(new, ignore_conflicts=True)
        recording.file_count = recording.files.count()
    return len(new)


def refresh(recording: Recording, *, interactive: bool = True) -> Recording:
    """Ask the vendor how the recording is doing; a vendor error is kept, not raised."""
    account = recording.channel.app.vendor_account
    try:
        with provider_for(account, interactive=interactive) as provider:
            status = provider.recording_status(recording.channel.app.app_id, recording.handle)
    except VendorError as error:
        recording.check_error = stored_text(error)[:300]
        recording.checked_at = timezone.now()
    else:
        apply_status(recording, status)
    recording.save()
    return recording


def stop(actor: User, recording: Recording) -> str:
    account = recording.channel.app.vendor_account
    with audited(actor, "recording.stop", vendor_account=account, target=_target(recording)) as call:
        call.detail = {"recording": recording.recording_id}
        with provider_for(account) as provider:
            status = provider.stop_recording(recording.channel.app.app_id, recording.handle)
        call.vendor_request_id = status.request_id
    recording.stop_requested_at = timezone.now()
    apply_status(recording, status)
    recording.save()
    return call.vendor_request_id


def stop_channel(actor: User, channel: Channel) -> str:
    account = channel.app.vendor_account
    with audited(actor, "recording.stop_channel", vendor_account=account, target=channel.channel_id) as call:
        call.detail = {"channel": channel.channel_id}
        with provider_for(account) as provider:
            call.vendor_request_id = provider.stop_channel_recordings(channel.app.app_id, channel.channel_id)
    now = timezone.now()
    Recording.objects.filter(channel=channel, state__in=[State.STARTING, State.RECORDING]).update(
        state=State.STOPPING, stop_requested_at=now, progressed_at=now
    )
    return call.vendor_request_id


def apply_layout(actor: User, recording: Recording, version: LayoutVersion) -> str:
    account = recording.channel.app.vendor_account
    name = f"{version.template.name} v{version.number}"
    with audited(actor, "recording.update_layout", vendor_account=account, target=_target(recording)) as call:
        call.detail = {"recording": recording.recording_id, "layout": name}
        with provider_for(account) as provider:
            call.vendor_request_id = provider.update_recording_layout(
                recording.channel.app.app_id, recording.handle, from_json(version.layout)
            )
    recording.layout_version = version
    recording.options = {**recording.options, "layout": name}
    recording.save(update_fields=["layout_version", "options"])
    return call.vendor_request_id


def update_users(actor: User, recording: Recording, users: Sequence[str]) -> str:
    account = recording.channel.app.vendor_account
    with audited(actor, "recording.update_users", vendor_account=account, target=_target(recording)) as call:
        call.detail = {"recording": recording.recording_id, "users": list(users) or "everyone"}
        with provider_for(account) as provider:
            call.vendor_request_id = provider.update_recording_users(
                recording.channel.app.app_id, recording.handle, users
            )
    settings = {**recording.options, "users": list(users)}
    if not users:
        settings.pop("users")
    recording.options = settings
    recording.save(update_fields=["options"])
    return call.vendor_request_id


def playback(actor: User, recording: Recording) -> PlaybackRoom:
    account = recording.channel.app.vendor_account
    with audited(actor, "recording.playback", vendor_account=account, target=_target(recording)) as call:
        with provider_for(account) as provider:
            room = provider.recording_playback(recording.channel.app.app_id, recording.handle)
        call.detail = {"recording": recording.recording_id, "room": room.room_id}
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=recording.pk)
        rooms = [*recording.options.get("playback_rooms", []), {"room": room.room_id, "url": room.server_url}]
        recording.options = {**recording.options, "playback_rooms": rooms[-5:]}
        recording.save(update_fields=["options"])
    return room
