from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.audit.log import audited, record
from dashboard.core.acting import Page, act
from dashboard.core.listing import paginate, search
from dashboard.core.requests import ConsoleRequest
from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors.base.provider import Capability

from .forms import RegisterAppForm
from .listing import ListingResult, refresh_account
from .models import AppSource, RtcApp


def _apps_page(request: HttpRequest, scope: TenantScope, account: VendorAccount, **extra: object) -> dict[str, object]:
    apps, query = search(account.apps.all(), request, ["app_id", "name"])
    return {
        "scope": scope,
        "account": account,
        "page": paginate(apps, request),
        "query": query,
        **extra,
    }


@require_safe
def account_detail(request: ConsoleRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    """The vendor account's page: its connection state and its apps."""
    scope = tenant_scope(request, tenant_slug)
    account = scope.get(VendorAccount, pk=account_id)
    context = _apps_page(request, scope, account, register_form=RegisterAppForm())
    template = "rtc/account_detail.html#apps" if request.htmx else "rtc/account_detail.html"
    return render(request, template, context)


@require_POST
def apps_refresh(request: ConsoleRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    account_url = reverse("rtc:account_detail", args=[scope.tenant.slug, account.pk])
    if not account.info.can(Capability.LIST_APPS):
        messages.error(
            request, _("%(vendor)s cannot list apps; register app ids by hand.") % {"vendor": account.vendor_label}
        )
        if request.htmx:
            return render(request, "rtc/account_detail.html#apps", _apps_page(request, scope, account))
        return redirect(account_url)

    def refresh() -> ListingResult:
        with audited(request.user, "apps.refresh", vendor_account=account, target=account.label) as call:
            result = refresh_account(account)
            call.detail = {"added": result.added, "updated": result.updated, "missing": result.missing}
        return result

    def apps(_result: ListingResult) -> str | HttpResponse:
        if request.htmx:
            return render(request, "rtc/account_detail.html#apps", _apps_page(request, scope, account))
        return account_url

    return act(
        request,
        refresh,
        done=lambda result: (
            _("App list refreshed: %(added)d new, %(updated)d updated, %(missing)d no longer listed.")
            % {"added": result.added, "updated": result.updated, "missing": result.missing}
        ),
        then=apps,
        page=Page("rtc/account_detail.html#apps", _apps_page(request, scope, account)) if request.htmx else None,
        back=account_url,
    )


@require_POST
def app_register(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    form = RegisterAppForm(request.POST, instance=RtcApp(vendor_account=account, source=AppSource.MANUAL))
    if form.is_valid():
        app = form.save()
        record(request.user, "app.register", vendor_account=account, target=app.app_id)
        messages.success(request, _("App %(app)s registered.") % {"app": app.app_id})
        return redirect("rtc:account_detail", tenant_slug=scope.tenant.slug, account_id=account.pk)
    context = _apps_page(request, scope, account, register_form=form)
    return render(request, "rtc/account_detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def app_unregister(request: HttpRequest, tenant_slug: str, account_id: int, app_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    app = scope.get(RtcApp, "vendor_account__tenant", pk=app_pk, vendor_account_id=account_id, source=AppSource.MANUAL)
    if request.method == "POST":
        record(request.user, "app.unregister", vendor_account=app.vendor_account, target=app.app_id)
        app.delete()
        messages.success(request, _("App %(app)s removed from the console.") % {"app": app.app_id})
        return redirect("rtc:account_detail", tenant_slug=scope.tenant.slug, account_id=account_id)
    return render(
        request, "rtc/app_confirm_unregister.html", {"scope": scope, "app": app, "account": app.vendor_account}
    )


APP_NAME_MAX = 64


@require_http_methods(["GET", "POST"])
def app_rename(request: ConsoleRequest, tenant_slug: str, account_id: int, app_pk: int) -> HttpResponse:
    """Rename an app at the vendor (Aliyun ModifyApp); the row updates in place."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    app = scope.get(
        RtcApp.objects.select_related("vendor_account"),
        "vendor_account__tenant",
        pk=app_pk,
        vendor_account_id=account_id,
    )
    account = app.vendor_account
    if not account.info.can(Capability.RENAME_APP):
        raise Http404
    context = {
        "scope": scope,
        "account": account,
        "app": app,
        "editing": request.method == "GET" and not request.GET.get("cancel"),
    }
    if request.method != "POST":
        return render(request, "rtc/partials/app_row.html" if request.htmx else "rtc/app_rename.html", context)
    account_url = reverse("rtc:account_detail", args=[scope.tenant.slug, account.pk])
    name = request.POST.get("name", "").strip()
    context |= {"editing": True, "new_name": name}
    if not name or len(name) > APP_NAME_MAX:
        error = _("Give a name of 1 to %(max)d characters.") % {"max": APP_NAME_MAX}
        if not request.htmx:
            messages.error(request, error)
            return redirect(account_url)
        return render(request, "rtc/partials/app_row.html", {**context, "rename_error": error})

    def rename() -> None:
        with (
            audited(request.user, "app.rename", vendor_account=account, target=app.app_id) as call,
            provider_for(account) as provider,
        ):
            call.detail = {"from": app.name, "to": name}
            call.vendor_request_id = provider.rename_app(app.app_id, name)
        app.name = name
        app.save(update_fields=["name"])

    def row(_nothing: None) -> str | HttpResponse:
        if request.htmx:
            return render(request, "rtc/partials/app_row.html", {**context, "editing": False})
        return account_url

    return act(
        request,
        rename,
        done=lambda _nothing: _("App %(app)s renamed to “%(name)s”.") % {"app": app.app_id, "name": name},
        then=row,
        page=Page("rtc/partials/app_row.html", context) if request.htmx else None,
        back=account_url,
    )
