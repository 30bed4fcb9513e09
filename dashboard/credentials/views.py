from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.audit.log import record
from dashboard.core.listing import paginate, search
from dashboard.core.page_cache import cached_page, row
from dashboard.core.requests import ConsoleRequest
from dashboard.tenancy.context_processors import header_version
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import tenant_scope
from vendors import registry

from .blocking import unblock
from .checks import check_account
from .crypto import UndecryptableCredentials
from .forms import VendorAccountForm
from .jobs import start_sync
from .models import CheckOutcome, VendorAccount
from .page_version import accounts_version

# Nothing on the accounts page follows the clock: a stored page lives until its data changes (or this).
ACCOUNT_LIST_CACHE_SECONDS = 300


def _account_list_version(request: ConsoleRequest, tenant_slug: str) -> object:
    """The page shows the tenant's accounts (each row: label, vendor, the last connection test)
    and the header's menus."""
    scope = tenant_scope(request, tenant_slug)
    return (
        scope.role,
        row(scope.tenant),
        None if request.htmx else header_version(request),
        accounts_version(scope.tenant.pk),
    )


@require_safe
@cached_page(_account_list_version, seconds=ACCOUNT_LIST_CACHE_SECONDS)
def account_list(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    accounts, query = search(scope.tenant.vendor_accounts.all(), request, ["label", "vendor"])
    page = paginate(accounts, request)
    template = "credentials/account_list.html#accounts" if request.htmx else "credentials/account_list.html"
    return render(request, template, {"scope": scope, "page": page, "query": query})


@require_safe
def account_choose_vendor(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    return render(request, "credentials/choose_vendor.html", {"scope": scope, "vendors": list(registry)})


@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest, tenant_slug: str, vendor: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    if vendor not in registry:
        raise Http404
    info = registry.get(vendor)
    form = VendorAccountForm(
        request.POST if request.method == "POST" else None,
        vendor=info,
        instance=VendorAccount(tenant=scope.tenant, vendor=info.name),
    )
    if request.method == "POST" and form.is_valid():
        account = form.save()
        record(request.user, "account.create", vendor_account=account, target=account.label)
        start_sync(account)
        messages.success(
            request, _("Vendor account “%(label)s” added. Test its connection next.") % {"label": account.label}
        )
        return redirect("rtc:account_detail", tenant_slug=scope.tenant.slug, account_id=account.pk)
    return render(request, "credentials/account_form.html", {"scope": scope, "form": form, "vendor": info})


@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    try:
        form = VendorAccountForm(
            request.POST if request.method == "POST" else None, vendor=account.info, instance=account
        )
    except UndecryptableCredentials:
        messages.error(request, _("The stored credentials cannot be decrypted with the configured keys."))
        return redirect("rtc:account_detail", tenant_slug=scope.tenant.slug, account_id=account.pk)
    if request.method == "POST" and form.is_valid():
        changed = sorted(set(form.changed_data) - {f.name for f in form.credential_bound_fields()})
        changed += form.changed_credential_names()
        account = form.save()
        record(
            request.user, "account.update", vendor_account=account, target=account.label, detail={"changed": changed}
        )
        if set(changed) - {"label"}:  # new credentials, endpoint or enabled: try the vendor again
            unblock(account=account)
            start_sync(account)
        messages.success(request, _("Vendor account “%(label)s” saved.") % {"label": account.label})
        return redirect("rtc:account_detail", tenant_slug=scope.tenant.slug, account_id=account.pk)
    return render(
        request,
        "credentials/account_form.html",
        {"scope": scope, "form": form, "vendor": account.info, "account": account},
    )


@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    if request.method == "POST":
        label = account.label
        record(request.user, "account.delete", vendor_account=account, target=label)
        account.delete()
        messages.success(request, _("Vendor account “%(label)s” deleted.") % {"label": label})
        return redirect("credentials:account_list", tenant_slug=scope.tenant.slug)
    return render(request, "credentials/account_confirm_delete.html", {"scope": scope, "account": account})


@require_POST
def account_test(request: ConsoleRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    """A cheap authenticated read at the vendor; the row keeps the outcome."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    check_account(request.user, account)
    if request.htmx:
        return render(request, "credentials/partials/check_result.html", {"scope": scope, "account": account})
    if account.last_check_outcome == CheckOutcome.OK:
        messages.success(request, _("Connected to %(vendor)s.") % {"vendor": account.vendor_label})
    else:
        messages.error(request, _("Connection test failed: %(error)s") % {"error": account.last_check_error})
    return redirect("rtc:account_detail", tenant_slug=scope.tenant.slug, account_id=account.pk)
