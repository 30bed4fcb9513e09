from __future__ import annotations

from typing import Any, TypeAlias

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dashboard.core.forms import CompactBoundField
from vendors.base.mixing import PushOptions
from vendors.base.types import Encoding, RenderMode, SourceType

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
    bound_field_class = CompactBoundField  # one table row per pane

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
        super().clean()
        cleaned = self.cleaned_data
        for start, size in (("x", "width"), ("y", "height")):
            if start in cleaned and size in cleaned and cleaned[start] + cleaned[size] > 1.0001:
                raise forms.ValidationError(_("The pane reaches past the canvas."))
        return cleaned


PaneFormSet = forms.formset_factory(
    PaneForm, extra=0, can_delete=True, min_num=1, validate_min=True, max_num=17, validate_max=True
)
PaneForms: TypeAlias = "forms.BaseFormSet[PaneForm]"  # a PaneFormSet, in annotations


def _encoding_label(code: int, encoding: Encoding) -> str:
    if not encoding.width:
        return f"{code}: " + str(_("audio only, %(kbps)d kbps") % {"kbps": encoding.bitrate_kbps})
    return f"{code}: {encoding.width}x{encoding.height}, {encoding.bitrate_kbps} kbps, {encoding.fps} fps"


class StartPushForm(forms.Form):
    stream_url = forms.CharField(
        label=_("Stream URL"),
        max_length=500,
        help_text=_("Where the mixed stream goes: an rtmp:// or rtmps:// address of your CDN."),
    )
    # Choices and initial values are the vendor's (PushOptions).
    media_encode = forms.TypedChoiceField(label=_("Encoding"), coerce=int, choices=[])
    task_profile = forms.ChoiceField(
        label=_("Task profile"),
        choices=[],
        help_text=_("Inputs and resolution billed; the encoding may not exceed its resolution."),
    )
    template: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Layout"), queryset=None, empty_label=None)
    subscribed_users = forms.CharField(
        label=_("Only these users"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional, one per line: mix only their streams (at most 16)."),
    )

    def __init__(self, *args: Any, options: PushOptions, templates: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ModelChoiceField)
        template_field.queryset = templates
        encode, profile = self.fields["media_encode"], self.fields["task_profile"]
        assert isinstance(encode, forms.ChoiceField) and isinstance(profile, forms.ChoiceField)
        encode.choices = [(code, _encoding_label(code, options.encodings[code])) for code in sorted(options.encodings)]
        encode.initial = options.default_encoding
        profile.choices = [(name, name) for name in options.profiles]
        profile.initial = options.default_profile

    def clean_subscribed_users(self) -> list[str]:
        users = [line.strip() for line in self.cleaned_data["subscribed_users"].splitlines() if line.strip()]
        if len(users) > 16:
            raise forms.ValidationError(_("At most 16 users."))
        return users
