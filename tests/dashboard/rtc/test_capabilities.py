"""`account|can:"kick"`: templates ask the vendor's declared capabilities by their values."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template

from vendors import registry


def _account(vendor: str) -> SimpleNamespace:
    known = vendor in registry
    return SimpleNamespace(vendor_known=known, info=registry.get(vendor) if known else None)


def _render(source: str, **context: object) -> str:
    return Template("{% load capabilities %}" + source).render(Context(context))


def test_an_account_an_app_and_a_vendor_info_answer_from_the_vendors_declaration() -> None:
    aliyun = _account("aliyun")
    page = '{% if a|can:"kick" %}kick{% endif %}{% if a|can:"recording" %} record{% endif %}'
    assert _render(page, a=aliyun) == "kick"
    assert _render(page, a=SimpleNamespace(vendor_account=aliyun)) == "kick"  # an app
    assert _render(page, a=registry.get("anyrtc")) == " record"


def test_a_list_of_values_asks_for_any_of_them() -> None:
    page = '{% if a|can:"live_membership,recording" %}channels{% endif %}'
    assert _render(page, a=_account("anyrtc")) == "channels"
    assert _render(page, a=SimpleNamespace(vendor_account=_account("anyrtc"))) == "channels"
    assert _render('{% if a|can:"mixing,kick" %}x{% endif %}', a=_account("anyrtc")) == ""


def test_an_account_of_a_vendor_this_deployment_does_not_know_can_nothing() -> None:
    assert _render('{% if a|can:"kick" %}kick{% else %}no{% endif %}', a=_account("gone")) == "no"


def test_a_value_that_is_no_capability_fails_loudly() -> None:
    with pytest.raises(ValueError, match="kik"):
        _render('{% if a|can:"kik" %}kick{% endif %}', a=_account("aliyun"))
