"""Every form's fields in Bootstrap's markup, through Django's form renderer (settings.FORM_RENDERER).

Django links an input to its help text (`<id>_helptext`) and its errors (`<id>_error`) with
aria-describedby and marks it aria-invalid; the field template gives those elements their ids.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting


class BootstrapBoundField(forms.BoundField):
    """A field whose input carries Bootstrap's classes (and is-invalid when it has errors)."""

    size = ""

    @property
    def is_checkbox(self) -> bool:
        return isinstance(self.field.widget, forms.CheckboxInput)

    def build_widget_attrs(self, attrs: dict, widget: forms.Widget | None = None) -> dict:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, forms.CheckboxInput):
            classes = ["form-check-input"]
        else:
            base = "form-select" if isinstance(widget, forms.Select) else "form-control"
            classes = [base, f"{base}-{self.size}"] if self.size else [base]
        if self.errors:
            classes.append("is-invalid")
        # Keep classes the widget brings (the admin site styles its inputs by class).
        given = str(attrs.get("class") or widget.attrs.get("class") or "")
        attrs["class"] = " ".join([given, *classes] if given else classes)
        return attrs


class CompactBoundField(BootstrapBoundField):
    """Small inputs for forms laid out as table rows; set as a form's bound_field_class."""

    size = "sm"


class BootstrapFormRenderer(TemplatesSetting):
    field_template_name = "forms/field.html"
    bound_field_class = BootstrapBoundField
