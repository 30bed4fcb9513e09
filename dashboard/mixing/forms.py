from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from vendors.base.types import RenderMode, SourceType

from .layouts import GRID


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False, help_text=_("Needed to save."))
    background = forms.CharField(
        label=_("Background"),
        max_length=7,
        initial="#000000",
        validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("A colour as #RRGGBB."))],
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class PaneForm(forms.Form):
    x = forms.FloatField(label=_("x"), min_value=0, max_value=1, widget=forms.NumberInput(attrs={"step": 1 / GRID}))
    y = forms.FloatField(label=_("y"), min_value=0, max_value=1, widget=forms.NumberInput(attrs={"step": 1 / GRID}))
    width = forms.FloatField(
        label=_("width"), min_value=0.01, max_value=1, widget=forms.NumberInput(attrs={"step": 1 / GRID})
    )
    height = forms.FloatField(
        label=_("height"), min_value=0.01, max_value=1, widget=forms.NumberInput(attrs={"step": 1 / GRID})
    )
    z = forms.IntegerField(label=_("layer"), min_value=0, max_value=99, initial=0)
    user_id = forms.CharField(
        label=_("user"),
        required=False,
        max_length=128,
        widget=forms.TextInput(attrs={"list": "channel-members", "placeholder": _("next to join")}),
    )
    source = forms.ChoiceField(
        label=_("source"), choices=[(SourceType.CAMERA.value, _("camera")), (SourceType.SCREEN.value, _("screen"))]
    )
    render_mode = forms.ChoiceField(
        label=_("render"), choices=[(RenderMode.CROP.value, _("crop")), (RenderMode.FIT.value, _("fit"))]
    )
    alpha = forms.FloatField(
        label=_("opacity"), min_value=0, max_value=1, initial=1.0, widget=forms.NumberInput(attrs={"step": 0.05})
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        for start, size in (("x", "width"), ("y", "height")):
            if start in cleaned and size in cleaned and cleaned[start] + cleaned[size] > 1.0001:
                raise forms.ValidationError(_("The pane reaches past the canvas."))
        return cleaned


PaneFormSet = forms.formset_factory(
    PaneForm, extra=0, can_delete=True, min_num=1, validate_min=True, max_num=17, validate_max=True
)
