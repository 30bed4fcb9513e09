"""The home page (across the tenants a person may see, worst first), one tenant's home, and
the header's search."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from dashboard.audit.models import AuditEntry
from dashboard.core.cuts import head
from dashboard.core.params import int_param, text_param
from dashboard.core.requests import ConsoleRequest
from dashboard.mixing.models import RUNNING_TASKS, MixingTask
from dashboard.recordings import watchdog
from dashboard.recordings.filters import STATES
from dashboard.recordings.models import Recording
from dashboard.tenancy.scoping import tenant_scope, visible_tenants

from . import figures
from .search import MIN_PART, audit_readable, find

LATEST_ACTIONS = 10
LISTED = 10


def _refresh(request: ConsoleRequest) -> dict[str, object]:
    return {"refresh_seconds": settings.HOME_REFRESH_SECONDS, "refresh_url": request.get_full_path()}


@require_safe
def home(request: ConsoleRequest) -> HttpResponse:
    """Where a signed-in person lands: every tenant they may see, the one in most trouble first.
    Someone with a single tenant (and no staff role) lands on that tenant's home."""
    tenants = list(visible_tenants(request.user).only("name", "slug"))
    if not request.user.is_staff and len(tenants) == 1:
        return redirect("home:tenant_home", tenant_slug=tenants[0].slug)
    now = timezone.now()
    ranked = figures.for_tenants(tenants, now)
    page = Paginator(ranked, settings.PAGE_SIZE).get_page(int_param(request.GET, "page", 1))
    figures.with_minutes(list(page.object_list))
    readable = audit_readable(request.user)
    context = {
        "page": page,
        "now": now,
        "today": ranked[0].minutes if ranked else figures.Minutes(now.date()),
        "alerts": sorted((alert for f in ranked for alert in f.alerts), key=lambda a: a.opened_at, reverse=True),
        "reads_audit": request.user.is_staff or readable.exists(),
        "actions": head(readable.select_related("tenant"), LATEST_ACTIONS),
        **_refresh(request),
    }
    template = "home/home.html#home" if request.htmx else "home/home.html"
    return render(request, template, context)


@require_safe
def tenant_home(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    now = timezone.now()
    found = figures.for_tenants([scope.tenant], now)[0]
    figures.with_minutes([found])
    recordings = Recording.objects.filter(tenant=scope.tenant).select_related("channel__app__vendor_account")
    attention = head(recordings.filter(watchdog.needs_attention(now)), LISTED)
    watchdog.flag(attention.items, now)
    context = {
        "scope": scope,
        "figures": found,
        "now": now,
        "attention": attention,
        "running_recordings": head(recordings.filter(STATES["active"]), LISTED),
        "running_pushes": head(
            MixingTask.objects.filter(RUNNING_TASKS, channel__app__vendor_account__tenant=scope.tenant).select_related(
                "channel__app__vendor_account"
            ),
            LISTED,
        ),
        "alerts": found.alerts,
        "reads_audit": scope.can_manage,
        "actions": head(AuditEntry.objects.filter(tenant=scope.tenant), LATEST_ACTIONS) if scope.can_manage else None,
        **_refresh(request),
    }
    template = "home/tenant_home.html#home" if request.htmx else "home/tenant_home.html"
    return render(request, template, context)


@require_safe
def search(request: ConsoleRequest) -> HttpResponse:
    """Any id, in every tenant the reader may see; an id that names exactly one thing opens it."""
    text = text_param(request.GET, "q", max_length=128)
    results = find(request.user, text, timezone.now())
    target = results.only_exact()
    if target:
        return redirect(target)
    context = {"results": results, "query": text, "short": 0 < len(text) < MIN_PART, "min_part": MIN_PART}
    return render(request, "home/search.html", context)
