"""Recordings pages: the tenant's list with its watchdog, start from a channel, follow one,
change it, stop it, fetch its files; and the vendors' callback endpoint."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.core.acting import Page, act, with_request_id
from dashboard.core.cuts import head
from dashboard.core.json_body import BodyError, read_json_object
from dashboard.core.listing import paginate
from dashboard.core.requests import ConsoleRequest
from dashboard.core.vendor_errors import vendor_error_text
from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount
from dashboard.live.models import Channel
from dashboard.mixing.choice import chosen_layout
from dashboard.mixing.layouts import from_json
from dashboard.mixing.models import LayoutTemplate
from dashboard.mixing.preview import svg
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors.base.errors import VendorError
from vendors.base.provider import Capability

from . import actions, callbacks, rules, watchdog
from .filters import RecordingFilter
from .forms import StartRecordingForm, UsersForm
from .models import Recording, RecordingFile, StorageTarget
from .starting import start_from_form

MAX_CALLBACK_BYTES = 32 * 1024 * 1024


def _options(recording: Recording) -> list[tuple[str, str]]:
    labels = {
        "kind": _("Record"),
        "mixed": _("Mixed into one video"),
        "users": _("Users"),
        "resolution": _("Resolution"),
        "featured_user": _("Shown large"),
        "layout": _("Layout"),
        "storage": _("Storage"),
        "rule": _("Recording rule"),
    }
    shown = []
    for name, label in labels.items():
        value = recording.options.get(name)
        if value in (None, "", []):
            continue
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        shown.append((str(label), str(value)))
    return shown


def _recording(scope: TenantScope, recording_pk: int) -> Recording:
    return scope.get(
        Recording.objects.select_related("channel__app__vendor_account", "started_by", "layout_version__template"),
        "tenant",
        pk=recording_pk,
    )


def _detail_url(scope: TenantScope, recording: Recording) -> str:
    return reverse("recordings:recording_detail", args=[scope.tenant.slug, recording.pk])


def _templates(scope: TenantScope) -> QuerySet[LayoutTemplate]:
    return LayoutTemplate.objects.filter(tenant=scope.tenant, versions__isnull=False).distinct()


@require_safe
def recording_list(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    now = timezone.now()
    recordings = Recording.objects.filter(tenant=scope.tenant).select_related(
        "channel__app__vendor_account", "started_by"
    )
    attention = recordings.filter(watchdog.needs_attention(now))
    accounts = VendorAccount.objects.filter(tenant=scope.tenant)
    recording_accounts = [a for a in accounts if a.vendor_known and a.info.can(Capability.RECORDING)]
    filters = RecordingFilter(
        request.GET,
        recordings,
        accounts=VendorAccount.objects.filter(pk__in=[a.pk for a in recording_accounts]),
        now=now,
    )
    page = paginate(filters.qs, request, per_page=50)
    for recording in watchdog.flag(list(page.object_list), now):
        recording.duration = recording.duration_seconds(now)
    context = {
        "scope": scope,
        "page": page,
        "filters": filters,
        "now": now,
        "attention_count": attention.count(),
        "accounts": recording_accounts,
        "rule_apps": [
            app
            for account in recording_accounts
            if account.info.can(Capability.RECORDING_RULES)
            for app in account.apps.all()
        ],
        "stall_minutes": int(watchdog.stall().total_seconds() // 60),
    }
    template = "recordings/list.html#recordings" if request.htmx else "recordings/list.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def recording_start(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    channel = scope.get(
        Channel.objects.select_related("app__vendor_account"), "app__vendor_account__tenant", pk=channel_pk
    )
    account = channel.app.vendor_account
    context: dict[str, object] = {
        "scope": scope,
        "channel": channel,
        "account": account,
        "recordings": head(Recording.objects.filter(channel=channel), 20),
        # The whole list, searched by this channel's id, pages through every one.
        "recordings_url": reverse("recordings:recording_list", args=[scope.tenant.slug])
        + "?"
        + urlencode({"q": channel.channel_id}),
    }
    info = account.info
    if not info.can(Capability.RECORDING):
        context["problem"] = _("%(vendor)s cannot record.") % {"vendor": account.vendor_label}
        return render(request, "recordings/start.html", context)
    vendor_rules = []
    if info.can(Capability.RECORDING_RULES):
        try:
            vendor_rules = rules.rules(channel.app)
        except VendorError as error:
            context["vendor_error"] = error
            return render(request, "recordings/start.html", context)
        if not any(rule.enabled for rule in vendor_rules):
            context["problem"] = _("The app has no enabled recording rule: add one first.")
            return render(request, "recordings/start.html", context)
    form = StartRecordingForm(
        request.POST or None,
        info=info,
        templates=_templates(scope),
        storages=StorageTarget.objects.filter(tenant=scope.tenant),
        rules=vendor_rules,
    )
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return act(
            request,
            lambda: start_from_form(request.user, channel, data, request),
            done=lambda recording: _("Recording %(id)s started.") % {"id": recording.recording_id},
            then=lambda recording: reverse("recordings:recording_detail", args=[scope.tenant.slug, recording.pk]),
            page=Page("recordings/start.html", context),
        )
    return render(request, "recordings/start.html", context)


@require_safe
def recording_detail(request: HttpRequest, tenant_slug: str, recording_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    recording = _recording(scope, recording_pk)
    now = timezone.now()
    layout = from_json(recording.layout_version.layout) if recording.layout_version else None
    context = {
        "scope": scope,
        "recording": recording,
        "problem": watchdog.problem(recording, now),
        "duration": recording.duration_seconds(now),
        "options": _options(recording),
        "refresh_seconds": settings.LIVE_PAGE_REFRESH_SECONDS,
        "files": recording.files.defer("content"),
        "callbacks": head(recording.callbacks.all(), 20),
        "canvas": svg(layout) if layout else "",
        "templates": _templates(scope),
        "users_form": UsersForm(initial={"users": " ".join(recording.options.get("users", []))}),
    }
    return render(request, "recordings/detail.html", context)


@require_POST
def recording_refresh(request: HttpRequest, tenant_slug: str, recording_pk: int) -> HttpResponse:
    """Ask the vendor now (a read: viewers may)."""
    scope = tenant_scope(request, tenant_slug)
    recording = _recording(scope, recording_pk)
    if recording.account.info.can(Capability.RECORDING_STATUS):
        recording = actions.refresh(recording)
        if recording.check_error:
            messages.error(request, recording.check_error)
    else:
        messages.info(request, _("This vendor reports only by callback; there is nothing to ask."))
    return redirect("recordings:recording_detail", tenant_slug=scope.tenant.slug, recording_pk=recording.pk)


@require_http_methods(["GET", "POST"])
def recording_stop(request: HttpRequest, tenant_slug: str, recording_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    recording = _recording(scope, recording_pk)
    return act(
        request,
        lambda: actions.stop(request.user, recording),
        done=lambda request_id: with_request_id(
            _("Recording %(id)s stopped.") % {"id": recording.recording_id}, request_id
        ),
        then=_detail_url(scope, recording),
        page=Page("recordings/stop.html", {"scope": scope, "recording": recording}),
    )


@require_http_methods(["GET", "POST"])
def channel_recordings_stop(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    """Stop every recording of a channel at once, where the vendor can."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    channel = scope.get(
        Channel.objects.select_related("app__vendor_account"), "app__vendor_account__tenant", pk=channel_pk
    )
    context: dict[str, object] = {"scope": scope, "channel": channel}
    if not channel.app.vendor_account.info.can(Capability.RECORDING_STOP_CHANNEL):
        context["problem"] = _("This vendor stops recordings one by one.")
        return render(request, "recordings/stop_channel.html", context)
    return act(
        request,
        lambda: actions.stop_channel(request.user, channel),
        done=lambda _request_id: _("Every recording of %(channel)s stopped.") % {"channel": channel.channel_id},
        then=reverse("recordings:recording_start", args=[scope.tenant.slug, channel.pk]),
        page=Page("recordings/stop_channel.html", context),
    )


@require_http_methods(["GET", "POST"])
def recording_apply_layout(request: HttpRequest, tenant_slug: str, recording_pk: int) -> HttpResponse:
    """GET: confirm which layout goes to the running recording. POST: send it (audited)."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    recording = _recording(scope, recording_pk)
    chosen = chosen_layout(scope, request)
    if chosen is None:  # nothing chosen yet: the recording page has the choice
        return redirect("recordings:recording_detail", tenant_slug=scope.tenant.slug, recording_pk=recording.pk)
    return act(
        request,
        lambda: actions.apply_layout(request.user, recording, chosen.version),
        done=lambda _request_id: _("Layout “%(name)s” applied.") % {"name": chosen.template.name},
        then=_detail_url(scope, recording),
        page=Page("recordings/apply_layout.html", {"scope": scope, "recording": recording, **chosen.context()}),
    )


@require_POST
def recording_users(request: HttpRequest, tenant_slug: str, recording_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    recording = _recording(scope, recording_pk)
    form = UsersForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("users", []):
            messages.error(request, str(error))
        return redirect(_detail_url(scope, recording))
    return act(
        request,
        lambda: actions.update_users(request.user, recording, form.cleaned_data["users"]),
        done=lambda _request_id: _("The recording now takes the users you listed."),
        then=_detail_url(scope, recording),
    )


@require_POST
def recording_playback(request: HttpRequest, tenant_slug: str, recording_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    recording = _recording(scope, recording_pk)
    return act(
        request,
        lambda: actions.playback(request.user, recording),
        done=lambda room: _("Playback room %(room)s opened.") % {"room": room.room_id},
        then=_detail_url(scope, recording),
    )


RELAYED_MEDIA_TYPES = ("video/", "audio/")


@require_safe
def recording_download(request: HttpRequest, tenant_slug: str, recording_pk: int) -> HttpResponse:
    """The finished file, fetched from the vendor as the user asks (nothing is kept)."""
    scope = tenant_scope(request, tenant_slug)
    recording = _recording(scope, recording_pk)
    try:
        with provider_for(recording.account) as provider:
            found = provider.download_recording(recording.channel.app.app_id, recording.handle)
    except VendorError as error:
        messages.error(request, vendor_error_text(error))
        return redirect("recordings:recording_detail", tenant_slug=scope.tenant.slug, recording_pk=recording.pk)
    if not found.media_type.startswith(RELAYED_MEDIA_TYPES):
        # Relaying any body as the console's own answer would make this a window on whatever
        # the endpoint serves: only recordings pass, nothing of another kind is shown.
        messages.error(
            request,
            _("The vendor answered with %(type)s instead of a recording file; nothing was downloaded.")
            % {"type": found.media_type or _("no content type")},
        )
        return redirect("recordings:recording_detail", tenant_slug=scope.tenant.slug, recording_pk=recording.pk)
    response = HttpResponse(found.content, content_type=found.media_type)
    response["Content-Disposition"] = _attachment(found.filename)
    return response


@require_safe
def recording_file(request: HttpRequest, tenant_slug: str, recording_pk: int, file_pk: int) -> HttpResponse:
    """A file the vendor handed to the console itself (a snapshot in a callback)."""
    scope = tenant_scope(request, tenant_slug)
    recording = _recording(scope, recording_pk)
    file = get_object_or_404(RecordingFile, recording=recording, pk=file_pk)
    if not file.content:
        raise Http404(_("The vendor keeps this file; the console has no copy."))
    response = HttpResponse(bytes(file.content), content_type=file.media_type or "application/octet-stream")
    response["Content-Disposition"] = _attachment(file.name, inline=file.media_type in INLINE_TYPES)
    return response


# Shown in the page: raster images only. A vendor's SVG or HTML may carry script, so it is
# downloaded, never opened in the console's origin.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def _attachment(name: str, *, inline: bool = False) -> str:
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "._-") or "recording"
    return f'{"inline" if inline else "attachment"}; filename="{safe}"'


@login_not_required  # vendors carry no session: the signed token in the address is checked below
@csrf_exempt  # vendors sign their callbacks (checked below); they cannot hold a CSRF token
@require_POST
def recording_callback(request: HttpRequest, token: str, recording_token: str = "") -> HttpResponse:
    account = callbacks.account_for(token)
    bound = callbacks.recording_for(account, recording_token) if account and recording_token else None
    if account is None or (recording_token and bound is None):
        return JsonResponse({"message": "unknown callback address"}, status=404)
    try:
        # Read past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): a snapshot arrives base64 in the body.
        body = read_json_object(request, max_bytes=MAX_CALLBACK_BYTES)
    except BodyError as error:
        return JsonResponse({"message": str(error)}, status=error.status)
    outcome = callbacks.receive(account, request.headers, body, bound)
    return JsonResponse(dict(outcome.reply), status=outcome.status)
