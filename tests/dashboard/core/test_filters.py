"""dashboard/core/filters.py: the filter fields every list uses (an id of the queryset, a day, a text)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from dashboard.core.filters import DayField, IdChoiceField, TextField
from dashboard.credentials.models import VendorAccount
from tests.dashboard.conftest import World2

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.django_db
def test_an_id_choice_takes_ascii_digits_of_its_queryset_only(two_tenants: World2) -> None:
    field = IdChoiceField(queryset=VendorAccount.objects.filter(tenant=two_tenants.acme), required=False)
    own = two_tenants.acme_account.pk
    assert field.clean(str(own)) == two_tenants.acme_account
    assert field.clean(f" {own} ") == two_tenants.acme_account
    assert field.clean("") is None
    # Python's int() reads Arabic-Indic and fullwidth digits; a bigint stops at 2**63 - 1.
    arabic = "".join(chr(0x0660 + int(d)) for d in str(own))
    for text in (str(two_tenants.harbor_account.pk), arabic, "²", str(2**63), "9" * 5000, "-1", "1\x00"):
        with pytest.raises(Exception, match="valid choice"):
            field.clean(text)


def test_a_day_is_yyyy_mm_dd_within_its_bounds() -> None:
    field = DayField(earliest=date(2000, 1, 1), latest=date(2024, 6, 1), required=False)
    assert field.clean("2024-02-29") == date(2024, 2, 29)
    assert field.clean(" ") is None
    for text, said in (
        ("2024-02-30", "Enter a date as YYYY-MM-DD."),
        ("06/01/2024", "Enter a date as YYYY-MM-DD."),
        ("99999-01-01", "Enter a date as YYYY-MM-DD."),
        ("1999-12-31", "Enter a day from 2000-01-01 on."),
        ("2024-06-02", "Enter a day up to 2024-06-01."),
    ):
        with pytest.raises(Exception, match=re.escape(said)):
            field.clean(text)


def test_a_text_loses_control_characters_and_is_cut_never_refused() -> None:
    field = TextField(max_length=5, required=False)
    assert field.clean(" a\x00b\x1fc ") == "abc"
    assert field.clean("abcdefgh") == "abcde"
    assert 'maxlength="5"' in str(field.widget.render("q", "", field.widget_attrs(field.widget)))
