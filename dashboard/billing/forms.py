from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import list_currencies
from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.core.tiers import TIER_LABELS

from .models import Markup, PriceBook


class PriceBookForm(forms.ModelForm):
    class Meta:
        model = PriceBook
        fields = ["currency", "valid_from", *TIER_LABELS]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for tier in TIER_LABELS:
            self.fields[tier].help_text = _("Price per minute; empty means no charge.")
            self.fields[tier].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for tier in TIER_LABELS:
            if tier not in self.errors and cleaned.get(tier) is None:
                cleaned[tier] = Decimal(0)
        return cleaned

    def clean_currency(self) -> str:
        currency = (self.cleaned_data.get("currency") or "").strip().upper()
        if currency not in list_currencies():
            raise forms.ValidationError(_("Give an ISO 4217 currency code, such as USD or CNY."))
        return currency

    def clean_valid_from(self) -> date | None:
        # The account is not a field of the form, so Django would not check the unique constraint.
        valid_from: date | None = self.cleaned_data.get("valid_from")
        if valid_from is None:
            return None
        others = PriceBook.objects.filter(vendor_account_id=self.instance.vendor_account_id, valid_from=valid_from)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This account already has a price book starting on that day."))
        return valid_from


class MarkupForm(forms.ModelForm):
    class Meta:
        model = Markup
        fields = ["percent"]
