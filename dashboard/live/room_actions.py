"""Room controls at the vendor, each audited with the vendor's answer: once for a call about
the room, once per user for a call about users (the vendor answers for each)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dashboard.audit.log import audited, record
from dashboard.audit.models import AuditEntry, Outcome
from dashboard.credentials.connect import provider_for
from vendors.base.errors import VendorError
from vendors.base.provider import Provider
from vendors.base.types import PeerResult

from .actions import KickOutcome, User
from .models import Channel

PeerOutcome = KickOutcome
LOCK_ACTIONS = ("live.join_lock", "live.join_unlock")


def target(channel: Channel, user_id: str = "") -> str:
    parts = [channel.app.app_id, channel.channel_id, *([user_id] if user_id else [])]
    return " / ".join(parts)


def for_each_user(
    actor: User,
    channel: Channel,
    action: str,
    user_ids: Sequence[str],
    call: Callable[[Provider, list[str]], list[PeerResult]],
    detail: dict[str, Any] | None = None,
) -> PeerOutcome:
    """The vendor's answer for each user, one audit entry each; a refusal of the whole call is each user's answer."""
    account = channel.app.vendor_account
    wanted = list(dict.fromkeys(user_ids))
    try:
        with provider_for(account) as provider:
            results = call(provider, wanted)
    except VendorError as error:
        results = [PeerResult(user_id, False, error.code, error.message, error.request_id) for user_id in wanted]
    for result in results:
        record(
            actor,
            action,
            vendor_account=account,
            target=target(channel, result.user_id),
            outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
            vendor_request_id=result.request_id,
            error_code="" if result.ok else result.code,
            message=result.message,
            detail={"app": channel.app.app_id, "channel": channel.channel_id, "user": result.user_id, **(detail or {})},
        )
    return PeerOutcome(results)


def once(
    actor: User,
    channel: Channel,
    action: str,
    call: Callable[[Provider], str],
    detail: dict[str, Any] | None = None,
) -> str:
    """One call about the room: audited with its request id, or with the vendor's refusal (which propagates)."""
    account = channel.app.vendor_account
    with audited(actor, action, vendor_account=account, target=target(channel)) as audit:
        audit.detail = {"app": channel.app.app_id, "channel": channel.channel_id, **(detail or {})}
        with provider_for(account) as provider:
            audit.vendor_request_id = call(provider)
    return audit.vendor_request_id


def last_lock(channel: Channel) -> AuditEntry | None:
    """The console's last successful lock or unlock of the channel: the vendor has no read of it."""
    return (
        AuditEntry.objects.filter(
            vendor_account=channel.app.vendor_account,
            action__in=LOCK_ACTIONS,
            outcome=Outcome.SUCCESS,
            target=target(channel),
        )
        .order_by("-created_at", "-pk")
        .first()
    )
