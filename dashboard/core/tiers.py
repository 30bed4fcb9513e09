"""The resolution tiers (vendors.base.types.Tier) as people read them: usage reports, a channel's history."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Keyed by the tier's name in lower case, as usage samples store them (usage.models.TIER_FIELDS).
TIER_LABELS = {
    "audio": _("Audio"),
    "v360": _("Video up to 360p"),
    "v720": _("Video up to 720p"),
    "v1080": _("Video up to 1080p"),
    "content": _("Screen share"),
}
