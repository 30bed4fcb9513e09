"""Audit entries of bypass pushes link to the push's page."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from dashboard.audit.models import AuditEntry

from .models import MixingTask


def _task_id(entry: AuditEntry) -> str:
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    return str(detail.get("task") or entry.target.rpartition(" / ")[2])


def push_links(entries: Sequence[AuditEntry]) -> dict[int, str]:
    ids = {_task_id(entry) for entry in entries} - {""}
    found: dict[tuple[int | None, str], int] = {
        (account, task_id): pk
        for pk, account, task_id in MixingTask.objects.filter(task_id__in=ids).values_list(
            "pk", "channel__app__vendor_account_id", "task_id"
        )
    }
    links = {}
    for entry in entries:
        pk = found.get((entry.vendor_account_id, _task_id(entry)))
        if pk is not None and entry.tenant is not None:
            links[entry.pk] = reverse("mixing:push_detail", args=[entry.tenant.slug, pk])
    return links
