"""Price books of a tenant's vendor accounts (tenant admins and staff) and its markup (staff)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from dashboard.audit.log import record
from dashboard.credentials.models import VendorAccount
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import tenant_scope

from .forms import MarkupForm, PriceBookForm
from .models import Markup, PriceBook


def _target(book: PriceBook) -> str:
    return f"{book.currency} {book.valid_from.isoformat()}"


@require_safe
def price_book_list(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    accounts = scope.tenant.vendor_accounts.prefetch_related("price_books").order_by("label")
    markup = Markup.objects.filter(tenant=scope.tenant).first()
    return render(request, "billing/price_book_list.html", {"scope": scope, "accounts": accounts, "markup": markup})


@require_http_methods(["GET", "POST"])
def price_book_create(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    form = PriceBookForm(request.POST if request.method == "POST" else None, instance=PriceBook(vendor_account=account))
    if request.method == "POST" and form.is_valid():
        book = form.save()
        record(request.user, "price_book.create", vendor_account=account, target=_target(book))
        messages.success(request, _("Price book added to “%(label)s”.") % {"label": account.label})
        return redirect("billing:price_book_list", tenant_slug=scope.tenant.slug)
    return render(request, "billing/price_book_form.html", {"scope": scope, "form": form, "account": account})


@require_http_methods(["GET", "POST"])
def price_book_edit(request: HttpRequest, tenant_slug: str, book_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    book = scope.get(PriceBook.objects.select_related("vendor_account"), "vendor_account__tenant", pk=book_id)
    form = PriceBookForm(request.POST if request.method == "POST" else None, instance=book)
    if request.method == "POST" and form.is_valid():
        book = form.save()
        record(
            request.user,
            "price_book.update",
            vendor_account=book.vendor_account,
            target=_target(book),
            detail={"changed": sorted(form.changed_data)},
        )
        messages.success(request, _("Price book saved."))
        return redirect("billing:price_book_list", tenant_slug=scope.tenant.slug)
    context = {"scope": scope, "form": form, "account": book.vendor_account, "book": book}
    return render(request, "billing/price_book_form.html", context)


@require_http_methods(["GET", "POST"])
def price_book_delete(request: HttpRequest, tenant_slug: str, book_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    book = scope.get(PriceBook.objects.select_related("vendor_account"), "vendor_account__tenant", pk=book_id)
    if request.method == "POST":
        record(request.user, "price_book.delete", vendor_account=book.vendor_account, target=_target(book))
        book.delete()
        messages.success(request, _("Price book deleted."))
        return redirect("billing:price_book_list", tenant_slug=scope.tenant.slug)
    return render(request, "billing/price_book_confirm_delete.html", {"scope": scope, "book": book})


@require_http_methods(["GET", "POST"])
def markup_edit(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """The reseller's markup on a tenant: staff only, a tenant does not set its own price."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    if not scope.is_staff:
        raise PermissionDenied
    markup = Markup.objects.filter(tenant=scope.tenant).first() or Markup(tenant=scope.tenant)
    form = MarkupForm(request.POST if request.method == "POST" else None, instance=markup)
    if request.method == "POST" and form.is_valid():
        markup = form.save()
        record(request.user, "markup.update", tenant=scope.tenant, target=f"{markup.percent}%")
        messages.success(request, _("Markup saved."))
        return redirect("billing:price_book_list", tenant_slug=scope.tenant.slug)
    return render(request, "billing/markup_form.html", {"scope": scope, "form": form})
