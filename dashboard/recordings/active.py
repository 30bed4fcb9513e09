"""What is running now: bypass pushes and recordings, across vendors and accounts, as rows
of one table (the Active tasks page and a channel's page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dashboard.core.cuts import Cut
from dashboard.core.prepared import all_columns, prepared
from dashboard.mixing.models import RUNNING_TASKS, MixingTask
from vendors.base.provider import Capability

from .models import ACTIVE_STATES, Recording

# Each kind is cut at this many rows, and the page says so ("N of M shown").
ACTIVE_LIMIT = 500
PUSH, RECORDING = "push", "recording"
KIND_LABELS = {PUSH: _("Bypass push"), RECORDING: _("Recording")}


@dataclass(frozen=True, slots=True)
class ActiveTask:
    kind: str
    task_id: str
    state: str
    state_label: str
    tenant_name: str
    tenant_slug: str
    account_label: str
    vendor_label: str
    channel_id: str
    channel_pk: int
    started_at: datetime
    started_by: str
    automatic: bool
    stopping: bool
    detail_url: str
    stop_url: str  # "" where the vendor cannot stop it (a task left on an account that lost the capability)
    seconds: int  # running for, until the page's "now"

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def running_pushes(where: Q) -> QuerySet[MixingTask]:
    """`where` is over the channel (`channel__...`): a tenant, or a channel."""
    return (
        MixingTask.objects.filter(where, RUNNING_TASKS)
        .select_related("channel__app__vendor_account__tenant", "started_by")
        .order_by("-started_at", "-pk")
    )


def running_recordings(where: Q) -> QuerySet[Recording]:
    return (
        Recording.objects.filter(where, state__in=ACTIVE_STATES)
        .select_related("channel__app__vendor_account__tenant", "started_by")
        .order_by("-started_at", "-pk")
    )


def running_on_channel_version(channel_pk: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every field of the pushes and recordings the live page lists as running on the channel,
    with who started them: that page's cached render is kept only while these stay the same."""
    return (_PUSHES_ON_CHANNEL.rows(channel_pk), _RECORDINGS_ON_CHANNEL.rows(channel_pk))


_PUSHES_ON_CHANNEL = prepared(
    lambda channel: running_pushes(of_channel(channel)).values_list(*all_columns(MixingTask), "started_by__username")
)
_RECORDINGS_ON_CHANNEL = prepared(
    lambda channel: running_recordings(of_channel(channel)).values_list(*all_columns(Recording), "started_by__username")
)


def _push_row(task: MixingTask, now: datetime) -> ActiveTask:
    account = task.channel.app.vendor_account
    slug = account.tenant.slug
    return ActiveTask(
        kind=PUSH,
        task_id=task.task_id,
        state=task.state,
        state_label=task.get_state_display(),
        tenant_name=account.tenant.name,
        tenant_slug=slug,
        account_label=account.label,
        vendor_label=account.vendor_label,
        channel_id=task.channel.channel_id,
        channel_pk=task.channel_id,
        started_at=task.started_at,
        started_by=task.started_by.get_username() if task.started_by else "",
        automatic=False,
        stopping=False,
        detail_url=reverse("mixing:push_detail", args=[slug, task.pk]),
        stop_url=reverse("mixing:push_stop", args=[slug, task.pk]) if account.info.can(Capability.MIXING) else "",
        seconds=max(0, int((now - task.started_at).total_seconds())),
    )


def _recording_row(recording: Recording, now: datetime) -> ActiveTask:
    account = recording.channel.app.vendor_account
    slug = account.tenant.slug
    return ActiveTask(
        kind=RECORDING,
        task_id=recording.recording_id,
        state=recording.state,
        state_label=recording.get_state_display(),
        tenant_name=account.tenant.name,
        tenant_slug=slug,
        account_label=account.label,
        vendor_label=account.vendor_label,
        channel_id=recording.channel.channel_id,
        channel_pk=recording.channel_id,
        started_at=recording.started_at,
        started_by=recording.started_by.get_username() if recording.started_by else "",
        automatic=recording.automatic,
        stopping=recording.stop_requested_at is not None,
        detail_url=reverse("recordings:recording_detail", args=[slug, recording.pk]),
        stop_url=reverse("recordings:recording_stop", args=[slug, recording.pk])
        if account.info.can(Capability.RECORDING)
        else "",
        seconds=recording.duration_seconds(now),
    )


@dataclass(frozen=True, slots=True)
class ActiveTasks:
    rows: list[ActiveTask]
    pushes: Cut[MixingTask]
    recordings: Cut[Recording]

    @property
    def cut(self) -> bool:
        return self.pushes.cut or self.recordings.cut

    @property
    def total(self) -> int:
        return self.pushes.total + self.recordings.total


def _cut(queryset: QuerySet, limit: int) -> Cut:
    items = list(queryset[: limit + 1])
    return Cut(items[:limit], queryset.count() if len(items) > limit else len(items))


def active_tasks(where: Q, now: datetime, limit: int = ACTIVE_LIMIT) -> ActiveTasks:
    """Running pushes and recordings matching `where` (over the channel), newest first."""
    pushes = _cut(running_pushes(where), limit)
    recordings = _cut(running_recordings(where), limit)
    rows = [_push_row(task, now) for task in pushes] + [_recording_row(recording, now) for recording in recordings]
    rows.sort(key=lambda row: row.started_at, reverse=True)
    return ActiveTasks(rows, pushes, recordings)


def of_tenant(tenant_id: int) -> Q:
    return Q(channel__app__vendor_account__tenant_id=tenant_id)


def of_channel(channel_pk: int) -> Q:
    return Q(channel_id=channel_pk)


def everywhere() -> Q:
    return Q()
