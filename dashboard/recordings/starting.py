"""Start a recording from the start form's cleaned data: the one mapping the page and the REST
API share (each validates with `StartRecordingForm` first)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from dashboard.live.models import Channel
from vendors.base.provider import Capability

from . import actions, callbacks
from .models import Recording


def start_from_form(actor: Any, channel: Channel, data: Mapping[str, Any], request: HttpRequest) -> Recording:
    """`actor` is who the audit log names (a user, or an API token); `request` gives the console's
    address for the recording's own callback URL, where the vendor sends callbacks."""
    account = channel.app.vendor_account
    address = (
        callbacks.recording_address(account, request) if account.info.can(Capability.RECORDING_CALLBACKS) else None
    )
    template = data.get("template")
    return actions.start(
        actor,
        channel,
        kind=data.get("kind") or "video",
        mixed=data.get("mixed", True),
        users=data["users"],
        resolution=data.get("resolution") or "720p",
        featured_user=data.get("featured_user") or "",
        layout_version=template.current if template else None,
        storage=data.get("storage"),
        rule_id=data.get("rule") or "",
        callback_url=address.url if address else "",
        callback_token_hash=address.token_hash if address else "",
    )
