"""What pages of the apps below recordings show of it: the tenant list's "needing attention"
column, the layout editor's running recordings, what runs on a channel. Tags, so those apps need not import this one."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.db.models import Count
from django.utils import timezone

from dashboard.core.cuts import Cut, head
from dashboard.live.models import Channel
from dashboard.recordings import watchdog
from dashboard.recordings.active import active_tasks, of_channel
from dashboard.recordings.models import ACTIVE_STATES, Recording
from dashboard.tenancy.models import Tenant
from dashboard.tenancy.scoping import TenantScope
from vendors import registry
from vendors.base.provider import Capability

register = template.Library()


@register.simple_tag
def attention_by_tenant(tenants: Iterable[Tenant]) -> dict[int, int]:
    """Support staff see at a glance where recordings need them (each tenant's watchdog), in one query."""
    return dict(
        Recording.objects.filter(watchdog.needs_attention(timezone.now()), tenant__in=list(tenants))
        .values_list("tenant")
        .annotate(count=Count("pk"))
    )


@register.simple_tag
def layout_recordings(scope: TenantScope) -> Cut[Recording]:
    """Running mixed recordings at a vendor that takes a layout: a saved layout can be applied to them."""
    layout_vendors = [info.name for info in registry.with_capability(Capability.RECORDING_LAYOUT)]
    return head(
        Recording.objects.filter(
            tenant=scope.tenant,
            mixed=True,
            state__in=ACTIVE_STATES,
            stop_requested_at__isnull=True,
            channel__app__vendor_account__vendor__in=layout_vendors,
        ).select_related("channel"),
        20,
    )


@register.inclusion_tag("recordings/_channel_active.html")
def running_on_channel(scope: TenantScope, channel: Channel) -> dict[str, object]:
    """The live page's "Running on this channel": its pushes and recordings, with stop."""
    return {"tasks": active_tasks(of_channel(channel.pk), timezone.now()), "can_stop": scope.can_manage}
