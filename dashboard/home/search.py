"""The header's search: one text looked up as every kind of id the console keeps, in every
tenant the reader may see (staff: all), from the database only.

Kinds: channels (by id), users (where they are live now, where they were seen in the last
LIVE_SNAPSHOT_DAYS), apps (by id or name), recordings (by id), pushes (MPU task id) and audit
entries (by vendor request id: only where the reader may read the audit log). Ids match
exactly or by part; a text shorter than MIN_PART matches exactly only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from dashboard.audit.actions import action_label
from dashboard.audit.models import AuditEntry
from dashboard.core.cuts import Cut, head
from dashboard.live.models import Channel, MemberEvent, Presence
from dashboard.mixing.models import MixingTask
from dashboard.recordings.models import Recording
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Membership, Role, Tenant
from dashboard.tenancy.scoping import visible_tenants

MIN_PART = 3
PER_KIND = 20


@dataclass
class Hit:
    label: str
    url: str
    tenant: str
    detail: str = ""
    exact: bool = False
    live: bool = False
    at: datetime | None = None  # shown in the reader's time zone


@dataclass
class Group:
    kind: str
    title: str | Promise
    hits: Cut[Hit]


@dataclass
class UserPlace:
    channel: Channel
    at: datetime  # live: the latest poll that listed them; seen: their last join or leave


@dataclass
class Results:
    query: str
    groups: list[Group] = field(default_factory=list)
    live_now: Cut[UserPlace] = field(default_factory=lambda: Cut([], 0))
    seen: Cut[UserPlace] = field(default_factory=lambda: Cut([], 0))

    @property
    def empty(self) -> bool:
        return not (self.live_now or self.seen or any(group.hits for group in self.groups))

    def only_exact(self) -> str | None:
        """The page of the one object whose id is exactly the text, when nothing else matches it
        exactly (a user id that is also a channel id shows both)."""
        exact = [hit for group in self.groups for hit in group.hits if hit.exact]
        if len(exact) == 1 and not self.live_now and not self.seen and not self._audit():
            return exact[0].url
        return None

    def _audit(self) -> bool:
        return any(group.kind == "audit" and group.hits for group in self.groups)


def audit_readable(user: User | AnonymousUser) -> QuerySet[AuditEntry]:
    """Entries the reader may read: staff all of them; tenant admins their tenants'."""
    if user.is_staff:
        return AuditEntry.objects.all()
    if not user.is_authenticated:
        return AuditEntry.objects.none()
    admin_of = Membership.objects.filter(user=user, role=Role.ADMIN).values("tenant")
    return AuditEntry.objects.filter(tenant__in=admin_of)


def _id_match(field_name: str, text: str) -> Q:
    if len(text) < MIN_PART:
        return Q(**{field_name: text})
    return Q(**{f"{field_name}__icontains": text})


def _cut(hits: list[Hit], total: int) -> Cut[Hit]:
    return Cut(sorted(hits, key=lambda hit: (not hit.exact, not hit.live, hit.label)), total)


def find(user: User | AnonymousUser, text: str, now: datetime) -> Results:
    results = Results(text)
    if not text:
        return results
    tenants = visible_tenants(user)
    channels = Channel.objects.filter(app__vendor_account__tenant__in=tenants).select_related(
        "app__vendor_account__tenant"
    )
    results.groups.append(_channels(channels, text))
    _user(results, tenants, text, now)
    results.groups.append(_apps(tenants, text))
    results.groups.append(_recordings(tenants, text))
    results.groups.append(_pushes(tenants, text))
    results.groups.append(_audit(user, text))
    return results


def _channels(channels: QuerySet[Channel], text: str) -> Group:
    found = head(channels.filter(_id_match("channel_id", text)).order_by("-is_live", "channel_id"), PER_KIND)
    hits = [
        Hit(
            channel.channel_id,
            reverse("live:channel_detail", args=[channel.app.vendor_account.tenant.slug, channel.pk]),
            channel.app.vendor_account.tenant.name,
            f"{channel.app.vendor_account.vendor_label} · {channel.app}",
            exact=channel.channel_id == text,
            live=channel.is_live,
        )
        for channel in found
    ]
    return Group("channel", _("Channels"), _cut(hits, found.total))


def _user(results: Results, tenants: QuerySet[Tenant], text: str, now: datetime) -> None:
    """Where a user id is in a channel now, and where it joined or left one lately (exact ids only)."""
    in_tenants = Q(channel__app__vendor_account__tenant__in=tenants)
    presences = head(
        Presence.objects.filter(in_tenants, user_id=text, kicked_at__isnull=True, channel__is_live=True)
        .select_related("channel__app__vendor_account__tenant")
        .order_by("-last_seen_at"),
        PER_KIND,
    )
    results.live_now = Cut(
        [UserPlace(presence.channel, presence.last_seen_at) for presence in presences], presences.total
    )
    live_pks = {place.channel.pk for place in results.live_now}
    recent = now - timedelta(days=settings.LIVE_SNAPSHOT_DAYS)
    last_seen = head(
        MemberEvent.objects.filter(in_tenants, user_id=text, at__gte=recent)
        .exclude(channel__in=live_pks)
        .values_list("channel")
        .annotate(last=Max("at"))
        .order_by("-last"),
        PER_KIND,
    )
    by_pk = Channel.objects.select_related("app__vendor_account__tenant").in_bulk([pk for pk, _at in last_seen])
    results.seen = Cut([UserPlace(by_pk[pk], at) for pk, at in last_seen], last_seen.total)


def _apps(tenants: QuerySet[Tenant], text: str) -> Group:
    apps = RtcApp.objects.filter(vendor_account__tenant__in=tenants).select_related("vendor_account__tenant")
    matching = _id_match("app_id", text) | (Q(name__icontains=text) if len(text) >= MIN_PART else Q(name=text))
    found = head(apps.filter(matching).order_by("app_id"), PER_KIND)
    hits = [
        Hit(
            app.app_id,
            reverse("usage:app_usage", args=[app.vendor_account.tenant.slug, app.vendor_account_id, app.pk]),
            app.vendor_account.tenant.name,
            f"{app.vendor_account.vendor_label} · {app.vendor_account.label}" + (f" · {app.name}" if app.name else ""),
            exact=text in (app.app_id, app.name),
        )
        for app in found
    ]
    return Group("app", _("Apps"), _cut(hits, found.total))


def _recordings(tenants: QuerySet[Tenant], text: str) -> Group:
    recordings = Recording.objects.filter(tenant__in=tenants).select_related("tenant", "channel")
    found = head(recordings.filter(_id_match("recording_id", text)), PER_KIND)
    hits = [
        Hit(
            recording.recording_id,
            reverse("recordings:recording_detail", args=[recording.tenant.slug, recording.pk]),
            recording.tenant.name,
            f"{recording.channel.channel_id} · {recording.get_state_display()}",
            exact=recording.recording_id == text,
            live=recording.active,
        )
        for recording in found
    ]
    return Group("recording", _("Recordings"), _cut(hits, found.total))


def _pushes(tenants: QuerySet[Tenant], text: str) -> Group:
    tasks = MixingTask.objects.filter(channel__app__vendor_account__tenant__in=tenants).select_related(
        "channel__app__vendor_account__tenant"
    )
    found = head(tasks.filter(_id_match("task_id", text)), PER_KIND)
    hits = [
        Hit(
            task.task_id,
            reverse("mixing:push_detail", args=[task.channel.app.vendor_account.tenant.slug, task.pk]),
            task.channel.app.vendor_account.tenant.name,
            f"{task.channel.channel_id} · {task.get_state_display()}",
            exact=task.task_id == text,
            live=task.active,
        )
        for task in found
    ]
    return Group("push", _("Pushes (MPU tasks)"), _cut(hits, found.total))


def _audit(user: User | AnonymousUser, text: str) -> Group:
    """Audit entries with this vendor request id (exactly: request ids are quoted whole)."""
    found = head(
        audit_readable(user).filter(vendor_request_id__iexact=text).select_related("tenant").order_by("-created_at"),
        PER_KIND,
    )
    hits = []
    for entry in found:
        # An entry of no tenant (key rotation) is on the staff's log only.
        base = reverse("audit:tenant_audit", args=[entry.tenant.slug]) if entry.tenant else reverse("staff:all_audit")
        hits.append(
            Hit(
                entry.vendor_request_id,
                f"{base}?{urlencode({'q': entry.vendor_request_id})}",
                entry.tenant_name,
                f"{action_label(entry.action)} · {entry.get_outcome_display()}",
                exact=True,
                at=entry.created_at,
            )
        )
    return Group("audit", _("Audit entries (vendor request id)"), Cut(hits, found.total))
