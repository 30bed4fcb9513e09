"""Forms of the room controls: users named by id, a message, a room, a server, a track."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import MAX_KICK, channel_id_validator, parse_user_ids, user_id_validator

MAX_MESSAGE_BYTES = 4096


def _user_ids(value: str, *, required: bool = True) -> list[str]:
    ids = parse_user_ids([value])
    if required and not ids:
        raise forms.ValidationError(_("Name at least one user."))
    if len(ids) > MAX_KICK:
        raise forms.ValidationError(_("At most %(max)d users at once.") % {"max": MAX_KICK})
    for user_id in ids:
        if len(user_id) > 128:
            raise forms.ValidationError(_("A user id is at most 128 characters."))
        user_id_validator(user_id)
    return ids


class UsersField(forms.CharField):
    """User ids, one per line (or comma separated): cleaned to a list."""

    def __init__(self, *, required: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("User ids"))
        kwargs.setdefault("help_text", _("One per line."))
        super().__init__(widget=forms.Textarea(attrs={"rows": 3}), required=required, **kwargs)

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        return _user_ids(text, required=self.required)


class UsersForm(forms.Form):
    users = UsersField()
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=False, help_text=_("Optional; kept in the audit log.")
    )


class CoHostForm(forms.Form):
    users = UsersField(help_text=_("Audience members of this live room, one per line."))
    video = forms.BooleanField(
        label=_("Video as well as audio"), required=False, help_text=_("Otherwise they publish audio only.")
    )


class MessageForm(forms.Form):
    users = UsersField(
        required=False,
        label=_("To these members only"),
        help_text=_("One user id per line; leave empty to send to everyone in the room."),
    )
    message = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_MESSAGE_BYTES
    )
    as_json = forms.BooleanField(
        label=_("The message is a JSON object in your app's own format"),
        required=False,
        help_text=_('Otherwise it is sent as {"text": "…"}.'),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("message")
        if text is None:
            return data
        if data.get("as_json"):
            try:
                body = json.loads(text)
            except ValueError:
                self.add_error("message", _("This is not valid JSON."))
                return data
            if not isinstance(body, dict):
                self.add_error("message", _("The message must be a JSON object ({…})."))
                return data
        else:
            body = {"text": text}
        if len(json.dumps(body, ensure_ascii=False).encode()) > MAX_MESSAGE_BYTES:
            self.add_error("message", _("At most %(max)d bytes.") % {"max": MAX_MESSAGE_BYTES})
        data["body"] = body
        return data


class LockForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=False, help_text=_("Optional; kept in the audit log.")
    )


class OtherRoomForm(forms.Form):
    room = forms.CharField(label=_("Other room id"), max_length=64, validators=[channel_id_validator])


class SeparateForm(forms.Form):
    room = forms.CharField(
        label=_("Merged room id"),
        max_length=64,
        required=False,
        validators=[channel_id_validator],
        help_text=_("Leave empty to take this room out of every merge (its host leaves them all)."),
    )


class MirrorForm(forms.Form):
    server = forms.CharField(
        label=_("Server alias"),
        max_length=128,
        validators=[channel_id_validator],
        help_text=_("The media server that is to carry the copy, as the vendor names it (rtc-2:cluster-1)."),
    )


class TrackForm(forms.Form):
    track = forms.CharField(
        label=_("Track id"),
        max_length=128,
        validators=[channel_id_validator],
        help_text=_("The media track of a merged room's host, as your app's clients know it."),
    )
    paused = forms.TypedChoiceField(
        label=_("Action"),
        choices=[("1", _("Pause (the audience stops hearing or seeing it)")), ("0", _("Resume"))],
        coerce=lambda value: value == "1",
    )


class PresenceForm(forms.Form):
    user = forms.CharField(label=_("User id"), max_length=128, validators=[user_id_validator])
