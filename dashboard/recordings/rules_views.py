"""Recording rules of an app (kept at the vendor) and its automatic recording."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.core.acting import Page, act
from dashboard.core.cuts import head
from dashboard.core.params import parse_int
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors.base.errors import VendorError
from vendors.base.provider import Capability
from vendors.base.types import RecordingRule

from . import callbacks, rules
from .forms import RuleForm


def _app(scope: TenantScope, app_pk: int) -> RtcApp:
    app = scope.get(RtcApp.objects.select_related("vendor_account"), "vendor_account__tenant", pk=app_pk)
    if not app.vendor_account.info.can(Capability.RECORDING_RULES):
        raise Http404(_("This vendor keeps no recording rules."))
    return app


def _rules_url(scope: TenantScope, app: RtcApp) -> str:
    return reverse("recordings:rule_list", args=[scope.tenant.slug, app.pk])


def _rule(app: RtcApp, rule_id: str) -> RecordingRule:
    found = next((rule for rule in rules.rules(app) if rule.rule_id == rule_id), None)
    if found is None:
        raise Http404(_("The vendor has no rule %(id)s.") % {"id": rule_id})
    return found


@require_safe
def rule_list(request: HttpRequest, tenant_slug: str, app_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    app = _app(scope, app_pk)
    context: dict[str, object] = {
        "scope": scope,
        "app": app,
        "auto": rules.running_auto(app),
        "console_url": callbacks.callback_url(app.vendor_account, request),
    }
    try:
        context["rules"] = rules.rules(app)
    except VendorError as error:
        context["vendor_error"] = error
    context["history"] = head(app.auto_recordings.select_related("started_by"), 10)
    return render(request, "recordings/rules.html", context)


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, tenant_slug: str, app_pk: int, rule_id: str = "") -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    app = _app(scope, app_pk)
    context: dict[str, object] = {"scope": scope, "app": app, "rule_id": rule_id}
    try:
        existing = _rule(app, rule_id) if rule_id else None
    except VendorError as error:
        context["vendor_error"] = error
        return render(request, "recordings/rule_form.html", context)
    initial = RuleForm.initial_from(existing) if existing else None
    form = RuleForm(request.POST or None, initial=initial)
    url = callbacks.callback_url(app.vendor_account, request)
    context |= {"form": form, "callback_url": url}
    if request.method == "POST" and form.is_valid():
        return act(
            request,
            lambda: rules.save(request.user, app, form.rule(url, rule_id)),
            done=lambda saved: _("Rule %(id)s saved.") % {"id": saved},
            then=_rules_url(scope, app),
            page=Page("recordings/rule_form.html", context),
        )
    return render(request, "recordings/rule_form.html", context)


@require_http_methods(["GET", "POST"])
def rule_delete(request: HttpRequest, tenant_slug: str, app_pk: int, rule_id: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    app = _app(scope, app_pk)
    return act(
        request,
        lambda: rules.delete(request.user, app, rule_id),
        done=lambda _nothing: _("Rule %(id)s deleted.") % {"id": rule_id},
        then=_rules_url(scope, app),
        page=Page("recordings/rule_delete.html", {"scope": scope, "app": app, "rule_id": rule_id}),
    )


@require_POST
def auto_recording(request: HttpRequest, tenant_slug: str, app_pk: int) -> HttpResponse:
    """Start (with the chosen rule) or stop automatic recording of every channel of the app."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    app = _app(scope, app_pk)
    running = rules.running_auto(app)
    on = request.POST.get("on") == "1"
    rule_id = (request.POST.get("rule") or "").strip()
    if not on and running:
        rule_id = running.rule_id
    if parse_int(rule_id, minimum=0) is None:
        messages.error(request, _("Choose a video rule."))
        return redirect("recordings:rule_list", tenant_slug=scope.tenant.slug, app_pk=app.pk)
    return act(
        request,
        lambda: rules.set_auto(request.user, app, rule_id, on=on),
        done=lambda _nothing: (
            _("Every channel of the app is now recorded with rule %(id)s.") % {"id": rule_id}
            if on
            else _("Automatic recording stopped.")
        ),
        then=_rules_url(scope, app),
    )
