"""Live channels: the list, the live page, kick and close, and the vendor's history."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.audit.log import audited
from dashboard.core.acting import Page, act, panel_frame, with_request_id
from dashboard.core.cuts import head
from dashboard.core.listing import paginate
from dashboard.core.page_cache import cached_page, extra_parts, row
from dashboard.core.params import text_param
from dashboard.core.prepared import prepared
from dashboard.core.requests import ConsoleRequest
from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount
from dashboard.tenancy.context_processors import header_version
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.base.types import ChannelMode

from . import actions
from .charts import concurrency_figure, sparkline_points
from .discovery import add_channel
from .filters import ChannelFilter, MemberFilter
from .forms import CloseForm, CreateChannelForm, KickForm, WatchForm, parse_user_ids
from .models import Channel, Discovery, MemberEvent, Presence, Snapshot
from .models import Role as MemberRole
from .poll import can_poll, poll_channels
from .summary import LiveNow, live_by_account

MEMBERS_PER_PAGE = 100
# The live page's name for the parts other apps add to its version (dashboard/core/page_cache.py).
CHANNEL_PAGE = "live:channel_detail"


# Read on every view of a live page and its refresh: compiled once (dashboard/core/prepared.py).
_TENANT_CHANNEL = prepared(
    lambda tenant, pk: Channel.objects.select_related("app__vendor_account__tenant").filter(
        app__vendor_account__tenant_id=tenant, pk=pk
    )
)
_KICKS = prepared(
    lambda channel: (
        Presence.objects.filter(channel_id=channel, kicked_at__isnull=False)
        .order_by()
        .values("channel_id")
        .annotate(n=Count("pk"), last=Max("kicked_at"))
        .values_list("n", "last")
    )
)


def _channel(scope: TenantScope, channel_pk: int) -> Channel:
    """The channel if it is the scope's tenant's, else 404 (as scope.get)."""
    found = _TENANT_CHANNEL.instances(scope.tenant.pk, channel_pk)
    if not found:
        raise Http404
    return found[0]


# --- the channel list -------------------------------------------------------------------------


def _sparklines(channels: list[Channel], now: datetime) -> dict[int, str]:
    values: dict[int, list[int]] = {channel.pk: [] for channel in channels}
    rows = (
        Snapshot.objects.filter(channel_id__in=values, observed_at__gte=now - timedelta(hours=1))
        .order_by("channel_id", "observed_at")
        .values_list("channel_id", "total")
    )
    for channel_pk, total in rows:
        values[channel_pk].append(total)
    return {pk: sparkline_points(series) for pk, series in values.items() if len(series) > 1}


@require_safe
def channel_list(request: ConsoleRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    account = scope.get(VendorAccount, pk=account_id)
    apps = account.apps.all()
    filters = ChannelFilter(
        request.GET, Channel.objects.select_related("app").filter(app__vendor_account=account), apps=apps
    )
    page = paginate(filters.qs.order_by("-is_live", "-member_count", "channel_id"), request)
    now = timezone.now()
    user = filters.value("user")
    members_now = (
        set(Presence.objects.filter(channel__in=page.object_list, user_id=user).values_list("channel_id", flat=True))
        if user
        else set()
    )
    context = {
        "scope": scope,
        "account": account,
        "apps": apps,
        "page": page,
        "filters": filters,
        "sparklines": _sparklines(list(page.object_list), now),
        "members_now": members_now,
        "searched_user": user,
        "live_now": live_by_account(Channel.objects.filter(app__vendor_account=account)).get(account.pk, LiveNow()),
        "poll_seconds": settings.LIVE_POLL_SECONDS,
        "watch_form": WatchForm(apps=apps),
        "create_form": CreateChannelForm(apps=apps),
    }
    template = "live/channel_list.html#channels" if request.htmx else "live/channel_list.html"
    return render(request, template, context)


@require_POST
def channel_watch(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    """Add a channel to the watch list by id (any vendor); where membership can be read, look it up now."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    form = WatchForm(request.POST, apps=account.apps.all())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("live:channel_list", tenant_slug=scope.tenant.slug, account_id=account.pk)
    missing = account.info.can(Capability.CHANNEL_EXISTS) and not _exists(request, account, form.cleaned_data)
    channel, _created = add_channel(
        form.cleaned_data["app"], form.cleaned_data["channel_id"], watched=True, discovered_by=Discovery.WATCH
    )
    if can_poll(account):
        poll_channels(account, [channel])
        channel.refresh_from_db()
    if missing:
        pass  # the vendor's "no such channel" was said above
    elif can_poll(account):
        if channel.poll_error:
            messages.warning(
                request,
                _("Watching %(channel)s; the vendor answered: %(error)s")
                % {"channel": channel, "error": channel.poll_error},
            )
        elif channel.is_live:
            messages.success(
                request,
                _("Watching %(channel)s: %(count)d in it now.") % {"channel": channel, "count": channel.member_count},
            )
        else:
            messages.info(
                request,
                _("Watching %(channel)s: nobody is in it now; it is polled until you stop watching.")
                % {"channel": channel},
            )
    else:
        messages.success(request, _("%(channel)s is on the watch list.") % {"channel": channel})
    return redirect("live:channel_detail", tenant_slug=scope.tenant.slug, channel_pk=channel.pk)


def _exists(request: HttpRequest, account: VendorAccount, data: dict) -> bool:
    """Ask the vendor whether the channel exists as it is watched: an id mistyped is said at
    once. It is watched either way (a room may be opened again under its id)."""
    try:
        with provider_for(account) as provider:
            exists = provider.channel_exists(data["app"].app_id, data["channel_id"])
    except VendorError as error:
        messages.warning(request, _("The vendor could not say whether it exists: %(error)s") % {"error": error})
        return True
    if not exists:
        messages.warning(
            request,
            _(
                "%(vendor)s has no channel %(channel)s now: check the id. It is watched, and polled until you "
                "stop watching."
            )
            % {"vendor": account.vendor_label, "channel": data["channel_id"]},
        )
    return exists


@require_POST
def channel_create(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    if not account.info.can(Capability.CREATE_CHANNEL):
        messages.error(request, _("%(vendor)s has no API to open channels.") % {"vendor": account.vendor_label})
        return redirect("live:channel_list", tenant_slug=scope.tenant.slug, account_id=account.pk)
    form = CreateChannelForm(request.POST, apps=account.apps.all())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("live:channel_list", tenant_slug=scope.tenant.slug, account_id=account.pk)
    app, mode = form.cleaned_data["app"], ChannelMode(form.cleaned_data["mode"])
    wanted = form.cleaned_data["channel_id"] or None

    def create() -> Channel:
        with audited(
            request.user, "live.create_channel", vendor_account=account, target=f"{app.app_id} / {wanted or '?'}"
        ) as call:
            with provider_for(account) as provider:
                channel_id = provider.create_channel(app.app_id, form.cleaned_data["owner_id"], mode, wanted)
            call.detail = {
                "app": app.app_id,
                "channel": channel_id,
                "mode": mode.value,
                "owner": form.cleaned_data["owner_id"],
            }
        channel, _created = add_channel(app, channel_id, watched=True, discovered_by=Discovery.CONSOLE)
        if can_poll(account):
            poll_channels(account, [channel])
        return channel

    def created(channel: Channel) -> str | None:
        if wanted and channel.channel_id != wanted:
            messages.warning(
                request,
                _("The vendor gave the room the id %(id)s: %(wanted)s belongs to someone else.")
                % {"id": channel.channel_id, "wanted": wanted},
            )
            return None
        return _("Room %(id)s opened and watched.") % {"id": channel.channel_id}

    return act(
        request,
        create,
        done=created,
        then=lambda channel: reverse("live:channel_detail", args=[scope.tenant.slug, channel.pk]),
        back=reverse("live:channel_list", args=[scope.tenant.slug, account.pk]),
    )


# --- the live page ----------------------------------------------------------------------------


def _live_context(request: HttpRequest, scope: TenantScope, channel: Channel) -> dict[str, object]:
    now = timezone.now()
    member_filters = MemberFilter(request.GET, Presence.objects.filter(channel=channel))
    snapshots = list(
        Snapshot.objects.filter(channel=channel, observed_at__gte=now - timedelta(hours=1))
        .order_by("observed_at")
        .values_list("observed_at", "total", "joined", "left")
    )
    zone = timezone.get_current_timezone()
    account = channel.app.vendor_account
    role_labels = dict(MemberRole.choices)
    return {
        "scope": scope,
        "channel": channel,
        "account": account,
        "app": channel.app,
        "members": paginate(member_filters.qs.order_by("first_seen_at", "user_id"), request, MEMBERS_PER_PAGE),
        "member_filters": member_filters,
        "role_labels": {value: str(label) for value, label in MemberRole.choices},
        "role_counts": [(role_labels.get(key, key), count) for key, count in sorted(channel.role_counts.items())],
        "truncated": channel.listed_count < channel.member_count,
        "events": head(MemberEvent.objects.filter(channel=channel).order_by("-at", "user_id"), 20),
        "figure": concurrency_figure(snapshots, zone) if len(snapshots) > 1 else "",
        "ghost_after": now - 2 * timedelta(seconds=settings.LIVE_POLL_SECONDS),
        "refresh_seconds": settings.LIVE_PAGE_REFRESH_SECONDS,
        "version": _version(channel),
        # Reversed once here, not four times per member row: the table is the page's cost.
        "kick_url": reverse("live:channel_kick", args=[scope.tenant.slug, channel.pk]),
        "session_url": reverse("live:member_session", args=[scope.tenant.slug, channel.pk]),
        "now": now,
    }


def _version(channel: Channel) -> str:
    """Changes whenever the live part of the page would: a poll, a close, a kick."""
    kicks, last_kick = (_KICKS.rows(channel.pk) or [(0, None)])[0]
    parts = (channel.last_polled_at, channel.closed_at, kicks, last_kick)
    return "|".join(
        "" if part is None else str(part.timestamp() if hasattr(part, "timestamp") else part) for part in parts
    )


@require_safe
def channel_detail(request: ConsoleRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    if request.htmx and request.GET.get("since"):
        scope = tenant_scope(request, tenant_slug)
        if request.GET["since"] == _version(_channel(scope, channel_pk)):
            # The page's periodic refresh and nothing changed: no redraw under the user's pointer.
            return HttpResponse(status=204)
    return _channel_page(request, tenant_slug, channel_pk)


def _channel_page_version(request: ConsoleRequest, tenant_slug: str, channel_pk: int) -> object:
    """Everything the live page shows that can change: the channel (its poll time and figures),
    its app and account, the kicks, the header's menus, and what apps above add to it (pushes
    and recordings running on it). Members, events and polls change only with a poll, which
    moves `last_polled_at`."""
    scope = tenant_scope(request, tenant_slug)
    channel = _channel(scope, channel_pk)
    return (
        scope.role,
        row(scope.tenant),
        row(channel),
        row(channel.app),
        row(channel.app.vendor_account),
        _version(channel),
        None if request.htmx else header_version(request),
        extra_parts(CHANNEL_PAGE, channel.pk),
    )


# What follows the clock on a stored page ("for 5 min", kicked a while ago, the last hour's
# chart) is at most one poll interval old: as old as an open page gets between two polls (its
# refresh answers 204 until a poll changes something).
@cached_page(_channel_page_version, seconds=lambda: settings.LIVE_POLL_SECONDS)
def _channel_page(request: ConsoleRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    channel = _channel(scope, channel_pk)
    template = "live/channel_detail.html#live" if request.htmx else "live/channel_detail.html"
    return render(request, template, _live_context(request, scope, channel))


@require_POST
def channel_refresh(request: ConsoleRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    """Poll this channel now (a read at the vendor; viewers may do it too)."""
    scope = tenant_scope(request, tenant_slug)
    channel = _channel(scope, channel_pk)
    account = channel.app.vendor_account
    if can_poll(account):
        poll_channels(account, [channel])
        channel.refresh_from_db()
    if request.htmx:
        return render(request, "live/channel_detail.html#live", _live_context(request, scope, channel))
    return redirect("live:channel_detail", tenant_slug=scope.tenant.slug, channel_pk=channel.pk)


@require_POST
def channel_toggle_watch(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    channel = _channel(scope, channel_pk)
    channel.watched = request.POST.get("watched") == "1"
    channel.save(update_fields=["watched"])
    if channel.watched:
        messages.success(request, _("%(channel)s is watched: polled even while empty.") % {"channel": channel})
    else:
        messages.success(request, _("%(channel)s is no longer watched: polled only while live.") % {"channel": channel})
    return redirect("live:channel_detail", tenant_slug=scope.tenant.slug, channel_pk=channel.pk)


@require_safe
def member_session(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    """What the vendor says about one member right now (DescribeUserInfoInChannel), on demand."""
    scope = tenant_scope(request, tenant_slug)
    channel = _channel(scope, channel_pk)
    user_id = text_param(request.GET, "user")
    context: dict[str, object] = {"scope": scope, "channel": channel, "user_id": user_id}
    account = channel.app.vendor_account
    if not user_id:
        context["problem"] = _("Name a user.")
    elif not account.info.can(Capability.MEMBER_SESSION):
        context["problem"] = _("%(vendor)s has no API to describe one member's session.") % {
            "vendor": account.vendor_label
        }
    else:
        try:
            with provider_for(account) as provider:
                context["session"] = provider.member_session(channel.app.app_id, channel.channel_id, user_id)
        except VendorError as error:
            context["vendor_error"] = error
    return render(request, "live/member_session.html", context)


# --- kick and close ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def channel_kick(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    """GET: the confirmation naming the users and the channel. POST: kick, then each terminal's answer."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    channel = _channel(scope, channel_pk)
    account = channel.app.vendor_account
    context: dict[str, object] = {
        "scope": scope,
        "channel": channel,
        "account": account,
        **panel_frame(request),
    }
    if not account.info.can(Capability.KICK):
        context["problem"] = _("%(vendor)s has no API to remove users.") % {"vendor": account.vendor_label}
        return render(request, "live/kick.html", context)
    if request.method == "GET":
        users = parse_user_ids(request.GET.getlist("user"))
        form = KickForm(initial={"users": "\n".join(users)})
        context |= {"form": form, "users": users}
        return render(request, "live/kick.html", context)
    form = KickForm(request.POST)
    if not form.is_valid():
        # 200, not 400: htmx swaps only successful answers, and the form must show its errors.
        context |= {"form": form, "users": parse_user_ids([request.POST.get("users", "")])}
        return render(request, "live/kick.html", context)
    # Not act(): the vendor answers per terminal, so every answer is shown in the panel, refusals included.
    outcome = actions.kick(request.user, channel, form.cleaned_data["users"], form.cleaned_data["reason"])
    context |= {"outcome": outcome, "reason": form.cleaned_data["reason"]}
    response = render(request, "live/kick.html", context)
    response["HX-Trigger"] = "live-changed"
    return response


@require_http_methods(["GET", "POST"])
def channel_close(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    channel = _channel(scope, channel_pk)
    account = channel.app.vendor_account
    context: dict[str, object] = {"scope": scope, "channel": channel, "account": account}
    if not account.info.can(Capability.CLOSE_CHANNEL):
        context["problem"] = _("%(vendor)s has no API to close channels.") % {"vendor": account.vendor_label}
        return render(request, "live/close.html", context)
    form = CloseForm(request.POST or None, channel_id=channel.channel_id)
    page = Page("live/close.html", {**context, "form": form})
    if request.method == "GET" or not form.is_valid():
        return page.render(request)
    return act(
        request,
        lambda: actions.close(request.user, channel, form.cleaned_data["reason"]),
        done=lambda request_id: with_request_id(_("Channel %(channel)s closed.") % {"channel": channel}, request_id),
        then=reverse("live:channel_detail", args=[scope.tenant.slug, channel.pk]),
        page=page,
    )
