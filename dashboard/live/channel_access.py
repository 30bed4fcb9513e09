"""Who is in a channel, a page at a time as the vendor pages them; and refreshing the nonce
a channel's join tokens are signed with."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from dashboard.audit.log import audited
from dashboard.core.acting import Page, act, with_request_id
from dashboard.core.params import int_param
from dashboard.credentials.connect import provider_for
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.base.types import ChannelToken

from .models import Channel

PARTICIPANTS_PER_PAGE = 50
MAX_PARTICIPANT_PAGE = 10_000
# Spec 001, UpdateChannel: the timestamp of a refresh is valid for 48 hours.
NONCE_VALIDITY = timedelta(hours=48)


def _channel(
    request: HttpRequest, tenant_slug: str, channel_pk: int, role: Role = Role.VIEWER
) -> tuple[TenantScope, Channel]:
    scope = tenant_scope(request, tenant_slug, role)
    channel = scope.get(
        Channel.objects.select_related("app__vendor_account__tenant"), "app__vendor_account__tenant", pk=channel_pk
    )
    return scope, channel


@require_safe
def channel_participants(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    """One page of the channel's members as the vendor lists them now (a read: viewers too)."""
    scope, channel = _channel(request, tenant_slug, channel_pk)
    account = channel.app.vendor_account
    number = int_param(request.GET, "page", 1, maximum=MAX_PARTICIPANT_PAGE)
    context: dict[str, object] = {"scope": scope, "channel": channel, "account": account, "app": channel.app}
    if not account.info.can(Capability.PARTICIPANTS):
        context["problem"] = _("%(vendor)s has no API to list a channel's participants page by page.") % {
            "vendor": account.vendor_label
        }
        return render(request, "live/participants.html", context)
    try:
        with provider_for(account) as provider:
            page = provider.participants(
                channel.app.app_id, channel.channel_id, page=number, page_size=PARTICIPANTS_PER_PAGE
            )
    except VendorError as error:
        context["vendor_error"] = error
        return render(request, "live/participants.html", context)
    pages = -(-page.total // PARTICIPANTS_PER_PAGE) if page.total is not None else None
    context |= {
        "page": page,
        "first_number": (number - 1) * PARTICIPANTS_PER_PAGE + 1,
        "pages": pages,
        "previous_page": number - 1 if number > 1 else None,
        # Without a total, a full page may have a next one.
        "next_page": number + 1
        if (pages is not None and number < pages) or (pages is None and len(page.items) == PARTICIPANTS_PER_PAGE)
        else None,
        "asked_at": timezone.now(),
        "per_page": PARTICIPANTS_PER_PAGE,
        "session_url": reverse("live:member_session", args=[scope.tenant.slug, channel.pk]),
        "kick_url": reverse("live:channel_kick", args=[scope.tenant.slug, channel.pk]),
    }
    return render(request, "live/participants.html", context)


class NonceForm(forms.Form):
    nonce = forms.CharField(
        label=gettext_lazy("The channel's current nonce"),
        max_length=128,
        help_text=gettext_lazy("The nonce your app server signs join tokens with now (the vendor asks for it)."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)

    def clean_nonce(self) -> str:
        nonce = self.cleaned_data["nonce"].strip()
        if not nonce.isprintable():
            raise forms.ValidationError(_("A nonce is printable text."))
        return nonce


@sensitive_post_parameters("nonce")
@require_http_methods(["GET", "POST"])
def channel_nonce(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    """Ask the vendor for a new nonce (Aliyun UpdateChannel), confirmed, audited; the new one is shown once."""
    scope, channel = _channel(request, tenant_slug, channel_pk, Role.ADMIN)
    account = channel.app.vendor_account
    context: dict[str, object] = {"scope": scope, "channel": channel, "account": account, "app": channel.app}
    if not account.info.can(Capability.CHANNEL_NONCE):
        context["problem"] = _("%(vendor)s has no API to refresh a channel's nonce.") % {"vendor": account.vendor_label}
        return render(request, "live/nonce.html", context)
    form = NonceForm(request.POST or None)
    page = Page("live/nonce.html", {**context, "form": form})
    if request.method == "GET" or not form.is_valid():
        return page.render(request)

    def refresh() -> ChannelToken:
        with audited(
            request.user,
            "live.refresh_nonce",
            vendor_account=account,
            target=f"{channel.app.app_id} / {channel.channel_id}",
        ) as call:
            # Neither nonce goes into the log: with the app key they make join tokens.
            call.detail = {
                "app": channel.app.app_id,
                "channel": channel.channel_id,
                "reason": form.cleaned_data["reason"],
            }
            with provider_for(account) as provider:
                token = provider.refresh_channel_nonce(
                    channel.app.app_id, channel.channel_id, form.cleaned_data["nonce"]
                )
            call.vendor_request_id = token.request_id
        return token

    def shown(token: ChannelToken) -> HttpResponse:
        fresh = {"token": token, "valid_until": token.issued_at + NONCE_VALIDITY}
        return page.render(request, form=None, refreshed=fresh)

    return act(
        request,
        refresh,
        done=lambda token: with_request_id(
            _("The nonce of %(channel)s was refreshed.") % {"channel": channel.channel_id}, token.request_id
        ),
        then=shown,
        page=page,
    )
