from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dashboard.rtc.models import RtcApp
from vendors.base.types import ChannelMode

# Both vendors that name channels by hand allow these characters (Aliyun ChannelId: letters,
# digits, - and _, at most 64; uprtc roomId: a URL path segment).
channel_id_validator = RegexValidator(r"^[A-Za-z0-9_.:-]+$", _("Letters, digits and . _ : - only."))
user_id_validator = RegexValidator(r"^[A-Za-z0-9_.:@-]+$", _("Letters, digits and . _ : @ - only."))
MAX_KICK = 500


class AppChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RtcApp) -> str:
        return f"{obj.name} ({obj.app_id})" if obj.name else obj.app_id


class WatchForm(forms.Form):
    app = AppChoiceField(label=_("App"), queryset=RtcApp.objects.none())
    channel_id = forms.CharField(
        label=_("Channel id"),
        max_length=64,
        validators=[channel_id_validator],
    )

    def __init__(self, *args: Any, apps: QuerySet[RtcApp], **kwargs: Any) -> None:
        # Shown on one page with CreateChannelForm, whose fields have the same names: ids apart.
        kwargs["auto_id"] = "watch_%s"
        super().__init__(*args, **kwargs)
        app_field = self.fields["app"]
        assert isinstance(app_field, forms.ModelChoiceField)
        app_field.queryset = apps


class CreateChannelForm(forms.Form):
    app = AppChoiceField(label=_("App"), queryset=RtcApp.objects.none())
    mode = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (ChannelMode.COMMUNICATION.value, _("Conversation (only invited users join)")),
            (ChannelMode.INTERACTIVE_LIVE.value, _("Live (a host broadcasts to an audience)")),
        ],
    )
    owner_id = forms.CharField(
        label=_("Owner user id"), max_length=64, validators=[user_id_validator], help_text=_("The room's master.")
    )
    channel_id = forms.CharField(
        label=_("Room id"),
        max_length=64,
        required=False,
        validators=[channel_id_validator],
        help_text=_("Optional: the vendor picks one when empty, or when this id belongs to someone else."),
    )

    def __init__(self, *args: Any, apps: QuerySet[RtcApp], **kwargs: Any) -> None:
        kwargs["auto_id"] = "open_%s"
        super().__init__(*args, **kwargs)
        app_field = self.fields["app"]
        assert isinstance(app_field, forms.ModelChoiceField)
        app_field.queryset = apps


def parse_user_ids(values: list[str]) -> list[str]:
    """User ids from checkboxes (one per value) or a textarea (one per line, or comma separated)."""
    ids: list[str] = []
    for value in values:
        for part in value.replace(",", "\n").splitlines():
            part = part.strip()
            if part and part not in ids:
                ids.append(part)
    return ids


class KickForm(forms.Form):
    users = forms.CharField(
        label=_("User ids"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Optional; kept in the audit log."),
    )

    def clean_users(self) -> list[str]:
        ids = parse_user_ids([self.cleaned_data["users"]])
        if not ids:
            raise forms.ValidationError(_("Name at least one user."))
        if len(ids) > MAX_KICK:
            raise forms.ValidationError(_("At most %(max)d users at once.") % {"max": MAX_KICK})
        for user_id in ids:
            if len(user_id) > 128:
                raise forms.ValidationError(_("A user id is at most 128 characters."))
            user_id_validator(user_id)
        return ids


class CloseForm(forms.Form):
    confirm_channel_id = forms.CharField(label=_("Type the channel id to confirm"), max_length=128)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args: Any, channel_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel_id = channel_id

    def clean_confirm_channel_id(self) -> str:
        typed = self.cleaned_data["confirm_channel_id"].strip()
        if typed != self.channel_id:
            raise forms.ValidationError(_("That is not this channel's id; nothing was closed."))
        return typed
