"""Bring the console's app table in line with the vendor's app list."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dashboard.credentials.connect import provider_for
from dashboard.credentials.models import VendorAccount
from vendors.base.provider import Provider

from .models import AppSource, RtcApp


@dataclass(frozen=True)
class ListingResult:
    added: int
    updated: int
    missing: int


def refresh_apps(account: VendorAccount, provider: Provider) -> ListingResult:
    """Upsert every listed app; apps the vendor no longer lists are flagged, not deleted."""
    listed = list(provider.list_apps())
    now = timezone.now()
    added = updated = 0
    with transaction.atomic():
        existing = {app.app_id: app for app in RtcApp.objects.filter(vendor_account=account)}
        for app in listed:
            values = {
                "name": app.name,
                "app_type": app.app_type,
                "status": app.status.value,
                "bill_type": app.bill_type,
                "service_areas": list(app.service_areas),
                "vendor_created_at": app.created_at,
                "source": AppSource.LISTED,
                "listed_at": now,
                "missing_from_listing": False,
            }
            row = existing.get(app.app_id)
            if row is None:
                RtcApp.objects.create(vendor_account=account, app_id=app.app_id, **values)
                added += 1
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                row.save()
                updated += 1
        listed_ids = {app.app_id for app in listed}
        missing = (
            RtcApp.objects.filter(vendor_account=account, source=AppSource.LISTED)
            .exclude(app_id__in=listed_ids)
            .update(missing_from_listing=True)
        )
    return ListingResult(added, updated, missing)


def refresh_account(account: VendorAccount, *, interactive: bool = True) -> ListingResult:
    """Ask the account's vendor for its apps and bring the table in line; vendor errors propagate."""
    with provider_for(account, interactive=interactive) as provider:
        return refresh_apps(account, provider)
