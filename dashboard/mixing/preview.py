"""What each mixing vendor would be sent for a layout, drawn back as SVG, with the reasons
when it cannot be sent. The drawing is made from the translated layout, not from the
editor's, so what you see is what the vendor gets."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from vendors import registry
from vendors.base.errors import ValidationError
from vendors.base.provider import VendorInfo
from vendors.base.types import MixLayout, SourceType

from .layouts import catalogue
from .models import MpuPreset

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


def preview(info: VendorInfo, layout: MixLayout) -> VendorPreview:
    """What this mixing vendor would be sent for the layout, drawn back, or why it cannot be."""
    assert info.mixer is not None, f"{info.name} does not mix"  # called for registry.mixers() only
    presets = catalogue(info)
    try:
        translation = info.mixer.translate(layout, presets)
    except ValidationError as error:  # a translator's own refusal: show it like the others
        return VendorPreview(info.name, info.label, [error.message])
    shown = VendorPreview(info.name, info.label, list(translation.problems), facts=list(translation.facts))
    if presets is not None:
        shown.note = _(
            "The specification of %(vendor)s names its preset layouts without drawing them: the pane positions "
            "used here are our catalogue, which staff can correct in Administration (%(catalogue)s)."
        ) % {"vendor": info.label, "catalogue": MpuPreset._meta.verbose_name_plural}
    if translation.ok and translation.drawn is not None:
        shown.svg = svg(translation.drawn)
    return shown


def previews(layout: MixLayout) -> list[VendorPreview]:
    return [preview(info, layout) for info in registry.mixers()]
