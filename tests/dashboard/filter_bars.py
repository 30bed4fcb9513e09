"""Reading a page's filter bar: the form, its query keys, its options, and how it updates the address."""

from __future__ import annotations

import re

import pytest

FILTER_BAR = re.compile(r'<form method="get" role="search"[^>]*>.*?</form>', re.S)


def filter_bar(html: str, form_id: str = "filters") -> str:
    for form in FILTER_BAR.findall(html):
        if f'id="{form_id}"' in form:
            return form
    pytest.fail(f"no filter bar #{form_id}")


def names(form: str) -> set[str]:
    return set(re.findall(r'<(?:input|select)[^>]* name="([^"]+)"', form))


def option_values(form: str, name: str) -> set[str]:
    select = re.search(rf'<select name="{name}".*?</select>', form, re.S)
    assert select, name
    return set(re.findall(r'<option value="([^"]*)"', select.group(0))) - {""}


def pushes_the_address(form: str, target: str) -> None:
    assert 'hx-push-url="true"' in form and f'hx-target="{target}"' in form
    # Typing in any input reloads (not only in the first one, as the channel list's bar did).
    assert 'hx-trigger="input changed delay:300ms, submit"' in form
