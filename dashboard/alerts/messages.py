"""What a notice says. Notices are written in the deployment's language (LANGUAGE_CODE): a
job has no reader whose language it could take."""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

from .channels import Notice
from .models import Event, Notification


def absolute(link: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + link if link and settings.PUBLIC_BASE_URL else link


def notice_for(notification: Notification) -> Notice:
    with override(settings.LANGUAGE_CODE):
        return _notice(notification)


def _notice(notification: Notification) -> Notice:
    tenant = notification.tenant
    incident = notification.incident
    notice_id = f"notice-{notification.pk}"
    if incident is None:
        subject = _("[RTC Dashboard] Test notice for %(tenant)s") % {"tenant": tenant.name}
        text = _("This is a test notice sent from the alerts page of %(tenant)s. Nothing is wrong.") % {
            "tenant": tenant.name
        }
        payload: dict[str, object] = {"event": Event.TEST.value, "id": notice_id, "tenant": tenant.slug}
        return Notice(notice_id, subject, text, payload)
    rule = incident.rule
    if notification.event == Event.RESOLVED:
        subject = _("[RTC Dashboard] Resolved: %(title)s") % {"title": incident.title}
    else:
        subject = _("[RTC Dashboard] %(title)s") % {"title": incident.title}
    lines = [
        incident.title,
        incident.detail,
        _("Tenant: %(tenant)s") % {"tenant": tenant.name},
        _("Rule: %(rule)s") % {"rule": rule.get_kind_display()},
        _("Opened: %(when)s UTC") % {"when": f"{incident.opened_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}"},
    ]
    if incident.resolved_at:
        lines.append(
            _("Resolved: %(when)s UTC") % {"when": f"{incident.resolved_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}"}
        )
    if incident.link:
        lines.append(absolute(incident.link))
    payload = {
        "event": notification.event,
        "id": notice_id,
        "tenant": tenant.slug,
        "rule": {"id": rule.pk, "kind": rule.kind, "threshold": rule.threshold, "period": rule.period},
        "incident": {
            "id": incident.pk,
            "subject": incident.subject,
            "title": incident.title,
            "detail": incident.detail,
            "link": absolute(incident.link),
            "opened_at": incident.opened_at.isoformat(),
            "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        },
    }
    return Notice(notice_id, subject, "\n".join(line for line in lines if line), payload)
