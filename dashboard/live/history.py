"""History from the vendor's channel records (Aliyun): a day's channels, every channel a user
was in, and one channel's metrics and per-user timeline. Read from the vendor each time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dashboard.core.params import int_param, text_param
from dashboard.core.requests import ConsoleRequest
from dashboard.core.tiers import TIER_LABELS
from dashboard.credentials.connect import provider_for
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.scoping import tenant_scope
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.base.types import ChannelMetric, ChannelUserRecord

from .charts import user_timeline_figure
from .discovery import STILL_RUNNING
from .filters import DayForm, HistoryForm
from .models import Channel

HISTORY_PAGE_SIZE = 20
HISTORY_USERS_PAGE_SIZE = 100
# The timeline reads every page of the day's stays, up to this many (then it says it is cut).
TIMELINE_MAX_STAYS = 2_000


def still_running(end: datetime | None, now: datetime) -> bool:
    """The vendors report a stretch still going on with its end at "now" (or without one):
    such an end is not when it ended, and the page says "running" instead."""
    return end is None or end >= now - STILL_RUNNING


def _history_context(
    request: HttpRequest, tenant_slug: str, app_pk: int, *, with_user: bool = False
) -> tuple[RtcApp, date, int, dict[str, Any]]:
    """What both history pages start from: the app (in this tenant), the UTC day, the page."""
    scope = tenant_scope(request, tenant_slug)
    app = scope.get(RtcApp.objects.select_related("vendor_account"), "vendor_account__tenant", pk=app_pk)
    form = (HistoryForm if with_user else DayForm)(request.GET, today=timezone.now().date())
    day = form.chosen_day
    page_number = int_param(request.GET, "page", 1, maximum=9_999)
    context: dict[str, Any] = {
        "scope": scope,
        "app": app,
        "account": app.vendor_account,
        "day": day,
        "day_problem": form.problem,
        "form": form,
        "today": timezone.now().date(),
    }
    return app, day, page_number, context


@require_safe
def channel_history(request: ConsoleRequest, tenant_slug: str, app_pk: int) -> HttpResponse:
    app, day, page_number, context = _history_context(request, tenant_slug, app_pk, with_user=True)
    account = app.vendor_account
    user = context["form"].cleaned_data.get("user", "")
    context["user_filter"] = user  # not "user": that is the signed-in person in every template
    if account.info.can(Capability.CHANNEL_RECORDS):
        try:
            with provider_for(account) as provider:
                page = provider.channel_records_page(
                    app.app_id, _utc(day), page=page_number, page_size=HISTORY_PAGE_SIZE, user_id=user or None
                )
        except VendorError as error:
            context["vendor_error"] = error
        else:
            total = page.total if page.total is not None else len(page.items)
            now = timezone.now()
            context |= {
                "records": [(record, still_running(record.end, now)) for record in page.items],
                "total": total,
                "page_number": page_number,
                "has_next": page_number * HISTORY_PAGE_SIZE < total,
                "known": dict(
                    Channel.objects.filter(app=app, channel_id__in=[r.channel_id for r in page.items]).values_list(
                        "channel_id", "pk"
                    )
                ),
            }
    template = "live/history.html#records" if request.htmx else "live/history.html"
    return render(request, template, context)


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@require_safe
def channel_history_detail(request: HttpRequest, tenant_slug: str, app_pk: int) -> HttpResponse:
    app, day, users_page, context = _history_context(request, tenant_slug, app_pk)
    account = app.vendor_account
    channel_id = text_param(request.GET, "channel")
    context["channel_id"] = channel_id
    if not account.info.can(Capability.CHANNEL_RECORDS):
        context["problem"] = _("%(vendor)s keeps no channel records the console can read.") % {
            "vendor": account.vendor_label
        }
    elif not channel_id:
        context["problem"] = _("Pick a channel from the day's records.")
    else:
        try:
            with provider_for(account) as provider:
                metric = provider.channel_metric(app.app_id, channel_id, _utc(day))
                users = provider.channel_users(
                    app.app_id, channel_id, _utc(day), page=users_page, page_size=HISTORY_USERS_PAGE_SIZE
                )
                total = users.total if users.total is not None else len(users.items)
                stays, stays_cut = _every_stay(provider, app.app_id, channel_id, _utc(day), total)
        except VendorError as error:
            context["vendor_error"] = error
        else:
            now = timezone.now()
            until = min(now, _utc(day) + timedelta(days=1))
            context |= {
                "metric": metric,
                "metric_running": metric.end is not None and still_running(metric.end, now),
                "user_rows": [(record, still_running(record.end, now)) for record in users.items],
                "users_total": total,
                "users_page": users_page,
                "has_next": users_page * HISTORY_USERS_PAGE_SIZE < total,
                "timeline_users": len({stay.user_id for stay in stays}),
                "timeline_cut": stays_cut,
                "figure": user_timeline_figure(
                    stays, timezone.get_current_timezone(), until, running=lambda end: still_running(end, now)
                )
                if stays
                else "",
                "tiers": _tier_rows(metric),
                "live_channel": Channel.objects.filter(app=app, channel_id=channel_id).first(),
            }
    return render(request, "live/history_channel.html", context)


def _every_stay(
    provider: Any, app_id: str, channel_id: str, day: datetime, total: int
) -> tuple[list[ChannelUserRecord], bool]:
    """Every stay of the day for the timeline, page by page at the vendor (the table shows
    one page); cut at TIMELINE_MAX_STAYS, which the page then says."""
    stays: list[ChannelUserRecord] = []
    page = 1
    while len(stays) < min(total, TIMELINE_MAX_STAYS):
        found = provider.channel_users(app_id, channel_id, day, page=page, page_size=HISTORY_USERS_PAGE_SIZE)
        if not found.items:
            break
        stays.extend(found.items)
        if len(found.items) < HISTORY_USERS_PAGE_SIZE:
            break
        page += 1
    return stays[:TIMELINE_MAX_STAYS], total > TIMELINE_MAX_STAYS


def _tier_rows(metric: ChannelMetric) -> list[tuple[str, int, int]]:
    published, subscribed = metric.published.by_tier(), metric.subscribed.by_tier()
    return [
        (str(TIER_LABELS.get(tier.name.lower(), tier.value)), published[tier], subscribed[tier]) for tier in published
    ]
