"""Reading the home page's figures and the figure each one's link shows (view and browser tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass
class Figure:
    name: str
    text: str
    href: str | None
    account: str | None


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[Figure] = []
        self.open: list[tuple[Figure, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "data-figure" in values:
            figure = Figure(values["data-figure"] or "", "", values.get("href"), values.get("data-account"))
            self.found.append(figure)
            self.open.append((figure, tag))

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][1] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for figure, _tag in self.open:
            figure.text += data


def figures_in(html: str) -> list[Figure]:
    parser = _Figures()
    parser.feed(html)
    return parser.found


def number(text: str) -> int:
    match = re.search(r"\d[\d,]*", text)
    assert match, f"no number in {text!r}"
    return int(match.group().replace(",", ""))


def on_page(figure: Figure, html: str) -> int:
    """The figure the linked page shows for `figure`."""
    same = [f for f in figures_in(html) if f.name == figure.name and f.account == figure.account]
    if same:
        return number(same[0].text)
    if figure.name.startswith("minutes-"):
        total = number(re.search(r'data-total="duration">([^<]*)<', html).group(1))
        return round(total / 7) if figure.name == "minutes-week-average" else total
    if figure.name == "account-live-channels":
        return int(re.search(r'data-live-channels="(\d+)"', html).group(1))
    if figure.name == "account-live-members":
        return int(re.search(r'data-live-members="(\d+)"', html).group(1))
    if figure.name == "recordings-attention":
        match = re.search(r"(\d+) recordings? needs? attention", html)
        return int(match.group(1)) if match else 0
    if figure.name == "running-recordings":
        return html.count("data-recording=")
    raise AssertionError(f"the page at {figure.href} has no figure for {figure.name}")
