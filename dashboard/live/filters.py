"""The channel list's filter bar (app, channel id, user id, live or watched) and the live
page's member filter (user id, role)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard.core.filters import (
    ChoiceFilter,
    DayField,
    FilterForm,
    IdChoiceFilter,
    ListFilterSet,
    TextField,
    TextFilter,
)
from dashboard.core.params import EARLIEST_DATE
from dashboard.rtc.models import RtcApp

from .models import Channel, Presence
from .models import Role as MemberRole


class ChannelFilter(ListFilterSet):
    app = IdChoiceFilter(label=_("App"), empty_label=_("All apps"), queryset=RtcApp.objects.none())
    q = TextFilter(field_name="channel_id", lookup_expr="icontains", label=_("Channel id"))
    user = TextFilter(label=_("User id"), help_text=_("Channels this user is in or was seen in."), method="_user")
    show = ChoiceFilter(
        choices=[("live", _("Live now")), ("watched", _("Watched"))],
        label=_("Show"),
        empty_label=_("All"),
        method="_show",
    )

    def __init__(self, data: QueryDict, queryset: QuerySet[Channel], *, apps: QuerySet[RtcApp]) -> None:
        super().__init__(data, queryset)
        # Only this account's apps are offered, or accepted.
        app_filter = self.filters["app"]
        assert isinstance(app_filter, IdChoiceFilter)
        app_filter.queryset = apps

    def _user(self, queryset: QuerySet[Channel], name: str, value: str) -> QuerySet[Channel]:
        recent = timezone.now() - timedelta(days=settings.LIVE_SNAPSHOT_DAYS)
        return queryset.filter(
            Q(presences__user_id=value) | Q(events__user_id=value, events__at__gte=recent)
        ).distinct()

    def _show(self, queryset: QuerySet[Channel], name: str, value: str) -> QuerySet[Channel]:
        return queryset.filter(is_live=True) if value == "live" else queryset.filter(watched=True)


class MemberFilter(ListFilterSet):
    q = TextFilter(field_name="user_id", lookup_expr="icontains", label=_("User id"))
    role = ChoiceFilter(choices=MemberRole.choices, label=_("Role"), empty_label=_("Every role"))

    def __init__(self, data: QueryDict, queryset: QuerySet[Presence]) -> None:
        super().__init__(data, queryset)
        # Only the roles the table can show: those of the members listed now.
        present = set(queryset.values_list("role", flat=True).distinct())
        role_field = self.form.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        # (django-filter's field adds the "Every role" choice itself.)
        role_field.choices = [(value, label) for value, label in MemberRole.choices if value in present]


class DayForm(FilterForm):
    """The UTC day of a history page (vendors keep their records by UTC day). The history is
    read from the vendor, not filtered from a queryset: a form, with the filter bars' fields."""

    day = DayField(
        label=_("Day (UTC)"),
        required=False,
        earliest=EARLIEST_DATE,
        error_messages={
            "invalid": _("%(text)s is not a date; showing today."),
            "too_early": _("There are no records before %(earliest)s; showing today."),
            "too_late": _("That day has not come yet; showing today."),
        },
    )

    def __init__(self, data: QueryDict, *, today: date) -> None:
        if not data.get("day", "").strip():
            data = data.copy()
            data["day"] = today.isoformat()  # shown in the day's input
        super().__init__(data)
        day_field = self.fields["day"]
        assert isinstance(day_field, DayField)
        day_field.latest = today
        self.fields["day"].widget.attrs["max"] = today.isoformat()
        self.today = today

    @property
    def chosen_day(self) -> date:
        self.is_valid()
        return self.cleaned_data.get("day") or self.today

    @property
    def problem(self) -> str:
        return " ".join(str(error) for error in self.errors.get("day", []))


class HistoryForm(DayForm):
    user = TextField(
        label=_("User id"),
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": _("Every channel this user was in"), "autocomplete": "off"}),
    )
