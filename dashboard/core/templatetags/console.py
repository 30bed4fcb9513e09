"""Template helpers for the console's Bootstrap markup, audit labels and durations."""

from __future__ import annotations

from datetime import timedelta

from django import forms, template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from dashboard.audit.actions import action_label

register = template.Library()


def _widget_class(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.simple_tag
def bs_field(field: forms.BoundField) -> SafeString:
    """A form field with label, help text and errors in Bootstrap's markup."""
    css = _widget_class(field)
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return render_to_string(
        "partials/field.html",
        {"field": field, "widget": field.as_widget(attrs=attrs), "checkbox": css.startswith("form-check")},
    )


@register.simple_tag
def audit_action(action: str) -> str:
    return action_label(action)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key, "")


@register.filter
def duration_text(value: timedelta | None) -> str:
    """A lag as people say it: 5 min, 3 h, 2 days."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes < 90:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d day", "%(n)d days", hours // 24) % {"n": hours // 24}


@register.simple_tag
def compact_field(field: forms.BoundField) -> SafeString:
    """A field alone, small, for tables of fields (its label is given separately)."""
    css = "form-check-input" if isinstance(field.field.widget, forms.CheckboxInput) else _widget_class(field) + "-sm"
    css = css.replace("form-control-sm", "form-control form-control-sm").replace(
        "form-select-sm", "form-select form-select-sm"
    )
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def clock(seconds: int | None) -> str:
    """A running time as 1:02:03 (or 2:03 under an hour)."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
