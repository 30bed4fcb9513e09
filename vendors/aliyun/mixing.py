"""The vendor-neutral MixLayout in Aliyun MPU terms, and back.

Aliyun mixes only its preset layouts (LayoutIds): a layout translates when its panes sit
exactly where a preset's panes sit (our documented catalogue in layouts.py, editable by
staff in the console). Each pane then becomes a UserPane (PaneId = the preset's pane
index) bound to a user or left for whoever joins next, with camera or screen as source.
What MPU cannot express is listed, all at once, so an editor can explain it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vendors.base.errors import ValidationError
from vendors.base.mixing import PresetLayout, Presets, Translation
from vendors.base.types import MixLayout, Pane, RenderMode, SourceType

from .layouts import PRESETS
from .mpu import VENDOR, UserPane, background_color, rgb_of

MAX_PANES = 16
TOLERANCE = 0.005  # normalized units: a drag snapped to a 1% grid still lands on the preset
CROP_MODES = {RenderMode.CROP: 1, RenderMode.FIT: 2}
SOURCES = {SourceType.CAMERA: "camera", SourceType.SCREEN: "shareScreen"}


@dataclass(frozen=True, slots=True)
class MpuLayout:
    layout_id: int
    user_panes: tuple[UserPane, ...]
    background_color: int
    crop_mode: int


def _same_box(pane: Pane, box: tuple[float, float, float, float]) -> bool:
    return all(abs(a - b) <= TOLERANCE for a, b in zip((pane.x, pane.y, pane.width, pane.height), box, strict=True))


def match_preset(
    panes: tuple[Pane, ...], catalogue: Mapping[int, PresetLayout]
) -> tuple[PresetLayout, list[int]] | None:
    """The preset whose boxes are exactly these panes, with each pane's box index."""
    for preset in catalogue.values():
        if preset.pane_count != len(panes):
            continue
        indexes: list[int] = []
        for pane in panes:
            index = next(
                (i for i, box in enumerate(preset.boxes) if i not in indexes and _same_box(pane, box)),
                None,
            )
            if index is None:
                break
            indexes.append(index)
        else:
            return preset, indexes
    return None


def problems(layout: MixLayout, catalogue: Mapping[int, PresetLayout] = PRESETS) -> list[str]:
    """Why Aliyun MPU cannot mix this layout (empty when it can)."""
    found = []
    if not layout.panes:
        found.append("a layout needs at least one pane")
    if len(layout.panes) > MAX_PANES:
        found.append(f"Aliyun mixes at most {MAX_PANES} panes; this layout has {len(layout.panes)}")
    elif layout.panes and match_preset(layout.panes, catalogue) is None:
        counts = sorted({p.pane_count for p in catalogue.values()})
        found.append(
            "Aliyun mixes only its preset layouts: no LayoutId has "
            f"{len(layout.panes)} panes at these places (presets have {', '.join(map(str, counts))} panes; "
            "start from a preset and keep its panes where they are)"
        )
    if any(pane.alpha < 1.0 for pane in layout.panes):
        found.append("Aliyun panes are opaque: set every pane's transparency to none")
    modes = {pane.render_mode for pane in layout.panes}
    if len(modes) > 1:
        found.append("Aliyun crops or fits every pane the same way (CropMode): give all panes the same render mode")
    bound = [pane.user_id for pane in layout.panes if pane.user_id]
    if len(bound) != len(set(bound)):
        found.append("a user can be bound to one pane only")
    return found


def to_mpu(layout: MixLayout, catalogue: Mapping[int, PresetLayout] = PRESETS) -> MpuLayout:
    trouble = problems(layout, catalogue)
    if trouble:
        raise ValidationError("; ".join(trouble), field="layout", vendor=VENDOR)
    preset, indexes = match_preset(layout.panes, catalogue)  # type: ignore[misc]
    user_panes = tuple(
        sorted(
            (
                UserPane(pane_id=index, user_id=pane.user_id or "", source_type=SOURCES[pane.source])
                for pane, index in zip(layout.panes, indexes, strict=True)
            ),
            key=lambda user_pane: user_pane.pane_id,
        )
    )
    mode = layout.panes[0].render_mode if layout.panes else layout.crop_mode
    return MpuLayout(preset.layout_id, user_panes, background_color(layout.background), CROP_MODES[mode])


def from_mpu(mpu: MpuLayout, catalogue: Mapping[int, PresetLayout] = PRESETS) -> MixLayout:
    """What a running task's layout looks like, in the console's terms."""
    preset = catalogue.get(mpu.layout_id)
    if preset is None:
        raise ValidationError(f"unknown LayoutId {mpu.layout_id}", field="LayoutIds", vendor=VENDOR)
    mode = next((m for m, value in CROP_MODES.items() if value == mpu.crop_mode), RenderMode.FIT)
    bound = {user_pane.pane_id: user_pane for user_pane in mpu.user_panes}
    panes = []
    for index, (x, y, width, height) in enumerate(preset.boxes):
        user_pane = bound.get(index)
        source = SourceType.SCREEN if user_pane and user_pane.source_type == "shareScreen" else SourceType.CAMERA
        panes.append(
            Pane(
                x,
                y,
                width,
                height,
                z=index,
                user_id=(user_pane.user_id or None) if user_pane else None,
                source=source,
                render_mode=mode,
            )
        )
    return MixLayout(tuple(panes), background=rgb_of(mpu.background_color), crop_mode=mode)


def translate(layout: MixLayout, presets: Presets | None = None) -> Translation:
    """The preview's answer: why not, or the task's layout as MPU will draw it."""
    catalogue = presets or PRESETS
    trouble = problems(layout, catalogue)
    if trouble:
        return Translation(tuple(trouble))
    sent = to_mpu(layout, catalogue)
    return Translation(
        drawn=from_mpu(sent, catalogue),
        facts=(
            ("LayoutIds", str(sent.layout_id)),
            ("CropMode", str(sent.crop_mode)),
            ("BackgroundColor", str(sent.background_color)),
            ("UserPanes", ", ".join(f"{p.pane_id}:{p.user_id or '-'}:{p.source_type}" for p in sent.user_panes)),
        ),
    )
