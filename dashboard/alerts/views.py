"""Alerts of a tenant: rules (admins edit, staff mute), destinations with "send test", open and
recent incidents, and the delivery log. Every change is audited."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.audit.log import record
from dashboard.audit.models import Outcome
from dashboard.core.cuts import head
from dashboard.core.listing import paginate
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import tenant_scope

from . import engine
from .forms import UNITS, DestinationForm, RuleForm
from .models import AlertRule, Delivery, Destination, Event, Incident, Kind, Notification
from .queries import open_alerts

OPEN_INCIDENTS = 100
RECENT_INCIDENTS = 20
MUTE_CHOICES = {
    "60": timedelta(hours=1),
    "240": timedelta(hours=4),
    "1440": timedelta(days=1),
    "10080": timedelta(days=7),
}


def _rule_target(rule: AlertRule) -> str:
    said = str(rule.get_kind_display())
    if rule.threshold is not None:
        said += f" > {rule.threshold}"
    return said + (f" {rule.period}" if rule.period else "")


@require_safe
def alert_list(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    rules = list(AlertRule.objects.filter(tenant=scope.tenant).prefetch_related("destinations"))
    for rule in rules:
        rule.unit = UNITS.get(Kind(rule.kind), "")  # type: ignore[attr-defined]
        rule.is_muted = engine.muted(rule, timezone.now())  # type: ignore[attr-defined]
    context = {
        "scope": scope,
        "rules": rules,
        "open_incidents": head(open_alerts([scope.tenant]), OPEN_INCIDENTS),
        "open_count": open_alerts([scope.tenant]).count(),
        "recent": head(
            Incident.objects.filter(tenant=scope.tenant, resolved_at__isnull=False)
            .select_related("rule")
            .order_by("-resolved_at"),
            RECENT_INCIDENTS,
        ),
        "destinations": Destination.objects.filter(tenant=scope.tenant),
        "mute_choices": MUTE_CHOICES,
    }
    return render(request, "alerts/alert_list.html", context)


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, tenant_slug: str, rule_pk: int | None = None) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    rule = scope.get(AlertRule, pk=rule_pk) if rule_pk else AlertRule(tenant=scope.tenant)
    form = RuleForm(request.POST if request.method == "POST" else None, instance=rule, tenant=scope.tenant)
    if request.method == "POST" and form.is_valid():
        created = rule.pk is None
        rule = form.save()
        record(
            request.user,
            "alerts.rule_create" if created else "alerts.rule_update",
            tenant=scope.tenant,
            target=_rule_target(rule),
            detail={
                "changed": sorted(form.changed_data),
                "enabled": rule.enabled,
                "threshold": rule.threshold,
                "period": rule.period,
                "destinations": sorted(d.name for d in rule.destinations.all()),
            },
        )
        messages.success(request, _("Alert rule saved."))
        return redirect("alerts:alert_list", tenant_slug=scope.tenant.slug)
    return render(request, "alerts/rule_form.html", {"scope": scope, "form": form, "rule": rule})


@require_http_methods(["GET", "POST"])
def rule_delete(request: HttpRequest, tenant_slug: str, rule_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    rule = scope.get(AlertRule, pk=rule_pk)
    if request.method == "POST":
        record(request.user, "alerts.rule_delete", tenant=scope.tenant, target=_rule_target(rule))
        rule.delete()
        messages.success(request, _("Alert rule deleted."))
        return redirect("alerts:alert_list", tenant_slug=scope.tenant.slug)
    return render(request, "alerts/rule_confirm_delete.html", {"scope": scope, "rule": rule})


@require_POST
def rule_mute(request: HttpRequest, tenant_slug: str, rule_pk: int) -> HttpResponse:
    """Staff silence a rule for a while (incidents still open and show; no notice goes out)."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    rule = scope.get(AlertRule, pk=rule_pk)  # another tenant's rule is a 404 before anything else
    if not scope.is_staff:
        raise PermissionDenied
    length = MUTE_CHOICES.get(request.POST.get("minutes", ""))
    if length is None:
        rule.muted_until, rule.muted_by = None, None
        action, text = "alerts.rule_unmute", _("Alert rule unmuted.")
    else:
        rule.muted_until, rule.muted_by = timezone.now() + length, request.user  # type: ignore[assignment]
        action, text = "alerts.rule_mute", _("Alert rule muted.")
    rule.save(update_fields=["muted_until", "muted_by", "updated_at"])
    until = rule.muted_until.isoformat() if rule.muted_until else None
    record(request.user, action, tenant=scope.tenant, target=_rule_target(rule), detail={"muted_until": until})
    messages.success(request, text)
    return redirect("alerts:alert_list", tenant_slug=scope.tenant.slug)


@require_http_methods(["GET", "POST"])
def destination_edit(request: HttpRequest, tenant_slug: str, destination_pk: int | None = None) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    destination = scope.get(Destination, pk=destination_pk) if destination_pk else Destination(tenant=scope.tenant)
    form = DestinationForm(
        request.POST if request.method == "POST" else None, instance=destination, tenant=scope.tenant
    )
    if request.method == "POST" and form.is_valid():
        created = destination.pk is None
        destination = form.save()
        changed = sorted(name for name in form.changed_data if name != "signing_secret")
        if form.cleaned_data.get("signing_secret"):
            changed.append("signing_secret")  # that it changed, never what it is
        record(
            request.user,
            "alerts.destination_create" if created else "alerts.destination_update",
            tenant=scope.tenant,
            target=f"{destination.name} ({destination.kind})",
            detail={"changed": changed},
        )
        messages.success(request, _("Destination saved."))
        return redirect("alerts:alert_list", tenant_slug=scope.tenant.slug)
    context = {"scope": scope, "form": form, "destination": destination}
    return render(request, "alerts/destination_form.html", context)


@require_http_methods(["GET", "POST"])
def destination_delete(request: HttpRequest, tenant_slug: str, destination_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    destination = scope.get(Destination, pk=destination_pk)
    if request.method == "POST":
        record(
            request.user,
            "alerts.destination_delete",
            tenant=scope.tenant,
            target=f"{destination.name} ({destination.kind})",
        )
        destination.delete()
        messages.success(request, _("Destination deleted."))
        return redirect("alerts:alert_list", tenant_slug=scope.tenant.slug)
    return render(request, "alerts/destination_confirm_delete.html", {"scope": scope, "destination": destination})


@require_POST
def destination_test(request: HttpRequest, tenant_slug: str, destination_pk: int) -> HttpResponse:
    """Send a test notice now, while the admin waits; the outcome is a toast and a log row."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    destination = scope.get(Destination, pk=destination_pk)
    notice = Notification.objects.create(
        tenant=scope.tenant,
        destination=destination,
        destination_name=destination.name,
        event=Event.TEST,
        next_attempt_at=timezone.now(),
    )
    delivered = engine.send(notice)
    delivery = notice.deliveries.order_by("-attempt").first()
    said = delivery.detail if delivery else ""
    record(
        request.user,
        "alerts.destination_test",
        tenant=scope.tenant,
        target=f"{destination.name} ({destination.kind})",
        outcome=Outcome.SUCCESS if delivered else Outcome.FAILURE,
        message=said,
    )
    if delivered:
        messages.success(
            request, _("Test notice sent to “%(name)s”: %(said)s") % {"name": destination.name, "said": said}
        )
    else:
        messages.error(
            request, _("Test notice to “%(name)s” failed: %(said)s") % {"name": destination.name, "said": said}
        )
    return redirect("alerts:alert_list", tenant_slug=scope.tenant.slug)


@require_safe
def delivery_list(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    notices = (
        Notification.objects.filter(tenant=scope.tenant)
        .select_related("incident")
        .prefetch_related(Prefetch("deliveries", queryset=Delivery.objects.order_by("attempt")))
    )
    return render(request, "alerts/delivery_list.html", {"scope": scope, "page": paginate(notices, request)})
