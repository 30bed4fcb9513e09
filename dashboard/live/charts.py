"""Figures and sparklines for channel pages: built in Python, drawn in the browser."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from django.utils.translation import gettext as _

from dashboard.core.figures import chart_json
from vendors.base.types import ChannelUserRecord

SPARK_WIDTH, SPARK_HEIGHT = 120, 24


def sparkline_points(values: Sequence[int], width: int = SPARK_WIDTH, height: int = SPARK_HEIGHT) -> str:
    """SVG polyline points for a concurrency sparkline (inline SVG needs no script or style)."""
    if not values:
        return ""
    top = max(max(values), 1)
    step = width / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - 1 - (value / top) * (height - 2):.1f}" for i, value in enumerate(values))


def concurrency_figure(snapshots: Sequence[tuple[datetime, int, int, int]], zone: tzinfo) -> str:
    """The last hour: members at each poll, with joins and leaves between polls."""
    x = [observed.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") for observed, *_ in snapshots]
    return chart_json(
        _("Members, last hour"),
        [
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Members"),
                "x": x,
                "y": [total for _, total, _, _ in snapshots],
                "line": {"shape": "hv", "color": "#0d6efd"},
            },
            {
                "type": "bar",
                "name": _("Joined"),
                "x": x,
                "y": [j for *_, j, _ in snapshots],
                "marker": {"color": "#198754"},
            },
            {
                "type": "bar",
                "name": _("Left"),
                "x": x,
                "y": [-left for *_, left in snapshots],
                "marker": {"color": "#dc3545"},
            },
        ],
        _("Members"),
        height=260,
        barmode="relative",
        xaxis={"title": {"text": time_axis(zone)}},
    )


def time_axis(zone: tzinfo) -> str:
    """The time axis names its zone, as every time on a page does."""
    return _("Time (%(zone)s)") % {"zone": getattr(zone, "key", None) or str(zone)}


def user_timeline_figure(records: Sequence[ChannelUserRecord], zone: tzinfo, until: datetime) -> str:
    """One bar per stay of a user in the channel, on a shared time axis (DescribeRtcChannelUserList)."""
    users = list(dict.fromkeys(record.user_id for record in records))
    bars: dict[str, Any] = {
        "type": "bar",
        "orientation": "h",
        "name": _("In the channel"),
        "y": [],
        "x": [],
        "base": [],
        "customdata": [],
    }
    for record in records:
        end = record.end or until
        start_local, end_local = record.start.astimezone(zone), end.astimezone(zone)
        bars["y"].append(record.user_id)
        bars["base"].append(start_local.strftime("%Y-%m-%d %H:%M:%S"))
        bars["x"].append(max(0.0, (end - record.start).total_seconds() * 1000))
        minutes = round((end - record.start).total_seconds() / 60)
        bars["customdata"].append(
            _("%(start)s to %(end)s (%(minutes)d min)")
            % {"start": f"{start_local:%H:%M}", "end": f"{end_local:%H:%M}", "minutes": minutes}
        )
    return chart_json(
        _("Who was in the channel"),
        [bars | {"marker": {"color": "#0d6efd"}, "hovertemplate": "%{y}: %{customdata}<extra></extra>"}],
        "",
        height=max(240, 28 * len(users) + 90),
        hovermode="closest",
        xaxis={"type": "date", "title": {"text": time_axis(zone)}},
        yaxis={"autorange": "reversed", "type": "category", "automargin": True},
        margin={"l": 120, "r": 16, "t": 36, "b": 40},
        showlegend=False,
    )
