"""What each mixing vendor would be sent for a layout, drawn back as SVG, with the reasons
when it cannot be sent. The drawing is made from the translated layout, not from the
editor's, so what you see is what the vendor gets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from vendors import registry
from vendors.aliyun import mixing as aliyun
from vendors.anyrtc import mixing as anyrtc
from vendors.base.errors import ValidationError
from vendors.base.types import MixLayout, SourceType

from .layouts import aliyun_catalogue

WIDTH, HEIGHT = 480, 270
FILLS = ("#0d6efd", "#6610f2", "#198754", "#fd7e14", "#d63384", "#20c997", "#6f42c1", "#0dcaf0")


@dataclass
class VendorPreview:
    vendor: str
    label: str
    problems: list[str]
    svg: SafeString | str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def svg(layout: MixLayout, width: int = WIDTH, height: int = HEIGHT, element_id: str = "") -> SafeString:
    """The canvas at `width` x `height`: background, then panes bottom to top, labelled."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="layout-canvas" role="img"'
        f'{f" id={chr(34)}{escape(element_id)}{chr(34)}" if element_id else ""} aria-label="{escape(_("Layout"))}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{escape(layout.background.hex)}"/>',
    ]
    for index, pane in sorted(enumerate(layout.panes), key=lambda item: item[1].z):
        x, y, w, h = pane.x * width, pane.y * height, pane.width * width, pane.height * height
        label = pane.user_id or _("next to join")
        if pane.source is SourceType.SCREEN:
            label += " · " + _("screen")
        parts.append(
            f'<g class="pane" data-pane="{index}"><rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{FILLS[index % len(FILLS)]}" fill-opacity="{0.85 * pane.alpha:.2f}" stroke="#ffffff" '
            f'stroke-width="1"/><text x="{x + 6:.1f}" y="{y + 16:.1f}" fill="#ffffff" font-size="12">'
            f"{index + 1}. {escape(label)}</text></g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _aliyun(layout: MixLayout) -> VendorPreview:
    catalogue = aliyun_catalogue()
    preview = VendorPreview("aliyun", registry.get("aliyun").label, aliyun.problems(layout, catalogue))
    preview.note = _(
        "Alibaba's specification names its LayoutIds without drawing them: the pane positions used here "
        "are our catalogue, which staff can correct in Administration (Aliyun MPU preset layouts)."
    )
    if preview.ok:
        sent = aliyun.to_mpu(layout, catalogue)
        preview.svg = svg(aliyun.from_mpu(sent, catalogue))
        preview.facts = [
            ("LayoutIds", str(sent.layout_id)),
            ("CropMode", str(sent.crop_mode)),
            ("BackgroundColor", str(sent.background_color)),
            ("UserPanes", ", ".join(f"{p.pane_id}:{p.user_id or '-'}:{p.source_type}" for p in sent.user_panes)),
        ]
    return preview


def _anyrtc(layout: MixLayout) -> VendorPreview:
    preview = VendorPreview("anyrtc", registry.get("anyrtc").label, anyrtc.problems(layout))
    if preview.ok:
        sent = anyrtc.to_layout(layout)
        preview.svg = svg(anyrtc.from_layout(sent))
        preview.facts = [
            ("mixedVideoLayout", str(sent.mixed_video_layout)),
            ("backgroundColor", sent.background_color),
            ("layoutConfig", _("%(count)d panes, bottom to top") % {"count": len(sent.panes)}),
        ]
    return preview


# The vendors that mix, and how the console speaks their layouts.
TRANSLATORS: dict[str, Callable[[MixLayout], VendorPreview]] = {"aliyun": _aliyun, "anyrtc": _anyrtc}


def previews(layout: MixLayout) -> list[VendorPreview]:
    found = []
    for vendor, translate in TRANSLATORS.items():
        try:
            found.append(translate(layout))
        except ValidationError as error:  # a translator's own refusal: show it like the others
            found.append(VendorPreview(vendor, registry.get(vendor).label, [error.message]))
    return found
