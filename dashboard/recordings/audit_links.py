"""Audit entries of recordings link to the recording, the channel or the app's rules."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from dashboard.audit.models import AuditEntry
from dashboard.live.audit_links import channel_pages
from dashboard.rtc.models import RtcApp

from .models import Recording

BY_CHANNEL = {"recording.start", "recording.stop_channel"}
BY_APP = {
    "recording.rule_add",
    "recording.rule_update",
    "recording.rule_delete",
    "recording.auto_start",
    "recording.auto_stop",
}


def recording_links(entries: Sequence[AuditEntry]) -> dict[int, str]:
    entries = [entry for entry in entries if entry.tenant is not None]
    links = channel_pages([entry for entry in entries if entry.action in BY_CHANNEL])
    links |= _rules_pages([entry for entry in entries if entry.action in BY_APP])
    links |= _recording_pages([entry for entry in entries if entry.action not in BY_CHANNEL | BY_APP])
    for entry in entries:
        if entry.action.startswith("storage."):
            links[entry.pk] = reverse("recordings:storage_list", args=[entry.tenant.slug])  # type: ignore[union-attr]
    return links


def _detail(entry: AuditEntry, key: str) -> str:
    return str(entry.detail.get(key, "")) if isinstance(entry.detail, dict) else ""


def _recording_pages(entries: Sequence[AuditEntry]) -> dict[int, str]:
    ids = {_detail(entry, "recording") for entry in entries} - {""}
    if not ids:
        return {}
    found: dict[tuple[int | None, str], int] = {
        (account, recording_id): pk
        for pk, account, recording_id in Recording.objects.filter(recording_id__in=ids).values_list(
            "pk", "channel__app__vendor_account_id", "recording_id"
        )
    }
    links = {}
    for entry in entries:
        pk = found.get((entry.vendor_account_id, _detail(entry, "recording")))
        if pk is not None and entry.tenant is not None:
            links[entry.pk] = reverse("recordings:recording_detail", args=[entry.tenant.slug, pk])
    return links


def _rules_pages(entries: Sequence[AuditEntry]) -> dict[int, str]:
    ids = {_detail(entry, "app") for entry in entries} - {""}
    if not ids:
        return {}
    found: dict[tuple[int | None, str], int] = {
        (account, app_id): pk
        for pk, account, app_id in RtcApp.objects.filter(app_id__in=ids).values_list(
            "pk", "vendor_account_id", "app_id"
        )
    }
    links = {}
    for entry in entries:
        pk = found.get((entry.vendor_account_id, _detail(entry, "app")))
        if pk is not None and entry.tenant is not None:
            links[entry.pk] = reverse("recordings:rule_list", args=[entry.tenant.slug, pk])
    return links
