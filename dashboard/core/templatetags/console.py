"""Template helpers: vendor refusals, durations, lookups, times with their zone (fields render
through core.forms)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboard.core.vendor_errors import Refusal
from dashboard.core.vendor_errors import refusal as as_refusal

register = template.Library()


@register.filter
def refusal(error: Exception | Refusal) -> Refusal:
    """For partials/vendor_error.html: the vendor's words, code and request id."""
    return error if isinstance(error, Refusal) else as_refusal(error)


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


@register.filter
def clock(seconds: int | None) -> str:
    """A running time as h:mm:ss, 0:02:03 under an hour too (a column of them lines up)."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


@register.filter
def zoned(value: datetime | None, pattern: str = "Y-m-d H:i") -> str:
    """A time in the reader's zone, formatted like Django's `date` filter, followed by the zone's
    name, so no time on a page is read in the wrong zone."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_filter(local, pattern)} {timezone.get_current_timezone_name()}"


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """A relative time ("5 minutes ago") that shows the absolute time, with its zone, on hover."""
    if value is None:
        return ""
    since = timesince(value, now) if now else timesince(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        zoned(value, "Y-m-d H:i:s"),
        _("%(since)s ago") % {"since": since},
    )


@register.filter
def since(value: datetime | None, now: datetime | None = None) -> str:
    """How long since `value` ("5 minutes"), with the absolute time and zone on hover."""
    if value is None:
        return ""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        zoned(value, "Y-m-d H:i:s"),
        timesince(value, now) if now else timesince(value),
    )


@register.filter
def web_url(value: str) -> str:
    """The address when it is an http(s) one a browser may open; "" otherwise, so vendor text
    such as `javascript:` or a storage path is shown, never linked."""
    text = (value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) and " " not in text else ""


@register.filter
def utc_midnight(moment: datetime | None) -> bool:
    """Whether a time is 00:00:00 UTC: where vendors cut their day records, so a start there
    may be the edge of what the console could read back rather than the real start."""
    if moment is None:
        return False
    utc = moment.astimezone(UTC)
    return (utc.hour, utc.minute, utc.second, utc.microsecond) == (0, 0, 0, 0)
