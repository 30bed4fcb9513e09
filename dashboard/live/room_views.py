"""Room controls on the channel page: lock joining, block, message, invite, co-hosts, mirrors,
merges, merged tracks, and what the vendor says about the room. Each is offered only where the
vendor declares the capability; each change is confirmed on its own page and audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from dashboard.core.acting import Page, act, panel_frame, with_request_id
from dashboard.core.params import text_param
from dashboard.core.requests import ConsoleRequest
from dashboard.credentials.connect import provider_for
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors.base.errors import VendorError
from vendors.base.provider import Capability, Provider
from vendors.base.types import PeerResult

from . import room_actions
from .forms import parse_user_ids
from .models import Channel
from .room_forms import (
    CoHostForm,
    LockForm,
    MessageForm,
    MirrorForm,
    OtherRoomForm,
    PresenceForm,
    SeparateForm,
    TrackForm,
    UsersForm,
)

ACTION_TEMPLATE = "live/room/action.html"
Data = dict[str, Any]


def _channel(scope: TenantScope, channel_pk: int) -> Channel:
    return scope.get(
        Channel.objects.select_related("app__vendor_account__tenant"), "app__vendor_account__tenant", pk=channel_pk
    )


def _unsupported(channel: Channel) -> str:
    return _("%(vendor)s has no API for this.") % {"vendor": channel.app.vendor_account.vendor_label}


@dataclass(frozen=True)
class Spec:
    """One room control: what it asks, what it warns, and the vendor call."""

    capability: Capability
    audit: str
    form: type[forms.Form]
    title: Promise
    question: Promise  # %(channel)s
    consequence: Promise  # %(vendor)s
    submit: Promise
    danger: bool
    # For users (answered per user) or for the room (answering the vendor's request id).
    per_user: Callable[[Provider, Channel, list[str], Data], list[PeerResult]] | None = None
    per_room: Callable[[Provider, Channel, Data], str] | None = None
    done: Promise | None = None  # %(channel)s, and the form's fields


def _page(request: HttpRequest, scope: TenantScope, channel: Channel, spec: Spec, form: forms.Form) -> Page:
    account = channel.app.vendor_account
    users = parse_user_ids(request.GET.getlist("user")) if request.method == "GET" and "users" in form.fields else []
    return Page(
        ACTION_TEMPLATE,
        {
            "scope": scope,
            "channel": channel,
            "account": account,
            "form": form,
            "users": users,
            "title": spec.title,
            "question": spec.question % {"channel": channel.channel_id},
            "consequence": spec.consequence % {"vendor": account.vendor_label},
            "submit": spec.submit,
            "danger": spec.danger,
            # Asked from the ticked members (htmx): shown in the channel page's panel.
            **panel_frame(request),
        },
    )


def _detail(data: Data) -> Data:
    return {key: value for key, value in data.items() if key != "users"}


def _run(request: HttpRequest, tenant_slug: str, channel_pk: int, spec: Spec) -> HttpResponse:
    """GET: the form or confirmation. POST: the call through act(), then its answer."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    channel = _channel(scope, channel_pk)
    if not channel.app.vendor_account.info.can(spec.capability):
        return render(
            request,
            ACTION_TEMPLATE,
            {"scope": scope, "channel": channel, "account": channel.app.vendor_account, "title": spec.title}
            | {"question": spec.title, "problem": _unsupported(channel)},
        )
    if request.method == "GET":
        # A link may name the users (?user=, as the kick links do) or the merged room (?room=, the panel's links).
        initial = {"users": "\n".join(parse_user_ids(request.GET.getlist("user")))}
        if "room" in spec.form.base_fields:
            initial["room"] = text_param(request.GET, "room", max_length=64)
        form = spec.form(initial=initial)
        return _page(request, scope, channel, spec, form).render(request)
    form = spec.form(request.POST)
    page = _page(request, scope, channel, spec, form)
    if not form.is_valid():
        return page.render(request)
    data = form.cleaned_data
    channel_url = reverse("live:channel_detail", args=[scope.tenant.slug, channel.pk])
    if spec.per_user is not None:
        per_user = spec.per_user
        return act(
            request,
            lambda: room_actions.for_each_user(
                request.user,
                channel,
                spec.audit,
                data["users"],
                lambda provider, users: per_user(provider, channel, users, data),
                _detail(data),
            ),
            done=lambda _outcome: None,
            then=lambda outcome: page.render(request, outcome=outcome),
            page=page,
        )
    assert spec.per_room is not None and spec.done is not None
    per_room, done = spec.per_room, spec.done
    return act(
        request,
        lambda: room_actions.once(
            request.user, channel, spec.audit, lambda provider: per_room(provider, channel, data), _detail(data)
        ),
        done=lambda request_id: with_request_id(done % {"channel": channel.channel_id, **data}, request_id),
        then=channel_url,
        page=page,
    )


def _ids(channel: Channel) -> tuple[str, str]:
    return channel.app.app_id, channel.channel_id


LOCK = Spec(
    Capability.JOIN_LOCK,
    "live.join_lock",
    LockForm,
    gettext_lazy("Lock joining"),
    gettext_lazy("Lock %(channel)s against new joins?"),
    gettext_lazy(
        "%(vendor)s refuses everyone who tries to join from now on, invited or not; whoever is in stays. "
        "It lasts until someone unlocks the room."
    ),
    gettext_lazy("Lock joining"),
    True,
    per_room=lambda provider, channel, data: provider.set_join_lock(*_ids(channel), locked=True),
    done=gettext_lazy("%(channel)s is locked: nobody new can join."),
)
UNLOCK = Spec(
    Capability.JOIN_LOCK,
    "live.join_unlock",
    LockForm,
    gettext_lazy("Unlock joining"),
    gettext_lazy("Let people join %(channel)s again?"),
    gettext_lazy("%(vendor)s accepts joins to the room again."),
    gettext_lazy("Unlock joining"),
    False,
    per_room=lambda provider, channel, data: provider.set_join_lock(*_ids(channel), locked=False),
    done=gettext_lazy("%(channel)s accepts joins again."),
)
BLOCK = Spec(
    Capability.BLOCK_MEMBER,
    "live.block",
    UsersForm,
    gettext_lazy("Block users"),
    gettext_lazy("Block users of %(channel)s?"),
    gettext_lazy(
        "%(vendor)s disconnects each of them now and refuses them from then on, in every room of this "
        "account, not only this one. %(vendor)s has no call that lifts a block: only its own support can."
    ),
    gettext_lazy("Block"),
    True,
    per_user=lambda provider, channel, users, data: provider.block_members(*_ids(channel), users),
)
INVITE = Spec(
    Capability.INVITE_MEMBERS,
    "live.invite",
    UsersForm,
    gettext_lazy("Invite users"),
    gettext_lazy("Invite users to %(channel)s"),
    gettext_lazy("%(vendor)s lets invited users join this conversation room, up to its member cap."),
    gettext_lazy("Invite"),
    False,
    per_user=lambda provider, channel, users, data: provider.invite_members(*_ids(channel), users),
)
CO_HOST_ADD = Spec(
    Capability.CO_HOSTS,
    "live.co_host_add",
    CoHostForm,
    gettext_lazy("Add co-hosts"),
    gettext_lazy("Let audience members of %(channel)s publish"),
    gettext_lazy("%(vendor)s lets them publish to the room's whole audience from now on."),
    gettext_lazy("Add co-hosts"),
    False,
    per_user=lambda provider, channel, users, data: provider.add_co_hosts(
        *_ids(channel), users, video=bool(data.get("video"))
    ),
)
CO_HOST_REMOVE = Spec(
    Capability.CO_HOSTS,
    "live.co_host_remove",
    UsersForm,
    gettext_lazy("Remove co-hosts"),
    gettext_lazy("Stop co-hosts of %(channel)s publishing?"),
    gettext_lazy("%(vendor)s stops their audio and video at once; they stay in the room as audience."),
    gettext_lazy("Remove co-hosts"),
    True,
    per_user=lambda provider, channel, users, data: provider.remove_co_hosts(*_ids(channel), users),
)
MIRROR = Spec(
    Capability.MIRRORS,
    "live.mirror_create",
    MirrorForm,
    gettext_lazy("Create a mirror"),
    gettext_lazy("Mirror %(channel)s on another server"),
    gettext_lazy(
        "%(vendor)s copies this live room to that server, where more of its audience can connect. "
        "One mirror per server."
    ),
    gettext_lazy("Create mirror"),
    False,
    per_room=lambda provider, channel, data: provider.create_mirror(*_ids(channel), data["server"]),
    done=gettext_lazy("%(channel)s is mirrored on %(server)s."),
)
MERGE = Spec(
    Capability.MERGE_CHANNELS,
    "live.merge",
    OtherRoomForm,
    gettext_lazy("Merge rooms"),
    gettext_lazy("Merge another live room into %(channel)s?"),
    gettext_lazy(
        "%(vendor)s joins the two rooms' media: each audience sees and hears the hosts of both, "
        "and of every room either is already merged with."
    ),
    gettext_lazy("Merge"),
    True,
    per_room=lambda provider, channel, data: provider.merge_channels(*_ids(channel), data["room"]),
    done=gettext_lazy("%(room)s is merged into %(channel)s."),
)
SEPARATE = Spec(
    Capability.MERGE_CHANNELS,
    "live.separate",
    SeparateForm,
    gettext_lazy("Separate rooms"),
    gettext_lazy("Separate merged rooms from %(channel)s?"),
    gettext_lazy("%(vendor)s stops sharing media between them: each audience sees only its own room's hosts."),
    gettext_lazy("Separate"),
    True,
    per_room=lambda provider, channel, data: provider.separate_channels(*_ids(channel), data["room"] or None),
    done=gettext_lazy("%(channel)s separated."),
)
TRACK = Spec(
    Capability.MERGED_TRACKS,
    "live.merged_track",
    TrackForm,
    gettext_lazy("Pause or resume a merged track"),
    gettext_lazy("Pause or resume a merged host's track in %(channel)s"),
    gettext_lazy("%(vendor)s stops (or restarts) sending that track of the merged room to this room's audience."),
    gettext_lazy("Apply"),
    True,
    per_room=lambda provider, channel, data: provider.set_merged_track(
        *_ids(channel), data["track"], paused=data["paused"]
    ),
    done=gettext_lazy("Track %(track)s of %(channel)s changed."),
)


def _view(spec: Spec) -> Callable[..., HttpResponse]:
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
        return _run(request, tenant_slug, channel_pk, spec)

    return view


channel_lock = _view(LOCK)
channel_unlock = _view(UNLOCK)
channel_block = _view(BLOCK)
channel_invite = _view(INVITE)
co_host_add = _view(CO_HOST_ADD)
co_host_remove = _view(CO_HOST_REMOVE)
mirror_create = _view(MIRROR)
channel_merge = _view(MERGE)
channel_separate = _view(SEPARATE)
merged_track = _view(TRACK)


MESSAGE_EVERYONE = Spec(
    Capability.SEND_MESSAGE,
    "live.message",
    MessageForm,
    gettext_lazy("Send a message"),
    gettext_lazy("Send a message to %(channel)s"),
    gettext_lazy(
        "%(vendor)s delivers it to the app in every member's hands (or only those named), which shows it as "
        "your app does. It cannot be taken back."
    ),
    gettext_lazy("Send"),
    False,
    per_room=lambda provider, channel, data: provider.broadcast_message(*_ids(channel), data["body"]),
    done=gettext_lazy("Message sent to everyone in %(channel)s."),
)
MESSAGE_CHOSEN = replace(
    MESSAGE_EVERYONE,
    per_room=None,
    done=None,
    per_user=lambda provider, channel, users, data: provider.message_members(*_ids(channel), users, data["body"]),
)


@require_http_methods(["GET", "POST"])
def channel_message(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    """To everyone (one call) or to the users named (an answer for each)."""
    chosen = request.method == "POST" and bool(parse_user_ids([request.POST.get("users", "")]))
    return _run(request, tenant_slug, channel_pk, MESSAGE_CHOSEN if chosen else MESSAGE_EVERYONE)


# --- what the vendor says: reads, for viewers too --------------------------------------------


@require_safe
def member_presence(request: ConsoleRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    channel = _channel(scope, channel_pk)
    form = PresenceForm(request.GET)
    context: dict[str, object] = {"scope": scope, "channel": channel}
    if not channel.app.vendor_account.info.can(Capability.MEMBER_PRESENCE):
        context["problem"] = _unsupported(channel)
    elif not form.is_valid():
        context["problem"] = _("Name a user.")
    else:
        context["user_id"] = form.cleaned_data["user"]
        try:
            with provider_for(channel.app.vendor_account) as provider:
                context["present"] = provider.member_present(*_ids(channel), form.cleaned_data["user"])
        except VendorError as error:
            context["vendor_error"] = error
    return render(request, "live/room/presence.html", context)


def _ask(context: dict[str, object], key: str, call: Callable[[], object]) -> None:
    """One read of the room; a refusal is shown in its place, the other reads go on."""
    try:
        context[key] = call()
    except VendorError as error:
        context[f"{key}_error"] = error


@require_safe
def channel_room(request: ConsoleRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    """The room as the vendor describes it now, and the recordings it reports."""
    scope = tenant_scope(request, tenant_slug)
    channel = _channel(scope, channel_pk)
    account = channel.app.vendor_account
    info = account.info
    context: dict[str, object] = {"scope": scope, "channel": channel, "account": account}
    context["lock"] = room_actions.last_lock(channel)
    app_id, channel_id = _ids(channel)
    with provider_for(account) as provider:
        if info.can(Capability.CHANNEL_DETAILS):
            _ask(context, "details", lambda: provider.channel_details(app_id, channel_id))
        if info.can(Capability.CHANNEL_RECORDING_STATUS):
            _ask(context, "recording", lambda: provider.channel_recording_status(app_id, channel_id))
        live_room = channel.mode != "communication"
        if info.can(Capability.MIRRORS) and live_room:
            _ask(context, "mirrors", lambda: provider.mirrors(app_id, channel_id))
        if info.can(Capability.MERGE_CHANNELS) and live_room:
            _ask(context, "merged", lambda: provider.merged_channels(app_id, channel_id))
    template = "live/room/panel.html#panel" if request.htmx else "live/room/panel.html"
    return render(request, template, context)


@require_safe
def channel_recording_status(request: ConsoleRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    """The vendor's own recording state of the room, beside the console's recordings of it."""
    scope = tenant_scope(request, tenant_slug)
    channel = _channel(scope, channel_pk)
    account = channel.app.vendor_account
    context: dict[str, object] = {"scope": scope, "channel": channel, "account": account}
    if not account.info.can(Capability.CHANNEL_RECORDING_STATUS):
        context["problem"] = _unsupported(channel)
    else:
        with provider_for(account) as provider:
            _ask(context, "recording", lambda: provider.channel_recording_status(*_ids(channel)))
    return render(request, "live/room/recording_status.html", context)
