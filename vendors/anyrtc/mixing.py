"""The vendor-neutral MixLayout as an anyRTC mix recording layout, and back.

anyRTC draws any geometry: a custom layout (mixedVideoLayout 3) with one layoutConfig
entry per pane, later entries on top (so panes go out in z order), alpha and a crop or fit
render mode per pane, background `#RRGGBB`, at most 17 panes. It mixes users' streams by
uid, with no choice of camera or screen: a screen-share pane cannot be expressed.
"""

from __future__ import annotations

from vendors.base.errors import ValidationError
from vendors.base.mixing import Presets, Translation
from vendors.base.types import MixLayout, Pane, RenderMode, Rgb, SourceType

from .errors import VENDOR
from .models import Layout, LayoutPane
from .rules import MAX_PANES

CUSTOM = 3
RENDER_MODES = {RenderMode.CROP: 0, RenderMode.FIT: 1}


def problems(layout: MixLayout) -> list[str]:
    """Why anyRTC cannot record this layout (empty when it can)."""
    found = []
    if not layout.panes:
        found.append("a layout needs at least one pane")
    if len(layout.panes) > MAX_PANES:
        found.append(f"anyRTC mixes at most {MAX_PANES} panes; this layout has {len(layout.panes)}")
    if any(pane.source is SourceType.SCREEN for pane in layout.panes):
        found.append("anyRTC mixes each user's stream as published, with no camera or screen choice")
    for number, pane in enumerate(layout.panes, 1):
        if pane.x + pane.width > 1.0 + 1e-9 or pane.y + pane.height > 1.0 + 1e-9:
            found.append(f"pane {number} reaches past the canvas")
    bound = [pane.user_id for pane in layout.panes if pane.user_id]
    if len(bound) != len(set(bound)):
        found.append("a user can be bound to one pane only")
    return found


def to_layout(layout: MixLayout) -> Layout:
    trouble = problems(layout)
    if trouble:
        raise ValidationError("; ".join(trouble), field="layoutConfig", vendor=VENDOR)
    ordered = sorted(layout.panes, key=lambda pane: pane.z)
    return Layout(
        mixed_video_layout=CUSTOM,
        background_color=layout.background.hex,
        panes=tuple(
            LayoutPane(
                x=pane.x,
                y=pane.y,
                width=pane.width,
                height=pane.height,
                uid=pane.user_id,
                alpha=pane.alpha,
                render_mode=RENDER_MODES[pane.render_mode],
            )
            for pane in ordered
        ),
    )


def from_layout(layout: Layout) -> MixLayout:
    if layout.mixed_video_layout != CUSTOM:
        raise ValidationError(
            "only a custom layout (mixedVideoLayout 3) has panes to show", field="mixedVideoLayout", vendor=VENDOR
        )
    modes = {value: mode for mode, value in RENDER_MODES.items()}
    panes = tuple(
        Pane(
            pane.x,
            pane.y,
            pane.width,
            pane.height,
            z=index,
            user_id=pane.uid,
            source=SourceType.CAMERA,
            render_mode=modes.get(pane.render_mode, RenderMode.CROP),
            alpha=pane.alpha,
        )
        for index, pane in enumerate(layout.panes)
    )
    return MixLayout(panes, background=Rgb.from_hex(layout.background_color), crop_mode=RenderMode.FIT)


def translate(layout: MixLayout, presets: Presets | None = None) -> Translation:
    """The preview's answer: why not, or the layout as anyRTC will draw it (it has no presets)."""
    trouble = problems(layout)
    if trouble:
        return Translation(tuple(trouble))
    sent = to_layout(layout)
    return Translation(
        drawn=from_layout(sent),
        facts=(
            ("mixedVideoLayout", str(sent.mixed_video_layout)),
            ("backgroundColor", sent.background_color),
            ("layoutConfig", f"{len(sent.panes)} panes, bottom to top"),
        ),
    )
