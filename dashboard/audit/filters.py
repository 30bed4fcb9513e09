"""The audit log's filter bar: search, vendor request id, action, outcome and a range of days."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.core.filters import ChoiceFilter, DayFilter, ListFilterSet, SearchFilter, TextFilter

from .actions import ACTIONS
from .models import Outcome

SEARCH_FIELDS = ["actor_name", "target", "vendor_request_id", "vendor_account_label", "error_code", "message"]


def _actions() -> list[tuple[str, str]]:
    """Sorted by the words shown, in the reader's language."""
    return sorted(((key, str(label)) for key, label in ACTIONS.items()), key=lambda pair: pair[1])


class AuditFilter(ListFilterSet):
    q = SearchFilter(
        lookups=[f"{field}__icontains" for field in SEARCH_FIELDS],
        label=_("Search"),
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": _("Who, target, request id, error"), "autocomplete": "off"}),
    )
    request_id = TextFilter(
        field_name="vendor_request_id",
        lookup_expr="exact",
        label=_("Vendor request id"),
        help_text=_("Exactly as the vendor gave it."),
        max_length=120,
    )
    action = ChoiceFilter(choices=_actions, label=_("Action"))
    outcome = ChoiceFilter(choices=Outcome.choices, label=_("Outcome"))
    # Any real day: it is only compared, never added to, and a future one rightly finds nothing.
    since = DayFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From"), earliest=date.min, latest=date.max
    )
    until = DayFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To"), earliest=date.min, latest=date.max
    )
