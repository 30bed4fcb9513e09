"""An account's media servers, where the vendor lets its customers see and steer them: load,
room count, recycling a server, and recordings uploaded through the vendor."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.audit.log import audited
from dashboard.core.acting import Page, act, with_request_id
from dashboard.core.requests import ConsoleRequest
from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.base.types import RecordingUpload

from .server_forms import RecycleForm, UploadForm

SERVER_CAPABILITIES = (Capability.SERVER_LOAD, Capability.SERVER_RECYCLE, Capability.RECORDING_UPLOAD)


def _unsupported(account: VendorAccount) -> str:
    return _("%(vendor)s has no API for this.") % {"vendor": account.vendor_label}


def _ask(context: dict[str, object], key: str, call: Callable[[], object]) -> None:
    """One read; a refusal is shown in its place and the other reads go on."""
    try:
        context[key] = call()
    except VendorError as error:
        context[f"{key}_error"] = error


def _page(scope: TenantScope, account: VendorAccount, **extra: object) -> dict[str, object]:
    context: dict[str, object] = {"scope": scope, "account": account, "upload_form": UploadForm(), **extra}
    if not any(account.info.can(capability) for capability in SERVER_CAPABILITIES):
        context["problem"] = _unsupported(account)
        return context
    if account.info.can(Capability.SERVER_LOAD):
        with provider_for(account) as provider:
            _ask(context, "least_loaded", provider.least_loaded_server)
            _ask(context, "recording_server", provider.recording_server)
            _ask(context, "cpu", provider.server_cpu_load)
            _ask(context, "room_count", provider.server_channel_count)
    return context


@require_safe
def servers(request: ConsoleRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    """What the vendor says of its servers now (read each time the page is shown)."""
    scope = tenant_scope(request, tenant_slug)
    account = scope.get(VendorAccount, pk=account_id)
    return render(request, "rtc/servers.html", _page(scope, account))


@require_http_methods(["GET", "POST"])
def server_recycle(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    context: dict[str, object] = {"scope": scope, "account": account}
    if not account.info.can(Capability.SERVER_RECYCLE):
        return render(request, "rtc/server_recycle.html", context | {"problem": _unsupported(account)})
    form = RecycleForm(request.POST or None, label=account.label)
    page = Page("rtc/server_recycle.html", context | {"form": form})
    if request.method == "GET" or not form.is_valid():
        return page.render(request)

    def recycle() -> str:
        with audited(request.user, "server.recycle", vendor_account=account, target=account.label) as call:
            call.detail = {"reason": form.cleaned_data["reason"]}
            with provider_for(account) as provider:
                call.vendor_request_id = provider.recycle_server()
        return call.vendor_request_id

    return act(
        request,
        recycle,
        done=lambda request_id: with_request_id(
            _("The server that answered is recycled: it takes no new rooms, and can be shut down when its rooms end."),
            request_id,
        ),
        then=reverse("rtc:servers", args=[scope.tenant.slug, account.pk]),
        page=page,
    )


def _uploaded(upload: RecordingUpload) -> dict[str, object]:
    return {
        "recording_id": upload.recording_id,
        "server": upload.server.alias,
        "address": upload.server.address,
        "upload_url": upload.upload_url,
    }


@require_POST
def upload_url(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    """A recording slot at the vendor that a client app uploads its own recording to."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    back = reverse("rtc:servers", args=[scope.tenant.slug, account.pk])
    if not account.info.can(Capability.RECORDING_UPLOAD):
        return render(request, "rtc/servers.html", _page(scope, account) | {"problem": _unsupported(account)})

    def create() -> RecordingUpload:
        with audited(request.user, "server.upload_url", vendor_account=account, target=account.label) as call:
            with provider_for(account) as provider:
                target = provider.recording_upload_url()
            call.detail = _uploaded(target)
            call.message = target.recording_id
        return target

    return act(
        request,
        create,
        done=lambda target: _("Upload address created for recording %(id)s.") % {"id": target.recording_id},
        then=lambda target: render(request, "rtc/servers.html", _page(scope, account, created=target)),
        back=back,
    )


@require_http_methods(["GET", "POST"])
def recording_upload(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    context: dict[str, object] = {"scope": scope, "account": account}
    if not account.info.can(Capability.RECORDING_UPLOAD):
        return render(request, "rtc/recording_upload.html", context | {"problem": _unsupported(account)})
    form = UploadForm(request.POST or None, request.FILES or None)
    page = Page("rtc/recording_upload.html", context | {"form": form})
    if request.method == "GET" or not form.is_valid():
        return page.render(request)
    upload = form.cleaned_data["file"]

    def send() -> RecordingUpload:
        with audited(request.user, "server.upload", vendor_account=account, target=upload.name or "") as call:
            call.detail = {"file": upload.name, "bytes": upload.size}
            with provider_for(account) as provider:
                answer = provider.upload_recording(
                    upload.name or "upload", upload.read(), upload.content_type or "application/octet-stream"
                )
            call.detail |= _uploaded(answer)
            call.message = answer.recording_id
        return answer

    return act(
        request,
        send,
        done=lambda answer: (
            _("%(file)s uploaded: the vendor keeps it as recording %(id)s.")
            % {"file": upload.name, "id": answer.recording_id}
        ),
        then=lambda answer: page.render(request, uploaded=answer),
        page=page,
    )
