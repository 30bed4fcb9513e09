"""Layouts as stored (JSON) and as the vendor layer speaks them (MixLayout), the editor's
presets, and a preset-mixing vendor's catalogue as staff keep it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from vendors.base.mixing import PresetLayout, Presets
from vendors.base.provider import VendorInfo
from vendors.base.types import MixLayout, Pane, RenderMode, Rgb, SourceType

from .models import MpuPreset

GRID = 40  # panes snap to 1/40 of the canvas


class LayoutError(ValueError):
    """A stored or submitted layout that does not make sense."""


def _grid(columns: int, rows: int) -> list[tuple[float, float, float, float]]:
    return [(c / columns, r / rows, 1 / columns, 1 / rows) for r in range(rows) for c in range(columns)]


def _speaker(strip: int) -> list[tuple[float, float, float, float]]:
    return [(0.0, 0.0, 1.0, 0.75)] + [(i / strip, 0.75, 1 / strip, 0.25) for i in range(strip)]


EDITOR_PRESETS: dict[str, tuple[Any, list[tuple[float, float, float, float]]]] = {
    "single": (_("Single"), [(0.0, 0.0, 1.0, 1.0)]),
    "side-by-side": (_("Side by side"), _grid(2, 1)),
    "grid-2": (_("Grid 2x2"), _grid(2, 2)),
    "grid-3": (_("Grid 3x3"), _grid(3, 3)),
    "grid-4": (_("Grid 4x4"), _grid(4, 4)),
    "speaker": (_("Speaker with strip"), _speaker(3)),
}


def preset_layout(key: str) -> MixLayout:
    _label, boxes = EDITOR_PRESETS[key]
    panes = tuple(Pane(x, y, w, h, z=i, render_mode=RenderMode.FIT) for i, (x, y, w, h) in enumerate(boxes))
    return MixLayout(panes, crop_mode=RenderMode.FIT)


def _number(value: Any, name: str, low: float = 0.0, high: float = 1.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise LayoutError(f"{name} is not a number") from None
    if not low <= number <= high:
        raise LayoutError(f"{name} must be between {low:g} and {high:g}")
    return round(number, 4)


def from_json(data: Mapping[str, Any]) -> MixLayout:
    try:
        panes = tuple(
            Pane(
                x=_number(p.get("x"), "x"),
                y=_number(p.get("y"), "y"),
                width=_number(p.get("width"), "width"),
                height=_number(p.get("height"), "height"),
                z=int(_number(p.get("z", i), "z", 0, 99)),
                user_id=(str(p["user_id"]).strip()[:128] or None) if p.get("user_id") else None,
                source=SourceType(p.get("source", "camera")),
                render_mode=RenderMode(p.get("render_mode", "crop")),
                alpha=_number(p.get("alpha", 1.0), "alpha"),
            )
            for i, p in enumerate(data.get("panes", []))
        )
        return MixLayout(
            panes,
            background=Rgb.from_hex(str(data.get("background", "#000000"))),
            crop_mode=RenderMode(data.get("crop_mode", "fit")),
        )
    except (AttributeError, KeyError) as error:
        raise LayoutError(f"malformed layout: {error}") from None
    except ValueError as error:
        raise LayoutError(str(error)) from None


def to_json(layout: MixLayout) -> dict[str, Any]:
    return {
        "panes": [
            {
                "x": pane.x,
                "y": pane.y,
                "width": pane.width,
                "height": pane.height,
                "z": pane.z,
                "user_id": pane.user_id or "",
                "source": pane.source.value,
                "render_mode": pane.render_mode.value,
                "alpha": pane.alpha,
            }
            for pane in layout.panes
        ],
        "background": layout.background.hex,
        "crop_mode": layout.crop_mode.value,
    }


def catalogue(info: VendorInfo) -> Presets | None:
    """The vendor's preset layouts as staff keep them (its shipped catalogue until they change
    it); None for a vendor that mixes any geometry. MpuPreset holds one vendor's catalogue:
    the only vendor that mixes presets so far (a second would need a vendor column there)."""
    if info.mixer is None or not info.mixer.presets:
        return None
    stored = {
        row.layout_id: PresetLayout(row.layout_id, row.name, tuple(tuple(box) for box in row.boxes))
        for row in MpuPreset.objects.all()
    }
    return stored or dict(info.mixer.presets)
