"""Plotly figures for a usage report, built in Python and drawn by plotly.js in the page.

Figures are plain figure dictionaries serialised by dashboard.core.figures (no validation
pass: the shapes are fixed here, and reports must stay fast), which makes vendor text inert.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.numbers import get_currency_precision
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dashboard.core.figures import chart_json
from dashboard.core.tiers import TIER_LABELS

from .models import Metric
from .reports import Bucket, Report, bucket_label

TIER_COLOURS = {"audio": "#6c757d", "v360": "#0dcaf0", "v720": "#0d6efd", "v1080": "#6610f2", "content": "#fd7e14"}


def plotly_locale() -> str:
    """The plotly.js locale of the reader's language (static/vendor/plotly.js-4.1.1)."""
    return "zh-CN" if get_language().startswith("zh") else "en"


def _x(report: Report, buckets: list[Bucket]) -> list[str]:
    zone = report.filters.zone
    if report.filters.resolved == "hour":
        return [bucket_label(b.start, "hour", zone) for b in buckets]
    return [b.start.strftime("%Y-%m-%d") for b in buckets]


def _x_axis(x: list[str]) -> dict[str, Any]:
    """An hour that comes twice (the clock falling back) is labelled "01:00 PDT", which
    plotly.js does not read as a date: the axis is then categories, so no hour is dropped."""
    return {"xaxis": {"type": "category"}} if any(len(label) > len("2026-01-01 00:00") for label in x) else {}


def previous_period(report: Report, x: list[str], value: Callable[[Bucket], int], unit: str = "") -> dict[str, Any]:
    """The previous period drawn over this one, bucket by bucket; its own dates in the hover."""
    previous = (report.previous or [])[: len(x)]
    return {
        "type": "scatter",
        "mode": "lines",
        "name": _("Previous period"),
        "x": x[: len(previous)],
        "y": [value(b) for b in previous],
        "customdata": _x(report, previous),
        "line": {"dash": "dash", "color": "#6c757d"},
        "hovertemplate": "%{y:,}" + unit + " (%{customdata})<extra>" + _("Previous period") + "</extra>",
    }


def duration(report: Report) -> str:
    x = _x(report, report.buckets)
    data = [
        {
            "type": "bar",
            "name": str(TIER_LABELS[tier]),
            "x": x,
            "y": [b.tiers.get(tier, 0) for b in report.buckets],
            "marker": {"color": TIER_COLOURS[tier]},
            "hovertemplate": "%{y:,} " + _("min") + "<extra>" + str(TIER_LABELS[tier]) + "</extra>",
        }
        for tier in report.filters.tiers
    ]
    if report.previous is not None:
        data.append(previous_period(report, x, lambda b: b.duration(report.filters.tiers), " " + _("min")))
    return chart_json(_("Call duration by resolution"), data, _("minutes"), barmode="stack", **_x_axis(x))


def counts(report: Report, metric: str) -> str:
    x = _x(report, report.buckets)
    peak = metric in (Metric.PEAK_USERS, Metric.PEAK_CHANNELS)
    trace: dict[str, Any] = {
        "type": "scatter",
        "mode": "lines+markers" if len(x) <= 60 else "lines",
        "name": str(Metric(metric).label),
        "x": x,
        "y": [b.values.get(metric, 0) for b in report.buckets],
        "line": {"color": "#0d6efd"},
    }
    if peak and report.single_app:
        zone = report.filters.zone
        trace["customdata"] = [
            at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if (at := b.peak_times.get(metric)) else ""
            for b in report.buckets
        ]
        trace["hovertemplate"] = "%{y:,} " + _("at") + " %{customdata}<extra></extra>"
    else:
        trace["hovertemplate"] = "%{y:,}<extra></extra>"
    data = [trace]
    if report.previous is not None:
        data.append(previous_period(report, x, lambda b: b.values.get(metric, 0)))
    unit = _("users") if metric in (Metric.ACTIVE_USERS, Metric.PEAK_USERS) else _("channels")
    return chart_json(str(Metric(metric).label), data, unit, **_x_axis(x))


def cost(report: Report) -> str | None:
    """Cost per period in the report's one currency (none without price books or across several)."""
    currency = report.pricing.currency if report.pricing else None
    if report.pricing is None or currency is None:
        return None
    by_period = report.pricing.by_key()
    x = _x(report, report.buckets)
    digits = get_currency_precision(currency)
    trace = {
        "type": "bar",
        "name": _("Cost"),
        "x": x,
        # Decimal as text: plotly.js reads it as a number, and the amount stays exact on the way.
        "y": [str(by_period.get(b.start, 0)) for b in report.buckets],
        "marker": {"color": "#198754"},
        "hovertemplate": "%{y:,." + str(digits) + "f} " + currency + "<extra></extra>",
    }
    return chart_json(_("Cost"), [trace], currency, **_x_axis(x))


def all_figures(report: Report) -> dict[str, str]:
    figures = {"duration": duration(report)}
    if money := cost(report):
        figures["cost"] = money
    for metric in (Metric.ACTIVE_USERS, Metric.ACTIVE_CHANNELS, Metric.PEAK_USERS, Metric.PEAK_CHANNELS):
        figures[metric.value] = counts(report, metric.value)
    return figures
