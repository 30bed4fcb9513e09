"""The recordings list's filter bar: what to show, which vendor account, a channel or recording id."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from dashboard.core.filters import ChoiceFilter, IdChoiceFilter, ListFilterSet, SearchFilter
from dashboard.credentials.models import VendorAccount

from . import watchdog
from .models import ACTIVE_STATES, Recording, State

STATES = {
    "active": Q(state__in=ACTIVE_STATES),
    "finished": Q(state=State.FINISHED),
    "failed": Q(state=State.FAILED),
}


class RecordingFilter(ListFilterSet):
    show = ChoiceFilter(
        choices=[
            ("attention", _("Needing attention")),
            ("active", _("Not over yet")),
            ("finished", _("Finished")),
            ("failed", _("Failed")),
        ],
        label=_("Show"),
        empty_label=_("All"),
        method="_show",
    )
    account = IdChoiceFilter(
        field_name="channel__app__vendor_account", label=_("Vendor account"), queryset=VendorAccount.objects.none()
    )
    q = SearchFilter(lookups=["channel__channel_id__icontains", "recording_id"], label=_("Channel or recording id"))

    def __init__(
        self, data: QueryDict, queryset: QuerySet[Recording], *, accounts: QuerySet[VendorAccount], now: datetime
    ) -> None:
        super().__init__(data, queryset)
        self.now = now
        # Only the tenant's own accounts (that record) are offered, or accepted.
        account_filter = self.filters["account"]
        assert isinstance(account_filter, IdChoiceFilter)
        account_filter.queryset = accounts

    def _show(self, queryset: QuerySet[Recording], name: str, value: str) -> QuerySet[Recording]:
        if value == "attention":
            return queryset.filter(watchdog.needs_attention(self.now))
        return queryset.filter(STATES[value])
