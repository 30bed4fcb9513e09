"""The tenant's own buckets for recordings (keys encrypted, never shown again)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from dashboard.audit.log import record
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import tenant_scope

from .forms import StorageForm
from .models import StorageTarget


@require_safe
def storage_list(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    targets = StorageTarget.objects.filter(tenant=scope.tenant)
    return render(request, "recordings/storage_list.html", {"scope": scope, "targets": targets})


@require_http_methods(["GET", "POST"])
def storage_edit(request: HttpRequest, tenant_slug: str, storage_pk: int | None = None) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    target = scope.get(StorageTarget, pk=storage_pk) if storage_pk else StorageTarget(tenant=scope.tenant)
    form = StorageForm(request.POST or None, instance=target, tenant=scope.tenant)
    if request.method == "POST" and form.is_valid():
        created = not target.pk
        saved = form.save()
        changed = [name for name in form.changed_data if name not in ("access_key", "secret_key")]
        if form.cleaned_data["access_key"] or form.cleaned_data["secret_key"]:
            changed.append("keys")
        record(
            request.user,
            "storage.create" if created else "storage.update",
            tenant=scope.tenant,
            target=saved.name,
            detail={"bucket": saved.bucket, "changed": changed},
        )
        messages.success(request, _("Bucket “%(name)s” saved.") % {"name": saved.name})
        return redirect("recordings:storage_list", tenant_slug=scope.tenant.slug)
    return render(request, "recordings/storage_form.html", {"scope": scope, "form": form, "target": target})


@require_http_methods(["GET", "POST"])
def storage_delete(request: HttpRequest, tenant_slug: str, storage_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    target = scope.get(StorageTarget, pk=storage_pk)
    if request.method == "POST":
        name = target.name
        target.delete()
        record(request.user, "storage.delete", tenant=scope.tenant, target=name)
        messages.success(request, _("Bucket “%(name)s” deleted.") % {"name": name})
        return redirect("recordings:storage_list", tenant_slug=scope.tenant.slug)
    return render(request, "recordings/storage_delete.html", {"scope": scope, "target": target})
