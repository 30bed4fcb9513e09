"""Join tokens: sign one for a channel, user and role of an app; read what a pasted one says.

A token lets its holder into a channel: it is shown once, in the answer to the POST that made
it, and never written anywhere else (not the audit log, not the server log, not the session).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from dashboard.audit.log import audited
from dashboard.core.acting import Page, act
from dashboard.core.params import clean_text, text_param
from dashboard.credentials.connect import provider_for
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.base.types import JoinRole, JoinToken

MAX_TOKEN_LENGTH = 4096
ROLE_LABELS = {
    JoinRole.PUBLISH_AND_WATCH: gettext_lazy("Publish and watch"),
    JoinRole.PUBLISH_ONLY: gettext_lazy("Publish only (sees nobody)"),
}


def _printable(value: str) -> str:
    value = value.strip()
    if not value.isprintable() or any(ch.isspace() for ch in value):
        raise forms.ValidationError(_("Letters, digits and punctuation only, without spaces."))
    return value


class JoinTokenForm(forms.Form):
    channel_id = forms.CharField(label=gettext_lazy("Channel id"), max_length=64)
    user_id = forms.CharField(label=gettext_lazy("User id"), max_length=64)
    role = forms.ChoiceField(label=gettext_lazy("Role"))

    def __init__(self, *args: Any, roles: tuple[JoinRole, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["role"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(role.value, ROLE_LABELS.get(role, role.value)) for role in roles]

    def clean_channel_id(self) -> str:
        return _printable(self.cleaned_data["channel_id"])

    def clean_user_id(self) -> str:
        return _printable(self.cleaned_data["user_id"])


class ReadTokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Join token"),
        max_length=MAX_TOKEN_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )


def _app(request: HttpRequest, tenant_slug: str, app_pk: int) -> tuple[TenantScope, RtcApp]:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    app = scope.get(RtcApp.objects.select_related("vendor_account__tenant"), "vendor_account__tenant", pk=app_pk)
    return scope, app


def _unable(account: Any) -> str:
    return _("%(vendor)s has no API to sign join tokens.") % {"vendor": account.vendor_label}


@sensitive_variables("token")
@require_http_methods(["GET", "POST"])
def join_token(request: HttpRequest, tenant_slug: str, app_pk: int) -> HttpResponse:
    """GET: the form (channel and user may come from the channel page's link). POST: sign, audited."""
    scope, app = _app(request, tenant_slug, app_pk)
    account = app.vendor_account
    context: dict[str, object] = {"scope": scope, "app": app, "account": account}
    if not account.info.can(Capability.JOIN_TOKEN):
        return render(request, "live/join_token.html", context | {"problem": _unable(account)})
    roles = account.info.join_roles or tuple(JoinRole)
    initial = {"channel_id": text_param(request.GET, "channel", max_length=64), "role": roles[0].value}
    form = JoinTokenForm(request.POST or None, roles=roles, initial=initial)
    page = Page("live/join_token.html", {**context, "form": form})
    if request.method == "GET" or not form.is_valid():
        return page.render(request)
    channel_id, user_id = form.cleaned_data["channel_id"], form.cleaned_data["user_id"]
    role = JoinRole(form.cleaned_data["role"])

    def sign() -> JoinToken:
        with audited(
            request.user, "live.join_token", vendor_account=account, target=f"{app.app_id} / {channel_id} / {user_id}"
        ) as call:
            call.detail = {"app": app.app_id, "channel": channel_id, "user": user_id, "role": role.value}
            with provider_for(account) as provider:
                token = provider.join_token(app.app_id, channel_id, user_id, role)
            # What the token says, never the token itself.
            call.detail["media_endpoint"] = f"{token.media_host}:{token.media_port}"
        return token

    return act(
        request,
        sign,
        done=lambda token: (
            _("Join token signed for %(user)s in %(channel)s.") % {"user": user_id, "channel": channel_id}
        ),
        then=lambda token: page.render(request, signed=token, role_label=ROLE_LABELS.get(token.role, token.role.value)),
        page=page,
    )


@sensitive_post_parameters("token")
@sensitive_variables("token", "form")
@require_http_methods(["GET", "POST"])
def read_token(request: HttpRequest, tenant_slug: str, app_pk: int) -> HttpResponse:
    """What a pasted token contains, for which app, when it was signed, whether its signature holds.

    POST, so the token stays out of addresses and access logs; nothing is stored or sent to the vendor."""
    scope, app = _app(request, tenant_slug, app_pk)
    account = app.vendor_account
    context: dict[str, object] = {"scope": scope, "app": app, "account": account}
    if not account.info.can(Capability.JOIN_TOKEN):
        return render(request, "live/read_token.html", context | {"problem": _unable(account)})
    form = ReadTokenForm(request.POST or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            with provider_for(account) as provider:
                reading = provider.read_join_token(clean_text(form.cleaned_data["token"], max_length=MAX_TOKEN_LENGTH))
        except VendorError as error:
            context["vendor_error"] = error
        else:
            same_app = reading.app_id == app.app_id
            others = (
                []
                if same_app
                else list(
                    RtcApp.objects.filter(vendor_account__tenant=scope.tenant, app_id=reading.app_id).select_related(
                        "vendor_account"
                    )
                )
            )
            context |= {
                "reading": reading,
                "same_app": same_app,
                "other_apps": [other for other in others if other.vendor_account.info.can(Capability.JOIN_TOKEN)],
                "role_label": ROLE_LABELS.get(reading.role, "") if reading.role else "",
                "has_key": _has_key(account),
                "age": timezone.now() - reading.signed_at if reading.signed_at else None,
            }
        context["form"] = ReadTokenForm()  # not shown again with the token in it
    return render(request, "live/read_token.html", context)


def _has_key(account: Any) -> bool:
    """Whether every secret the vendor declares is stored (the key that signs may be optional)."""
    stored = account.credentials()
    return all(stored.get(field.name) for field in account.info.credential_fields if field.secret)
