"""How many channels are live and how many members are in them, per vendor account: the one
count the channel list and the home page both show."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from .models import Channel


@dataclass(frozen=True)
class LiveNow:
    channels: int = 0
    members: int = 0


def live_by_account(channels: QuerySet[Channel]) -> dict[int, LiveNow]:
    """Per vendor account (pk), the live channels among `channels` and the members the latest polls listed."""
    rows = (
        channels.filter(is_live=True)
        .values_list("app__vendor_account")
        .annotate(channels=Count("pk"), members=Sum("member_count"))
        .order_by()
    )
    return {account_pk: LiveNow(count, members or 0) for account_pk, count, members in rows}
