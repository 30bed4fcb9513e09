"""What a vendor that mixes declares through its VendorInfo: how a neutral layout becomes
what it will be sent (or why it cannot), drawn back for the console's preview; its preset
catalogue where it mixes only presets; and the options a pushed mix starts with.

The console loops over the vendors that declare a Mixer; it never names one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .types import Encoding, MixLayout

Box = tuple[float, float, float, float]  # x, y, width, height, each 0 to 1


@dataclass(frozen=True, slots=True)
class PresetLayout:
    """One of a vendor's named layouts: pane boxes in normalized canvas coordinates, pane index = pane id."""

    layout_id: int
    name: str
    boxes: tuple[Box, ...]

    @property
    def pane_count(self) -> int:
        return len(self.boxes)


Presets = Mapping[int, PresetLayout]


@dataclass(frozen=True, slots=True)
class Translation:
    """A layout in a vendor's terms: the reasons it cannot be sent, or what the vendor will
    draw from what it is sent, with the fields sent by the vendor's own names."""

    problems: tuple[str, ...] = ()
    drawn: MixLayout | None = None
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class PushOptions:
    """What a mixed stream pushed to a CDN starts with (Capability.MIXING)."""

    encodings: Mapping[int, Encoding]  # the vendor's encoding codes; width 0 is audio only
    profiles: tuple[str, ...]  # billing profiles (inputs and resolution)
    default_encoding: int
    default_profile: str
    # Each raises ValidationError with the vendor's reason.
    check_destination: Callable[[str], None]  # the push address
    check_encoding: Callable[[int, str, int], None]  # encoding, profile, the layout's pane count


@dataclass(frozen=True, slots=True)
class Mixer:
    """A vendor's layout translator. `presets` is the shipped catalogue where the vendor mixes
    only its preset layouts (the console keeps an editable copy and passes it back);
    `push` is set where the vendor pushes mixed streams."""

    translate: Callable[[MixLayout, Presets | None], Translation]
    presets: Presets = field(default_factory=lambda: MappingProxyType({}))
    push: PushOptions | None = None
