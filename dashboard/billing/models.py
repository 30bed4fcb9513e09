"""Prices of the vendors' minutes per account, and a tenant's markup.

A price book holds a price per minute for each resolution tier (dashboard/core/tiers.py) in
one currency, valid from a date until the next book of the same account starts, so a past
month keeps the prices it had.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dashboard.core.tiers import TIER_LABELS

PRICE = {"max_digits": 14, "decimal_places": 6, "validators": [MinValueValidator(Decimal(0))], "default": Decimal(0)}


class PriceBook(models.Model):
    vendor_account = models.ForeignKey(
        "credentials.VendorAccount", on_delete=models.CASCADE, related_name="price_books", verbose_name=_("account")
    )
    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217 code, such as USD or CNY."))
    valid_from = models.DateField(
        _("valid from"), help_text=_("Used for days from this date (UTC) until the next price book starts.")
    )
    audio = models.DecimalField(TIER_LABELS["audio"], **PRICE)  # type: ignore[arg-type]
    v360 = models.DecimalField(TIER_LABELS["v360"], **PRICE)  # type: ignore[arg-type]
    v720 = models.DecimalField(TIER_LABELS["v720"], **PRICE)  # type: ignore[arg-type]
    v1080 = models.DecimalField(TIER_LABELS["v1080"], **PRICE)  # type: ignore[arg-type]
    content = models.DecimalField(TIER_LABELS["content"], **PRICE)  # type: ignore[arg-type]
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vendor_account", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["vendor_account", "valid_from"], name="one_price_book_per_account_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.vendor_account_id} {self.currency} from {self.valid_from}"

    def price(self, tier: str) -> Decimal:
        value: Decimal = getattr(self, tier)
        return value


class Markup(models.Model):
    """What a reseller adds to a tenant's cost, in percent; none means the vendor's price."""

    tenant = models.OneToOneField("tenancy.Tenant", on_delete=models.CASCADE, related_name="markup")
    percent = models.DecimalField(
        _("markup (%)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Added to the vendor's price on this tenant's cost and statements."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.tenant_id} +{self.percent}%"
