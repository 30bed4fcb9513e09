"""Figures and sparklines for channel pages: built in Python, drawn in the browser."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


# The timeline stays compact: rows shrink as users are added, and the chart stops growing.
TIMELINE_ROW_PX, TIMELINE_MIN_ROW_PX, TIMELINE_MAX_PX = 22, 6, 640
TIMELINE_LABELLED_ROWS = 40  # beyond this many users the names go to the hover text only


def timeline_height(users: int) -> int:
    rows = max(users, 1) * max(TIMELINE_MIN_ROW_PX, min(TIMELINE_ROW_PX, (TIMELINE_MAX_PX - 90) // max(users, 1)))
    return max(200, min(TIMELINE_MAX_PX, rows + 90))


def user_timeline_figure(
    records: Sequence[ChannelUserRecord],
    zone: tzinfo,
    until: datetime,
    running: Callable[[datetime | None], bool] = lambda end: end is None,
) -> str:
    """One row per user, a bar per stay, on a shared time axis (DescribeRtcChannelUserList).
    A stay the vendor reports with its end at "now" is drawn to `until` and said to be running."""
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
        still_in = running(record.end)
        end = until if still_in or record.end is None else record.end
        start_local, end_local = record.start.astimezone(zone), end.astimezone(zone)
        bars["y"].append(record.user_id)
        bars["base"].append(start_local.strftime("%Y-%m-%d %H:%M:%S"))
        bars["x"].append(max(0.0, (end - record.start).total_seconds() * 1000))
        minutes = round((end - record.start).total_seconds() / 60)
        if still_in:
            text = _("since %(start)s, running (%(minutes)d min so far)") % {
                "start": f"{start_local:%H:%M}",
                "minutes": minutes,
            }
        else:
            text = _("%(start)s to %(end)s (%(minutes)d min)") % {
                "start": f"{start_local:%H:%M}",
                "end": f"{end_local:%H:%M}",
                "minutes": minutes,
            }
        bars["customdata"].append(text)
    labelled = len(users) <= TIMELINE_LABELLED_ROWS
    return chart_json(
        _("Who was in the channel"),
        [bars | {"marker": {"color": "#0d6efd"}, "hovertemplate": "%{y}: %{customdata}<extra></extra>"}],
        "",
        height=timeline_height(len(users)),
        hovermode="closest",
        bargap=0.15,
        xaxis={"type": "date", "title": {"text": time_axis(zone)}},
        yaxis={"autorange": "reversed", "type": "category", "automargin": True, "showticklabels": labelled},
        margin={"l": 120 if labelled else 16, "r": 16, "t": 36, "b": 40},
        showlegend=False,
    )
