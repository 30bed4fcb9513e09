"""One vendor-neutral layout, translated to Aliyun MPU and to anyRTC mix recording: round
trips for everything each vendor can draw, and clear refusals for what it cannot."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendors.aliyun import mixing as aliyun
from vendors.aliyun import mpu
from vendors.aliyun.layouts import PRESETS
from vendors.anyrtc import mixing as anyrtc
from vendors.anyrtc.rules import check_layout
from vendors.base.errors import ValidationError
from vendors.base.types import MixLayout, Pane, RenderMode, Rgb, SourceType


def preset_layout(layout_id: int, mode: RenderMode = RenderMode.FIT, users: int = 2) -> MixLayout:
    boxes = PRESETS[layout_id].boxes
    panes = tuple(
        Pane(
            x,
            y,
            w,
            h,
            z=i,
            user_id=f"user-{i}" if i < users else None,
            source=SourceType.SCREEN if i == 1 else SourceType.CAMERA,
            render_mode=mode,
        )
        for i, (x, y, w, h) in enumerate(boxes)
    )
    return MixLayout(panes, background=Rgb(12, 34, 56), crop_mode=mode)


@pytest.mark.parametrize("layout_id", sorted(PRESETS))
@pytest.mark.parametrize("mode", [RenderMode.CROP, RenderMode.FIT])
def test_every_preset_round_trips_through_aliyun_and_passes_the_clients_own_checks(layout_id: int, mode) -> None:
    layout = preset_layout(layout_id, mode)
    translated = aliyun.to_mpu(layout)
    assert translated.layout_id == layout_id and translated.crop_mode == {RenderMode.CROP: 1, RenderMode.FIT: 2}[mode]
    assert translated.background_color == 12 + 34 * 256 + 56 * 65536
    mpu.check_layout_ids([translated.layout_id])
    mpu.check_user_panes(translated.user_panes)
    mpu.check_background(translated.background_color)
    mpu.check_crop_mode(translated.crop_mode, (1, 2))
    assert aliyun.from_mpu(translated) == layout
    assert aliyun.to_mpu(aliyun.from_mpu(translated)) == translated


def test_aliyun_pane_order_does_not_matter_and_unbound_panes_wait_for_the_next_to_join() -> None:
    layout = preset_layout(5, users=1)
    shuffled = MixLayout(tuple(reversed(layout.panes)), layout.background, layout.crop_mode)
    translated = aliyun.to_mpu(shuffled)
    assert translated == aliyun.to_mpu(layout)
    assert [(p.pane_id, p.user_id, p.source_type) for p in translated.user_panes] == [
        (0, "user-0", "camera"),
        (1, "", "shareScreen"),
        (2, "", "camera"),
        (3, "", "camera"),
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: (*p[:1], Pane(0.52, 0.0, 0.48, 1.0)), "only its preset layouts"),
        (lambda p: tuple(Pane(x.x, x.y, x.width, x.height, alpha=0.5) for x in p), "opaque"),
        (lambda p: (p[0], Pane(p[1].x, p[1].y, p[1].width, p[1].height, render_mode=RenderMode.CROP)), "same way"),
        (lambda p: tuple(Pane(x.x, x.y, x.width, x.height, user_id="same") for x in p), "one pane only"),
        (lambda p: (), "at least one pane"),
    ],
)
def test_aliyun_refuses_what_mpu_cannot_draw_and_says_why(change, reason: str) -> None:
    layout = preset_layout(2)
    broken = MixLayout(change(layout.panes), layout.background, layout.crop_mode)
    with pytest.raises(ValidationError, match=reason):
        aliyun.to_mpu(broken)
    seventeen = MixLayout(tuple(Pane(0, 0, 0.1, 0.1) for _ in range(17)))
    assert "at most 16" in aliyun.problems(seventeen)[0]


UNIT = st.floats(min_value=0.0, max_value=1.0, allow_nan=False).map(lambda v: round(v, 4))


@st.composite
def anyrtc_layouts(draw: st.DrawFn) -> MixLayout:
    count = draw(st.integers(1, 17))
    users = draw(st.lists(st.text("abc123", min_size=1, max_size=6), unique=True, min_size=count, max_size=count))
    panes = []
    for index in range(count):
        x, y = draw(UNIT), draw(UNIT)
        w = round(draw(st.floats(0.0, 1.0 - x)), 4) if x < 1 else 0.0
        h = round(draw(st.floats(0.0, 1.0 - y)), 4) if y < 1 else 0.0
        panes.append(
            Pane(
                x,
                y,
                min(w, 1.0 - x),
                min(h, 1.0 - y),
                z=index,
                user_id=draw(st.sampled_from([users[index], None])),
                render_mode=draw(st.sampled_from(list(RenderMode))),
                alpha=draw(UNIT),
            )
        )
    colour = Rgb(draw(st.integers(0, 255)), draw(st.integers(0, 255)), draw(st.integers(0, 255)))
    return MixLayout(tuple(panes), background=colour, crop_mode=RenderMode.FIT)


@given(anyrtc_layouts())
def test_any_layout_anyrtc_can_draw_round_trips_and_its_own_rules_accept_it(layout: MixLayout) -> None:
    translated = anyrtc.to_layout(layout)
    assert check_layout(translated.to_json(), "transcodingConfig", 2) is None
    assert anyrtc.from_layout(translated) == layout


def test_anyrtc_sends_panes_in_z_order_and_refuses_what_it_cannot_draw() -> None:
    low, high = Pane(0, 0, 1, 1, z=0, user_id="host"), Pane(0.7, 0.7, 0.3, 0.3, z=5, user_id="guest")
    assert [p.uid for p in anyrtc.to_layout(MixLayout((high, low))).panes] == ["host", "guest"]
    for bad, reason in [
        (MixLayout((Pane(0, 0, 1, 1, source=SourceType.SCREEN),)), "no camera or screen choice"),
        (MixLayout(tuple(Pane(0, 0, 0.1, 0.1) for _ in range(18))), "at most 17"),
        (MixLayout((Pane(0.5, 0, 0.6, 1),)), "past the canvas"),
        (MixLayout((Pane(0, 0, 1, 1, user_id="a"), Pane(0, 0, 1, 1, user_id="a"))), "one pane only"),
    ]:
        with pytest.raises(ValidationError, match=reason):
            anyrtc.to_layout(bad)
