"""Forms of an account's Servers page: the typed confirmation of a recycle, a file to upload."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

# What ffmpeg reads and people upload as recordings; anything else is refused before it is sent.
MEDIA_SUFFIXES = {
    ".mp4",
    ".m4v",
    ".mov",
    ".webm",
    ".mkv",
    ".flv",
    ".avi",
    ".ts",
    ".m4a",
    ".mp3",
    ".wav",
    ".ogg",
    ".aac",
}


class RecycleForm(forms.Form):
    confirm = forms.CharField(label=_("Type the account's name to confirm"), max_length=200)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args: Any, label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed != self.label:
            raise forms.ValidationError(_("That is not this account's name; nothing was recycled."))
        return typed


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Video or audio file"),
        help_text=_("MP4, WebM, MKV, MOV, FLV, AVI, TS, M4A, MP3, WAV, OGG or AAC."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = settings.RECORDING_UPLOAD_MAX_MB * 1024 * 1024
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("At most %(mb)d MB; this file is larger.") % {"mb": settings.RECORDING_UPLOAD_MAX_MB}
            )
        if PurePath(upload.name or "").suffix.lower() not in MEDIA_SUFFIXES:
            raise forms.ValidationError(_("This is not a video or audio file the vendor takes."))
        return upload
