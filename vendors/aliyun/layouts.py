"""Catalogue of Aliyun MPU LayoutIds.

The spec names LayoutIds but does not define their geometry; it only says that layouts 2
and 3 both have two panes. This catalogue is our documented assumption (pane boxes in
normalized canvas coordinates, pane index = PaneId). The console lets staff edit its copy;
the simulator uses it to count panes.
"""

from __future__ import annotations

from vendors.base.mixing import PresetLayout


def _grid(columns: int, rows: int) -> tuple[tuple[float, float, float, float], ...]:
    w, h = 1 / columns, 1 / rows
    return tuple((c * w, r * h, w, h) for r in range(rows) for c in range(columns))


def _speaker_with_strip(strip: int) -> tuple[tuple[float, float, float, float], ...]:
    w = 1 / strip
    main = ((0.0, 0.0, 1.0, 0.75),)
    return main + tuple((i * w, 0.75, w, 0.25) for i in range(strip))


PRESETS: dict[int, PresetLayout] = {
    preset.layout_id: preset
    for preset in (
        PresetLayout(1, "Single", ((0.0, 0.0, 1.0, 1.0),)),
        PresetLayout(2, "Side by side", _grid(2, 1)),
        PresetLayout(3, "Picture in picture", ((0.0, 0.0, 1.0, 1.0), (0.7, 0.7, 0.25, 0.25))),
        PresetLayout(4, "One large, two small", ((0.0, 0.0, 0.5, 1.0), (0.5, 0.0, 0.5, 0.5), (0.5, 0.5, 0.5, 0.5))),
        PresetLayout(5, "Grid 2x2", _grid(2, 2)),
        PresetLayout(6, "Speaker with strip of 3", _speaker_with_strip(3)),
        PresetLayout(7, "Grid 3x2", _grid(3, 2)),
        PresetLayout(8, "Speaker with strip of 5", _speaker_with_strip(5)),
        PresetLayout(9, "Grid 3x3", _grid(3, 3)),
        PresetLayout(10, "Grid 4x3", _grid(4, 3)),
        PresetLayout(11, "Grid 4x4", _grid(4, 4)),
    )
}


def pane_count(layout_id: int) -> int | None:
    preset = PRESETS.get(layout_id)
    return preset.pane_count if preset else None
