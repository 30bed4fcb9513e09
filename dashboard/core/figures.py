"""The one way a Plotly figure leaves the server: every string in it made inert text.

plotly.js draws a subset of HTML (<a href>, <b>, <br>, <sup>...) found in trace names,
category values, tick labels, hover text, annotations and titles, so a vendor's user id or
channel id would otherwise become a live link in the console's page. It decodes &lt;, &gt;
and &amp; back to the characters, so escaping exactly those shows the text as the vendor
wrote it. Hover and text templates are the console's own markup (<extra>, %{...}): they are
kept, and must take vendor text only through %{customdata}/%{y}..., which are escaped here.
"""

from __future__ import annotations

from typing import Any

import plotly.io as pio

TEMPLATE_KEYS = frozenset({"hovertemplate", "texttemplate"})


def _text(value: str) -> str:
    # Not html.escape: plotly.js leaves &quot; and &#x27; undecoded, so quotes would show as entities.
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inert(value: Any, key: str = "") -> Any:
    if isinstance(value, str):
        return value if key in TEMPLATE_KEYS else _text(value)
    if isinstance(value, dict):
        return {k: inert(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert(item, key) for item in value]
    return value


def figure_json(figure: dict[str, Any]) -> str:
    """The figure as JSON for charts.js, with no string plotly.js would read as markup."""
    return pio.to_json(inert(figure), validate=False, pretty=False)


# The console's chart style: usage reports and channel pages alike.
BASE_LAYOUT = {
    "margin": {"l": 56, "r": 16, "t": 36, "b": 40},
    "height": 300,
    "hovermode": "x unified",
    "legend": {"orientation": "h", "y": -0.2},
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
}


def chart_json(title: str, data: list[dict[str, Any]], y_title: str, **layout: Any) -> str:
    """A titled chart in the console's style (BASE_LAYOUT, y from zero), as figure_json sends it."""
    figure = {
        "data": data,
        "layout": {
            **BASE_LAYOUT,
            "title": {"text": title, "x": 0},
            "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
            **layout,
        },
    }
    return figure_json(figure)
