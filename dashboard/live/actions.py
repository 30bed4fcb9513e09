"""Kick and close: the vendor call, the audit entries, and what the console marks meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import models as auth
from django.utils import timezone

from dashboard.audit.log import audited, record
from dashboard.audit.models import Outcome
from dashboard.credentials.connect import provider_for
from vendors.base.errors import VendorError
from vendors.base.types import KickResult

from .models import Channel, Presence
from .poll import can_poll, poll_channels

User = auth.User | auth.AnonymousUser  # request.user


@dataclass(frozen=True, slots=True)
class KickOutcome:
    results: list[KickResult]

    @property
    def kicked(self) -> list[KickResult]:
        return [result for result in self.results if result.ok]

    @property
    def failed(self) -> list[KickResult]:
        return [result for result in self.results if not result.ok]


def kick(actor: User, channel: Channel, user_ids: Sequence[str], reason: str = "") -> KickOutcome:
    """Ask the vendor to remove each terminal; one audit entry per terminal with its answer.

    Members the vendor accepted are marked kicked until the next poll confirms they left.
    """
    account = channel.app.vendor_account
    wanted = list(dict.fromkeys(user_ids))
    try:
        with provider_for(account) as provider:
            results = provider.kick(channel.app.app_id, channel.channel_id, wanted)
    except VendorError as error:
        results = [KickResult(user_id, False, error.code, error.message, error.request_id) for user_id in wanted]
    for result in results:
        record(
            actor,
            "live.kick",
            vendor_account=account,
            target=f"{channel.app.app_id} / {channel.channel_id} / {result.user_id}",
            outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
            vendor_request_id=result.request_id,
            error_code="" if result.ok else result.code,
            message=result.message,
            detail={"app": channel.app.app_id, "channel": channel.channel_id, "user": result.user_id, "reason": reason},
        )
    accepted = [result.user_id for result in results if result.ok]
    if accepted:
        user = actor if actor.is_authenticated else None
        Presence.objects.filter(channel=channel, user_id__in=accepted).update(kicked_at=timezone.now(), kicked_by=user)
    return KickOutcome(results)


def close(actor: User, channel: Channel, reason: str = "") -> str:
    """Close the channel at the vendor (VendorError on refusal, after it is audited); then
    poll it, where the vendor lets us, so the page shows what the vendor now says."""
    account = channel.app.vendor_account
    with audited(
        actor, "live.close_channel", vendor_account=account, target=f"{channel.app.app_id} / {channel.channel_id}"
    ) as call:
        call.detail = {"app": channel.app.app_id, "channel": channel.channel_id, "reason": reason}
        with provider_for(account) as provider:
            call.vendor_request_id = provider.close_channel(channel.app.app_id, channel.channel_id)
    channel.closed_at = timezone.now()
    channel.save(update_fields=["closed_at"])
    if can_poll(account):
        poll_channels(account, [channel])
    else:
        Channel.objects.filter(pk=channel.pk).update(is_live=False, live_since=None, member_count=0)
    return call.vendor_request_id
