"""Charts in the reader's language: plotly.js's own locale, vendored, named on each chart."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from dashboard.people.models import Preferences
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.usage.conftest import END, custom

LOCALE_SCRIPT = "vendor/plotly.js-4.1.1/plotly-locale-zh-cn.js"


def _page(w: World2, language: str) -> str:
    Preferences.objects.create(user=w.acme_viewer, language=language)
    url = reverse("usage:app_usage", args=["acme", w.acme_account.pk, w.app_a.pk])
    query = custom(END - timedelta(days=3), END - timedelta(days=1), granularity="day")
    return logged_in(w.acme_viewer).get(url, query).content.decode()


def test_chinese_charts_load_and_name_the_zh_cn_locale(usage: World2) -> None:
    page = _page(usage, "zh-hans")
    assert LOCALE_SCRIPT in page
    assert page.count('data-locale="zh-CN"') == 5
    figure = re.search(r'data-chart="chart-duration" data-figure="([^"]*)" data-locale="zh-CN"', page)
    assert figure is not None
    hover = json.loads(html.unescape(figure.group(1)))["data"][0]["hovertemplate"]
    assert hover.startswith("%{y:,} 分钟<extra>")  # the unit in the reader's language too


def test_english_charts_load_no_locale(usage: World2) -> None:
    page = _page(usage, "en")
    assert LOCALE_SCRIPT not in page and page.count('data-locale="en"') == 5


def test_the_locale_is_vendored_beside_its_licence() -> None:
    folder = settings.BASE_DIR / "static/vendor/plotly.js-4.1.1"
    text = (folder / "plotly-locale-zh-cn.js").read_text(encoding="utf-8")
    assert 'name:"zh-CN"' in text and "Plotly.register(locale)" in text
    assert (folder / "LICENSE").exists()
    assert "plotly.js-4.1.1/" in (settings.BASE_DIR / "static/vendor/README.md").read_text(encoding="utf-8")
