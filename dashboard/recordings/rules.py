"""Recording rules and automatic recording of an app, kept at the vendor; each change audited."""

from __future__ import annotations

from django.contrib.auth import models as auth
from django.utils import timezone

from dashboard.audit.log import audited
from dashboard.core.params import parse_int
from dashboard.credentials.connect import provider_for
from dashboard.rtc.models import RtcApp
from vendors.base.types import RecordingRule

from .models import AutoRecording

User = auth.User | auth.AnonymousUser  # request.user


def rules(app: RtcApp) -> list[RecordingRule]:
    with provider_for(app.vendor_account) as provider:
        return sorted(provider.recording_rules(app.app_id), key=lambda rule: parse_int(rule.rule_id, minimum=0) or 0)


def save(actor: User, app: RtcApp, rule: RecordingRule) -> str:
    action = "recording.rule_update" if rule.rule_id else "recording.rule_add"
    with audited(actor, action, vendor_account=app.vendor_account, target=f"{app.app_id} / rule") as call:
        call.detail = {"app": app.app_id, "rule": rule.rule_id, "kind": rule.kind.value, "file_name": rule.file_name}
        with provider_for(app.vendor_account) as provider:
            rule_id = provider.save_recording_rule(app.app_id, rule)
        call.detail["rule"] = rule_id
    return rule_id


def delete(actor: User, app: RtcApp, rule_id: str) -> None:
    with audited(
        actor, "recording.rule_delete", vendor_account=app.vendor_account, target=f"{app.app_id} / rule {rule_id}"
    ) as call:
        call.detail = {"app": app.app_id, "rule": rule_id}
        with provider_for(app.vendor_account) as provider:
            provider.delete_recording_rule(app.app_id, rule_id)


def running_auto(app: RtcApp) -> AutoRecording | None:
    return app.auto_recordings.filter(stopped_at__isnull=True).first()


def set_auto(actor: User, app: RtcApp, rule_id: str, *, on: bool) -> None:
    action = "recording.auto_start" if on else "recording.auto_stop"
    with audited(actor, action, vendor_account=app.vendor_account, target=f"{app.app_id} / rule {rule_id}") as call:
        call.detail = {"app": app.app_id, "rule": rule_id}
        with provider_for(app.vendor_account) as provider:
            provider.set_auto_recording(app.app_id, rule_id, on=on)
    if on:
        AutoRecording.objects.create(app=app, rule_id=rule_id, started_by=actor if actor.is_authenticated else None)
    else:
        app.auto_recordings.filter(stopped_at__isnull=True).update(stopped_at=timezone.now())
