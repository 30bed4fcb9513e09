"""Usage over a range: the report pages' figures (dashboard.usage.complete), their range
parsing, filters, granularities and time zones, as JSON or as the page's own CSV download."""

import zoneinfo
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse, QueryDict
from ninja import Field, Query, Router, Schema
from pydantic import JsonValue, field_validator

from dashboard.core.params import MAX_ID
from dashboard.rtc.models import RtcApp
from dashboard.tenancy.scoping import TenantScope
from dashboard.usage import coverage, export, reports
from dashboard.usage.complete import complete_report
from dashboard.usage.models import Metric
from dashboard.usage.reports import Bucket, Report

from .access import api_scope
from .errors import READ_ERRORS, ApiError, Refused
from .read import TENANT
from .schemas import UsageOut

router = Router(tags=["usage"])

Range = Literal["24h", "7d", "30d", "90d", "12m", "today", "this_month", "last_month", "this_year", "custom"]
Granularity = Literal["auto", "hour", "day", "week", "month"]
# The pages' own choices (reports.PRESETS, reports.GRANULARITIES, TIER_FIELDS); a test keeps them equal.
Tier = Literal["audio", "v360", "v720", "v1080", "content"]
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ZONES = sorted(zoneinfo.available_timezones())
ZONE_CHOICES: list[JsonValue] = [*ZONES]


class UsageQuery(Schema):
    range: Range = Field("30d", description="A rolling or calendar range, or `custom` with `from` and `to`.")
    from_: str | None = Field(None, alias="from", pattern=DAY, description="First day of a custom range.")
    to: str | None = Field(None, pattern=DAY, description="Last day (inclusive) of a custom range.")
    granularity: Granularity = "auto"
    app: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field([], description="App ids (this API's); none: all.")
    account: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field([], description="Vendor account ids; none: all.")
    tier: list[Tier] = Field([], description="Resolution tiers counted in `minutes`; none: every tier.")
    tz: str = Field(
        "UTC",
        max_length=64,
        description="IANA time zone of the hours and of custom days.",
        json_schema_extra={"enum": ZONE_CHOICES},
    )

    @field_validator("tz")
    @classmethod
    def known_zone(cls, value: str) -> str:
        if value not in ZONES:
            raise ValueError("an IANA time zone name, e.g. Europe/Berlin")
        return value


def _filters(asked: UsageQuery) -> reports.Filters:
    data = QueryDict(mutable=True)
    data.update({"range": asked.range, "granularity": asked.granularity})
    if asked.from_ is not None:
        data["from"] = asked.from_
    if asked.to is not None:
        data["to"] = asked.to
    data.setlist("app", [str(pk) for pk in asked.app])
    data.setlist("account", [str(pk) for pk in asked.account])
    data.setlist("tier", list(asked.tier))
    filters = reports.parse(data, zone=ZoneInfo(asked.tz))
    if filters.problems:  # the page shows these above a fallback; an API refuses instead of guessing
        details = [{"loc": ["query"], "msg": problem, "type": "range"} for problem in filters.problems]
        raise Refused(422, "invalid_request", " ".join(filters.problems), details)
    return filters


def _report(scope: TenantScope, asked: UsageQuery) -> tuple[Report, coverage.Coverage]:
    filters = _filters(asked)
    return complete_report(filters, RtcApp.objects.filter(vendor_account__tenant=scope.tenant))


def _figures(values: dict[str, Any], tiers: dict[str, int], times: dict[str, Any], single_app: bool) -> dict[str, Any]:
    return {
        "tier_minutes": tiers,
        "active_users": values.get(Metric.ACTIVE_USERS, 0),
        "active_channels": values.get(Metric.ACTIVE_CHANNELS, 0),
        "peak_users": values.get(Metric.PEAK_USERS, 0),
        "peak_users_at": times.get(Metric.PEAK_USERS) if single_app else None,
        "peak_channels": values.get(Metric.PEAK_CHANNELS, 0),
        "peak_channels_at": times.get(Metric.PEAK_CHANNELS) if single_app else None,
    }


def _row(report: Report, bucket: Bucket, costs: dict[object, Any]) -> dict[str, Any]:
    filters = report.filters
    figures = None
    if not bucket.no_data:
        figures = {
            "minutes": bucket.duration(filters.tiers),
            **_figures(
                bucket.values,
                {tier: bucket.tiers.get(tier, 0) for tier in filters.tiers},
                bucket.peak_times,
                report.single_app,
            ),
        }
    cost = costs.get(bucket.start)
    return {
        "start": bucket.start,
        "label": reports.bucket_label(bucket.start, filters.resolved, filters.zone),
        "partial": report.partial(bucket),
        "no_data": bucket.no_data,
        "figures": figures,
        "cost": None if bucket.no_data or cost is None else str(cost),
    }


def _problem_text(problem: coverage.SyncProblem) -> str:
    where = problem.account.label + (f" / {problem.app}" if problem.app else "")
    if problem.blocked:
        return f"{where}: usage sync stopped: {problem.error}"
    hours = int(problem.lag.total_seconds() // 3600) if problem.lag else 0
    return f"{where}: usage sync {hours} hours behind"


@router.get("/tenants/{tenant}/usage", response={200: UsageOut, READ_ERRORS: ApiError}, url_name="usage")
def usage(request: HttpRequest, asked: Query[UsageQuery], tenant: str = TENANT) -> dict[str, Any]:
    """The usage report of the tenant (or of `account`s, or `app`s): the page's totals and
    table rows, "no data" periods included, and the cost where price books cover it."""
    scope = api_scope(request, tenant)
    report, covered = _report(scope, asked)
    filters = report.filters
    totals = report.totals()
    pricing = report.pricing
    currency = export.cost_currency(report)
    costs = pricing.by_key() if pricing and currency else {}
    return {
        "tenant": scope.tenant.slug,
        "range": filters.preset,
        "start": filters.start,
        "end": filters.end,
        "start_utc": filters.start_utc,
        "end_utc": filters.end_utc,
        "time_zone": filters.zone.key,
        "granularity": filters.granularity,
        "resolved_granularity": filters.resolved,
        "tiers": filters.tiers,
        "apps": [app.pk for app in report.apps],
        "data_from": covered.first,
        "totals": {
            "minutes": totals["duration"],
            **_figures(
                totals,
                {tier: totals["tiers"][tier] for tier in filters.tiers},
                {metric: totals[f"{metric}_at"] for metric in reports.METRICS[1:]},
                report.single_app,
            ),
        },
        "peak_basis": report.peak_basis,
        "cost_currency": currency,
        "cost_total": str(pricing.totals()[currency]) if pricing and currency else None,
        "sync_problems": [_problem_text(problem) for problem in covered.problems],
        "rows": [_row(report, bucket, costs) for bucket in report.table_rows],
    }


@router.get(
    "/tenants/{tenant}/usage.csv",
    response={200: str, READ_ERRORS: ApiError},
    url_name="usage_csv",
    openapi_extra={  # a CSV body, not JSON: said here so the schema names its media type
        "responses": {
            200: {"description": "The page's CSV download.", "content": {"text/csv": {"schema": {"type": "string"}}}}
        }
    },
)
def usage_csv(request: HttpRequest, asked: Query[UsageQuery], tenant: str = TENANT) -> HttpResponse:
    """The same report as the page's CSV download, byte for byte."""
    scope = api_scope(request, tenant)
    report, _covered = _report(scope, asked)
    return export.as_csv(report, scope.tenant.name)
