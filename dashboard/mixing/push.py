"""Bypass push tasks: start, follow, re-layout and stop, each vendor call audited.

A vendor with bypass push (Capability.MIXING) declares its start options and their checks
(encodings, profiles, the push address) in its VendorInfo's Mixer; the form and the checks
here ask them, whichever vendor it is.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import models as auth
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.audit.log import audited
from dashboard.core.vendor_errors import stored_text
from dashboard.credentials.connect import provider_for
from dashboard.live.models import Channel
from vendors.base.errors import ValidationError, VendorError
from vendors.base.mixing import PushOptions
from vendors.base.provider import Capability, VendorInfo
from vendors.base.types import MixingRequest, MixingState

from .layouts import catalogue, from_json
from .models import LayoutVersion, MixingTask, TaskState

User = auth.User | auth.AnonymousUser  # request.user
# Spec 8.1: a StreamURL may not serve two running tasks, nor be reused within 10 s of a stop.
REUSE_PAUSE = timedelta(seconds=10)
STATES = {
    MixingState.WAITING: TaskState.WAITING,
    MixingState.RUNNING: TaskState.RUNNING,
    MixingState.STOPPED: TaskState.STOPPED,
    MixingState.FAILED: TaskState.FAILED,
    MixingState.UNKNOWN: TaskState.UNKNOWN,
}


def new_task_id() -> str:
    """Letters, digits, - and _, at most 55 bytes (spec 8.1)."""
    return f"console-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def push_options(info: VendorInfo) -> PushOptions | None:
    """What a push of this vendor starts with; None when it cannot push."""
    if not info.can(Capability.MIXING) or info.mixer is None:
        return None
    return info.mixer.push


def stream_url_problem(options: PushOptions, tenant_channel: Channel, stream_url: str) -> str:
    """Why this StreamURL may not be used now ("" when it may)."""
    try:
        options.check_destination(stream_url)
    except ValidationError as error:
        return error.message
    recent = timezone.now() - REUSE_PAUSE
    clash = MixingTask.objects.filter(
        channel__app__vendor_account=tenant_channel.app.vendor_account, stream_url=stream_url
    )
    if clash.filter(state__in=[TaskState.WAITING, TaskState.RUNNING, TaskState.UNKNOWN]).exists():
        return _("Another running task pushes to this address.")
    if clash.filter(Q(stopped_at__gte=recent)).exists():
        return _("A task pushed to this address less than 10 seconds ago; wait a moment.")
    return ""


def encoding_problem(options: PushOptions, media_encode: int, task_profile: str, version: LayoutVersion) -> str:
    try:
        options.check_encoding(media_encode, task_profile, len(version.layout.get("panes", [])))
    except ValidationError as error:
        return error.message
    return ""


def start(actor: User, channel: Channel, version: LayoutVersion, **settings: Any) -> MixingTask:
    """Start at the vendor (VendorError after auditing on refusal), then keep the task."""
    account = channel.app.vendor_account
    task_id = new_task_id()
    request = MixingRequest(
        task_id=task_id,
        stream_url=str(settings["stream_url"]),
        media_encode=int(settings["media_encode"]),
        task_profile=str(settings["task_profile"]),
        layout=from_json(version.layout),
        subscribed_users=tuple(settings.get("subscribed_users") or ()),
        presets=catalogue(account.info),
    )
    with audited(actor, "mixing.start", vendor_account=account, target=f"{channel.channel_id} / {task_id}") as call:
        call.detail = {
            "channel": channel.channel_id,
            "task": task_id,
            "stream_url": request.stream_url,
            "layout": f"{version.template.name} v{version.number}",
        }
        with provider_for(account) as provider:
            call.vendor_request_id = provider.start_mixing(channel.app.app_id, channel.channel_id, request)
    return MixingTask.objects.create(
        channel=channel,
        task_id=task_id,
        stream_url=request.stream_url,
        media_encode=request.media_encode,
        task_profile=request.task_profile,
        subscribed_users=list(request.subscribed_users),
        layout_version=version,
        started_by=actor if actor.is_authenticated else None,
    )


def refresh(task: MixingTask, *, interactive: bool = True) -> MixingTask:
    """Ask the vendor how the task is doing; a vendor error is kept on the task, not raised."""
    account = task.channel.app.vendor_account
    try:
        with provider_for(account, interactive=interactive) as provider:
            status = provider.mixing_status(task.channel.app.app_id, task.task_id)
    except VendorError as error:
        task.check_error = stored_text(error)
    else:
        task.state = STATES[status.state]
        task.vendor_status, task.detail, task.check_error = status.vendor_status, status.detail[:200], ""
        task.ended_by_vendor = status.ended_by_vendor
        if task.state in (TaskState.STOPPED, TaskState.FAILED) and task.stopped_at is None:
            task.stopped_at = timezone.now()
    task.checked_at = timezone.now()
    task.save()
    return task


def apply_layout(actor: User, task: MixingTask, version: LayoutVersion) -> str:
    account = task.channel.app.vendor_account
    with audited(
        actor, "mixing.update_layout", vendor_account=account, target=f"{task.channel.channel_id} / {task.task_id}"
    ) as call:
        call.detail = {"task": task.task_id, "layout": f"{version.template.name} v{version.number}"}
        with provider_for(account) as provider:
            call.vendor_request_id = provider.update_mixing_layout(
                task.channel.app.app_id, task.task_id, from_json(version.layout), catalogue(account.info)
            )
    task.layout_version = version
    task.save(update_fields=["layout_version"])
    return call.vendor_request_id


def stop(actor: User, task: MixingTask) -> str:
    account = task.channel.app.vendor_account
    with audited(
        actor, "mixing.stop", vendor_account=account, target=f"{task.channel.channel_id} / {task.task_id}"
    ) as call:
        call.detail = {"task": task.task_id}
        with provider_for(account) as provider:
            call.vendor_request_id = provider.stop_mixing(task.channel.app.app_id, task.task_id)
    task.state, task.stopped_at = TaskState.STOPPED, timezone.now()
    task.save(update_fields=["state", "stopped_at"])
    return call.vendor_request_id
