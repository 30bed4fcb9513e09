"""Evaluating rules into incidents, and sending their notices exactly once.

The steps, each a committed state, so a worker stopped anywhere leaves a state the next run
continues from without sending anything twice:

1. evaluate: a finding with no open incident opens one and, in the same transaction, makes a
   pending notice per destination (unique per incident, event and destination); an open
   incident whose finding is gone resolves, with a "resolved" notice to every destination
   told of the opening. A run that finds an incident already open does nothing more.
2. claim: a pending notice due now is switched to "sending" by a conditional UPDATE (only
   one worker wins) together with a delivery-log row for the attempt.
   An incident resolves once its subject has been clear for ALERT_RESOLVE_AFTER_MINUTES, so a
   figure hovering at its threshold cannot make a storm of notices.
3. send, then mark the notice sent (or pending again, later, after a failure; failed for good
   after ALERT_SEND_ATTEMPTS).

A notice left "sending" longer than ALERT_SEND_LEASE_SECONDS belongs to a worker that died
between 2 and 3: it may have arrived, so it is marked "interrupted" in the log, not resent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from dashboard.tenancy.models import Tenant

from . import channels
from .conditions import CONDITIONS, Finding
from .messages import notice_for
from .models import AlertRule, Delivery, Event, Incident, NoticeState, Notification

log = logging.getLogger(__name__)


def muted(rule: AlertRule, now: datetime) -> bool:
    return rule.muted_until is not None and rule.muted_until > now


def _notify(incident: Incident, event: str, destinations: list, now: datetime) -> None:
    Notification.objects.bulk_create(
        Notification(
            tenant_id=incident.tenant_id,
            incident=incident,
            destination=destination,
            destination_name=destination.name,
            event=event,
            next_attempt_at=now,
        )
        for destination in destinations
    )


def open_incident(rule: AlertRule, finding: Finding, now: datetime, *, told: bool = True) -> Incident | None:
    """The new incident with its notices (none when `told` is False or the rule is muted), or
    None when another run opened it first."""
    told = told and not muted(rule, now)
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                rule=rule,
                tenant_id=rule.tenant_id,
                subject=finding.subject,
                title=finding.title[:300],
                detail=finding.detail[:500],
                link=finding.link,
                opened_at=now,
                last_seen_at=now,
                notified=told,
            )
            if told:
                _notify(incident, Event.OPENED, list(rule.destinations.all()), now)
    except IntegrityError:
        return None
    return incident


def resolve_incident(incident: Incident, now: datetime, *, notify: bool = True) -> bool:
    with transaction.atomic():
        if not Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(resolved_at=now):
            return False  # resolved by another run
        if notify and incident.notified:
            told = [n.destination for n in incident.notices.filter(event=Event.OPENED).select_related("destination")]
            _notify(incident, Event.RESOLVED, [d for d in told if d is not None], now)
    return True


def evaluate_rule(rule: AlertRule, now: datetime) -> tuple[int, int]:
    """(opened, resolved) for one rule."""
    open_now = {incident.subject: incident for incident in rule.incidents.filter(resolved_at__isnull=True)}
    if not rule.enabled:
        # Nobody watches it any more: close quietly, a "resolved" notice would be untrue.
        return 0, sum(resolve_incident(incident, now, notify=False) for incident in open_now.values())
    findings = {finding.subject: finding for finding in CONDITIONS[rule.kind](rule, now)}
    opened = resolved = 0
    # Hundreds of subjects failing at once (a vendor outage) make a few notices, not hundreds:
    # past ALERT_MAX_NEW_NOTICES a run's new incidents are shown on the page only.
    budget = settings.ALERT_MAX_NEW_NOTICES
    for subject, finding in findings.items():
        incident = open_now.get(subject)
        if incident is None:
            made = open_incident(rule, finding, now, told=budget > 0)
            opened += made is not None
            budget -= made is not None
        else:
            Incident.objects.filter(pk=incident.pk).update(
                last_seen_at=now, title=finding.title[:300], detail=finding.detail[:500]
            )
    # A subject must stay clear for a while before its incident resolves: a figure hovering at
    # its threshold would otherwise open and resolve an incident (two notices) every run.
    settled = now - timedelta(minutes=settings.ALERT_RESOLVE_AFTER_MINUTES)
    for subject, incident in open_now.items():
        if subject not in findings and incident.last_seen_at <= settled:
            resolved += resolve_incident(incident, now)
    return opened, resolved


def evaluate(now: datetime | None = None, tenants: list[Tenant] | None = None) -> tuple[int, int]:
    now = now or timezone.now()
    rules = AlertRule.objects.select_related("tenant").prefetch_related("destinations")
    if tenants is not None:
        rules = rules.filter(tenant__in=tenants)
    opened = resolved = 0
    for rule in rules:
        try:
            made, gone = evaluate_rule(rule, now)
        except Exception:
            # One broken condition must not silence every other rule.
            log.exception("alert rule %s (%s) could not be evaluated", rule.pk, rule.kind)
            continue
        opened, resolved = opened + made, resolved + gone
    return opened, resolved


def recover_interrupted(now: datetime) -> int:
    """Notices a stopped worker left "sending": they may have arrived, so they are not resent."""
    stale = now - timedelta(seconds=settings.ALERT_SEND_LEASE_SECONDS)
    count = 0
    for notice in Notification.objects.filter(state=NoticeState.SENDING, claimed_at__lt=stale):
        with transaction.atomic():
            if Notification.objects.filter(pk=notice.pk, state=NoticeState.SENDING).update(
                state=NoticeState.INTERRUPTED
            ):
                notice.deliveries.filter(outcome=NoticeState.SENDING).update(
                    outcome=NoticeState.INTERRUPTED,
                    finished_at=now,
                    detail="the worker stopped while sending; it may have arrived, so it was not sent again",
                )
                count += 1
    return count


def claim(notice: Notification, now: datetime) -> Delivery | None:
    with transaction.atomic():
        won = Notification.objects.filter(pk=notice.pk, state=NoticeState.PENDING, next_attempt_at__lte=now).update(
            state=NoticeState.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if not won:
            return None
        notice.refresh_from_db(fields=["state", "claimed_at", "attempts"])
        return Delivery.objects.create(notification=notice, attempt=notice.attempts, started_at=now)


def finish(notice: Notification, delivery: Delivery, delivered: bool, detail: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            outcome=NoticeState.SENT if delivered else NoticeState.FAILED, finished_at=now, detail=detail[:500]
        )
        if delivered:
            update = {"state": NoticeState.SENT, "sent_at": now}
        elif notice.event == Event.TEST or notice.attempts >= settings.ALERT_SEND_ATTEMPTS:
            # A test is sent while the admin waits and reads the outcome: not retried behind their back.
            update = {"state": NoticeState.FAILED}
        else:
            wait = settings.ALERT_RETRY_SECONDS * 2 ** (notice.attempts - 1)
            update = {"state": NoticeState.PENDING, "next_attempt_at": now + timedelta(seconds=wait)}
        Notification.objects.filter(pk=notice.pk, state=NoticeState.SENDING).update(**update)


def send(notice: Notification, now: datetime | None = None) -> bool | None:
    """Claim, deliver and mark one notice; None when it was not this worker's to send."""
    delivery = claim(notice, now or timezone.now())
    if delivery is None:
        return None
    if notice.destination is None:
        finish(notice, delivery, False, "the destination was deleted")
        return False
    try:
        delivered, detail = channels.deliver(notice.destination, notice_for(notice))
    except Exception as error:
        # A notice that cannot be sent must not stop the ones after it (and is logged as failed).
        log.exception("alert notice %s could not be sent", notice.pk)
        delivered, detail = False, f"could not be sent: {type(error).__name__}"
    finish(notice, delivery, delivered, detail)
    return delivered


def dispatch(now: datetime | None = None) -> int:
    """Every notice due now, oldest first; returns how many were delivered."""
    now = now or timezone.now()
    recover_interrupted(now)
    due = Notification.objects.select_related("destination", "incident__rule", "tenant").filter(
        state=NoticeState.PENDING, next_attempt_at__lte=now
    )
    return sum(bool(send(notice, now)) for notice in due.order_by("next_attempt_at", "pk"))


def run(now: datetime | None = None) -> tuple[int, int, int]:
    """What the scheduled job does: evaluate every rule, then send what is due."""
    opened, resolved = evaluate(now)
    return opened, resolved, dispatch(now)
