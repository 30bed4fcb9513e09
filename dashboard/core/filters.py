"""What every list's filter bar is made of: django-filter FilterSets whose fields parse the
query string as dashboard.core.params does (ASCII-digit ids, bounded dates, text without
control characters).

A value a field refuses is a form error beside its input and that filter is left out (the
list shows as if it were absent): never a 500. Id choices come from a queryset the view
limits to the tenant's own objects, so another tenant's id is refused like any unknown one.
The filter names are the query keys, so a filtered list's address is its bookmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import reduce
from operator import or_
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .params import TEXT_LENGTH, clean_text, parse_date, parse_int

ANY = _("Any")


class TextField(forms.CharField):
    """A search or id text: control characters dropped, trimmed and cut, never refused."""

    widget = forms.SearchInput

    def __init__(self, *, max_length: int = TEXT_LENGTH, **kwargs: Any) -> None:
        kwargs.setdefault("widget", self.widget(attrs={"autocomplete": "off"}))
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value: Any) -> str:
        return "" if value in self.empty_values else clean_text(str(value), max_length=self.max_length or TEXT_LENGTH)


class IdChoiceField(forms.ModelChoiceField):
    """A choice by primary key, spelled in ASCII digits within the bigint range."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        number = parse_int(str(value))
        if number is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(number)


class DayField(forms.DateField):
    """A YYYY-MM-DD day between `earliest` and `latest` (no bound when None). The error
    messages (invalid, too_early, too_late) take %(text)s, %(earliest)s and %(latest)s."""

    default_error_messages = {
        "invalid": _("Enter a date as YYYY-MM-DD."),
        "too_early": _("Enter a day from %(earliest)s on."),
        "too_late": _("Enter a day up to %(latest)s."),
    }

    def __init__(self, *, earliest: date | None = None, latest: date | None = None, **kwargs: Any) -> None:
        self.earliest, self.latest = earliest, latest
        attrs = {"type": "date"}
        if earliest is not None:
            attrs["min"] = earliest.isoformat()
        if latest is not None:
            attrs["max"] = latest.isoformat()
        kwargs.setdefault("widget", forms.DateInput(attrs=attrs, format="%Y-%m-%d"))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        day = parse_date(str(value), earliest=date.min, latest=date.max)
        if day is None:
            code = "invalid"
        elif self.earliest and day < self.earliest:
            code = "too_early"
        elif self.latest and day > self.latest:
            code = "too_late"
        else:
            return day
        raise ValidationError(
            self.error_messages[code],
            code=code,
            params={
                "text": clean_text(str(value), max_length=20),
                "earliest": self.earliest.isoformat() if self.earliest else "",
                "latest": self.latest.isoformat() if self.latest else "",
            },
        )


class TextFilter(django_filters.CharFilter):
    field_class = TextField


class SearchFilter(TextFilter):
    """One text matched against several lookups, any of them (e.g. `target__icontains`)."""

    def __init__(self, *, lookups: Sequence[str], **kwargs: Any) -> None:
        self.lookups = list(lookups)
        super().__init__(**kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.filter(reduce(or_, (Q(**{lookup: value}) for lookup in self.lookups)))


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """Set its queryset to the tenant's own objects in the FilterSet's __init__ (or pass one)."""

    # The stub expects django-filter's own ModelChoiceField; Django's works the same here.
    field_class = IdChoiceField  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", ANY)
        super().__init__(*args, **kwargs)


class ChoiceFilter(django_filters.ChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", ANY)
        super().__init__(*args, **kwargs)


class DayFilter(django_filters.DateFilter):
    field_class = DayField


class FilterForm(forms.Form):
    """A filter bar's form. Its inputs get ids of their own: the page may hold other forms
    with the same field names (a channel list's watch form has an "app" too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)


class ListFilterSet(django_filters.FilterSet):
    """A list's filters, bound to request.GET (always bound: no filter is required)."""

    class Meta:
        form = FilterForm

    @property
    def active(self) -> bool:
        """Whether any filter applies (after `qs`): the empty list then says "nothing matches"."""
        return self.is_bound and any(
            value not in (None, "", [], ()) for value in getattr(self.form, "cleaned_data", {}).values()
        )

    def value(self, name: str) -> Any:
        """The filter's accepted value (after `qs`), or None when absent or refused."""
        return getattr(self.form, "cleaned_data", {}).get(name)
