from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dashboard.core.page_cache import cached_page
from dashboard.core.params import clean_text, int_param
from dashboard.core.requests import ConsoleRequest
from dashboard.core.tiers import TIER_LABELS
from dashboard.credentials.blocking import unblock
from dashboard.credentials.jobs import start_sync
from dashboard.credentials.models import VendorAccount
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.models import Role, Tenant
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors import registry
from vendors.base.provider import Capability

from . import charts, costs, coverage, export, observed_report, ranking, reports
from . import statement as statements
from .complete import complete_report
from .models import PEAK_METRICS, Metric, UsageSample
from .page_version import report_version

TABLE_ROWS = 400
APPS_IN_FILTER = 200
TOP_APPS = 20
# A stored report is redrawn when its data changes, and at least this often for what follows
# the clock (the sync lag, the period still running).
REPORT_CACHE_SECONDS = 60


def _report(
    request: ConsoleRequest, scope: TenantScope, apps: QuerySet[RtcApp], *, title: str, level: str, **context: object
) -> HttpResponse:
    filters = reports.parse(request.GET)
    report, covered = complete_report(filters, apps)
    export_kind = request.GET.get("export")
    if export_kind == "csv":
        return export.as_csv(report, title)
    if export_kind == "xlsx":
        return export.as_xlsx(report, title)
    for problem in filters.problems:
        messages.warning(request, problem)
    choosable = list(
        apps.select_related("vendor_account").annotate(stored=Exists(UsageSample.objects.filter(app=OuterRef("pk"))))[
            : APPS_IN_FILTER + 1
        ]
    )
    usage_vendors = registry.with_capability(Capability.USAGE_STATS)
    # The table pages through the whole range; the downloads hold every row at once.
    rows = Paginator(report.table_rows, TABLE_ROWS).get_page(int_param(request.GET, "page", 1))
    columns = export.columns(report)
    totals = report.totals()
    context |= {
        "scope": scope,
        "title": title,
        "level": level,
        "filters": filters,
        "report": report,
        "totals": totals,
        "change": report.change,
        "compared": report.compared,
        "figures": charts.all_figures(report) if report.buckets else {},
        "plotly_locale": charts.plotly_locale(),
        "data_from": coverage.first_label(covered, filters),
        "sync_problems": covered.problems,
        "no_data_rows": sum(1 for bucket in report.table_rows if bucket.no_data),
        "rows": rows,
        "columns": columns,
        "rows_html": export.rows_html(
            list(export.body(report, rows)), [c.numeric for c in columns], export.cost_currency(report)
        ),
        "cost": costs.summary(report),
        "presets": reports.PRESETS,
        "preset_groups": reports.PRESET_GROUPS,
        "granularities": reports.GRANULARITIES,
        "tier_labels": TIER_LABELS,
        "all_apps": [(app, observed_report.source_note(app, app.stored)) for app in choosable[:APPS_IN_FILTER]],
        "apps_cut": len(choosable) > APPS_IN_FILTER,
        "apps_in_filter": APPS_IN_FILTER,
        "accounts": VendorAccount.objects.filter(apps__in=apps).distinct() if level == "tenant" else [],
        "usage_vendors": [info.label for info in usage_vendors],
        "has_usage_accounts": apps.filter(vendor_account__vendor__in=[info.name for info in usage_vendors]).exists(),
    }
    context |= observed_report.section(filters, report.apps, apps.filter(pk__in=[app.pk for app in report.apps]))
    template = "usage/report.html#report" if request.htmx else "usage/report.html"
    return render(request, template, context)


@require_safe
@cached_page(report_version, seconds=REPORT_CACHE_SECONDS)
def tenant_usage(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    apps = RtcApp.objects.filter(vendor_account__tenant=scope.tenant)
    return _report(request, scope, apps, title=scope.tenant.name, level="tenant")


@require_safe
@cached_page(report_version, seconds=REPORT_CACHE_SECONDS)
def account_usage(request: ConsoleRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    account = scope.get(VendorAccount, pk=account_id)
    return _report(request, scope, account.apps.all(), title=account.label, level="account", account=account)


@require_safe
@cached_page(report_version, seconds=REPORT_CACHE_SECONDS)
def app_usage(request: ConsoleRequest, tenant_slug: str, account_id: int, app_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    app = scope.get(
        RtcApp.objects.select_related("vendor_account"),
        "vendor_account__tenant",
        pk=app_pk,
        vendor_account_id=account_id,
    )
    return _report(
        request,
        scope,
        RtcApp.objects.filter(pk=app.pk),
        title=str(app),
        level="app",
        app=app,
        account=app.vendor_account,
    )


@require_safe
def overview(request: ConsoleRequest) -> HttpResponse:
    """Support staff: tenants and apps ranked by minutes and peaks over the range, with the trend."""
    if not request.user.is_staff:
        raise PermissionDenied
    filters = reports.parse(request.GET)
    for problem in filters.problems:  # shown as the tenants' reports show them
        messages.warning(request, problem)
    compared = filters.compared()

    def ranked(figures_of: Callable[..., dict[int, dict[str, int]]], **only: Any) -> tuple[dict, dict, dict]:
        # The same buckets (hours, or the days weeks and months are made of) and the same
        # figures as the tenant's and the app's own report of the range, summed by the database:
        # those the rows show (minutes and peaks), and the minutes the trend compares
        # (Filters.compared: while the range runs, its complete part and as much before).
        now = figures_of(filters, counted=PEAK_METRICS, **only)
        if compared is None:
            return now, {}, {}
        trend_now = now if not compared.running else figures_of(compared.now, counted=(), **only)
        before = figures_of(compared.before, counted=(), **only)
        return now, minutes_of(trend_now), minutes_of(before)

    def row(now: dict[str, Any], trend_now: int, before: int) -> dict[str, Any]:
        return {
            "minutes": now.get("duration") or 0,
            "trend": reports.trend(trend_now, before),
            "peak_users": now.get(Metric.PEAK_USERS) or 0,
            "peak_channels": now.get(Metric.PEAK_CHANNELS) or 0,
        }

    order = request.GET.get("order", "minutes")
    key = order if order in ("minutes", "peak_users", "peak_channels") else "minutes"
    by = "duration" if key == "minutes" else key
    tenants_now, tenants_trend_now, tenants_before = ranked(ranking.by_tenant)
    # Ranked by minutes: over hours, the money's read brings every app's (ranking.top_apps).
    money = costs.range_money(filters, minutes_by_app=by == "duration")
    tenant_rows: list[dict[str, Any]] = [
        {
            "tenant": tenant,
            **row(
                tenants_now.get(tenant.pk, {}), tenants_trend_now.get(tenant.pk, 0), tenants_before.get(tenant.pk, 0)
            ),
            "cost": [costs.money(amount, currency) for currency, amount in money.by_tenant.get(tenant.pk, {}).items()],
        }
        for tenant in Tenant.objects.annotate(app_count=Count("vendor_accounts__apps", distinct=True))
    ]
    tenant_rows.sort(key=lambda row: (-row[key], row["tenant"].name))
    # Every app is ranked by its `key` figure alone; the rows' other figures only for the apps shown.
    shown, app_total = ranking.top_apps(filters, by, TOP_APPS, money.minutes_by_app)
    apps_now, apps_trend_now, apps_before = ranked(ranking.by_app, apps=shown)
    app_rows = [
        row(apps_now.get(pk, {}), apps_trend_now.get(pk, 0), apps_before.get(pk, 0)) | {"pk": pk} for pk in shown
    ]
    app_objects = RtcApp.objects.select_related("vendor_account__tenant").in_bulk([r["pk"] for r in app_rows])
    for app_row in app_rows:
        app_row["app"] = app_objects[app_row["pk"]]
    context = {
        "filters": filters,
        "presets": reports.PRESETS,
        "granularities": reports.GRANULARITIES,
        "tenant_rows": tenant_rows,
        "app_rows": app_rows,
        "order": key,
        "app_total": app_total,
        "compared": compared,
        # Each tenant's link to its own report of the same range (built once, not per row), its
        # comparison on: the report's card shows the row's trend.
        "report_query": urlencode(
            {
                "range": filters.preset,
                "from": f"{filters.start:%Y-%m-%d}",
                "to": f"{filters.end:%Y-%m-%d}",
                "granularity": filters.resolved,
                "compare": "1",
            }
        ),
    }
    template = "usage/overview.html#ranking" if request.htmx else "usage/overview.html"
    return render(request, template, context)


def minutes_of(figures: dict[int, dict[str, int]]) -> dict[int, int]:
    return {key: found.get("duration") or 0 for key, found in figures.items()}


@require_POST
def recheck(request: HttpRequest, tenant_slug: str, account_id: int) -> HttpResponse:
    """Lift a block set by a permanent vendor error and sync again."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    account = scope.get(VendorAccount, pk=account_id)
    unblock(account=account)
    start_sync(account)
    messages.success(request, _("The sync of “%(label)s” will be tried again.") % {"label": account.label})
    return redirect("rtc:account_detail", tenant_slug=scope.tenant.slug, account_id=account.pk)


@require_safe
def statement(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    """A tenant's monthly statement (admins and viewers): ?month=YYYY-MM, last complete month by default."""
    scope = tenant_scope(request, tenant_slug)
    text = request.GET.get("month")
    month = statements.parse_month(text)
    if month is None:
        month = statements.last_complete_month()
        if text is not None:
            messages.warning(
                request,
                _("“%(month)s” is not a month (YYYY-MM): showing %(shown)s.")
                % {"month": clean_text(text, max_length=20), "shown": f"{month:%Y-%m}"},
            )
    found = statements.of(scope.tenant, month)
    if request.GET.get("export") == "xlsx":
        return statements.as_xlsx(found)
    lines = [
        {
            "item": item,
            "tier": TIER_LABELS[item.line.tier],
            "price": item.line.book.price(item.line.tier),
            "cost": costs.money(item.line.cost, item.line.currency),
        }
        for item in found.lines
    ]
    context = {
        "scope": scope,
        "statement": found,
        "lines": lines,
        "totals": [costs.money(amount, currency) for currency, amount in found.totals().items()],
        "previous": f"{statements.last_complete_month(found.month):%Y-%m}",
        "next": f"{statements.next_month(found.month):%Y-%m}",
    }
    return render(request, "usage/statement.html", context)
