"""Scheduled: the status of every recording not over yet, each minute, where the vendor can say."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vendors import registry
from vendors.base.provider import Capability

from . import actions
from .models import ACTIVE_STATES, Recording


@db_periodic_task(crontab(), name="recordings.status")
def check_recordings() -> int:
    vendors = [info.name for info in registry.with_capability(Capability.RECORDING_STATUS)]
    active = Recording.objects.select_related("channel__app__vendor_account").filter(
        state__in=ACTIVE_STATES,
        channel__app__vendor_account__vendor__in=vendors,
        channel__app__vendor_account__enabled=True,
    )
    checked = 0
    for recording in active:
        actions.refresh(recording, interactive=False)
        checked += 1
    return checked
