"""Audit entries of kicks, closes and opened rooms link to the channel's live page."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from dashboard.audit.models import AuditEntry

from .models import Channel


def channel_keys(entry: AuditEntry) -> tuple[int | None, str, str]:
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    return entry.vendor_account_id, str(detail.get("app", "")), str(detail.get("channel", ""))


def channel_pages(entries: Sequence[AuditEntry]) -> dict[int, str]:
    """By account and channel id (and app id where the entry names it)."""
    wanted = [(entry, *channel_keys(entry)) for entry in entries]
    accounts = {account for _entry, account, _app, channel in wanted if account and channel}
    channels = {channel for _entry, _account, _app, channel in wanted if channel}
    if not accounts:
        return {}
    found: dict[tuple[int | None, str, str], int] = {}
    any_app: dict[tuple[int | None, str], int] = {}
    rows = Channel.objects.filter(app__vendor_account_id__in=accounts, channel_id__in=channels).values_list(
        "pk", "app__vendor_account_id", "app__app_id", "channel_id"
    )
    for pk, row_account, row_app, row_channel in rows:
        found[(row_account, row_app, row_channel)] = pk
        any_app.setdefault((row_account, row_channel), pk)
    links = {}
    for entry, account, app, channel in wanted:
        if account is None or entry.tenant is None:
            continue
        channel_pk = found.get((account, app, channel)) or any_app.get((account, channel))
        if channel_pk is not None:
            links[entry.pk] = reverse("live:channel_detail", args=[entry.tenant.slug, channel_pk])
    return links
