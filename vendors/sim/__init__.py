"""The shared synthetic world, fault settings and loopback HTTP server for simulators."""

from __future__ import annotations

from typing import Protocol

import httpx

from .faults import Faults
from .world import World, WorldOptions


class Simulator(Protocol):
    vendor: str

    def handle(self, request: httpx.Request) -> httpx.Response: ...

    def demo_credentials(self) -> dict[str, str]: ...

    def demo_account(self, share: int, shares: int) -> dict[str, str]:
        """Credentials for a demo tenant that sees its own part of the world's apps."""
        ...

    def demo_app_ids(self, share: int, shares: int) -> list[str]:
        """The apps those credentials reach."""
        ...

    def demo_channel_ids(self, app_id: str) -> list[str]:
        """Channels of the app a console user would add by id (where the vendor cannot list them)."""
        ...


def build_simulators(world: World, faults: Faults | None = None) -> list[Simulator]:
    """One simulator per vendor that has one, all over the same world."""
    # Imported here: each vendor's simulator imports this package for the world.
    from vendors.aliyun.sim import AliyunSimulator
    from vendors.anyrtc.sim import AnyRtcSimulator
    from vendors.isdp.sim import IsdpSimulator
    from vendors.uprtc.sim import UprtcSimulator

    return [sim(world, faults=faults) for sim in (AliyunSimulator, AnyRtcSimulator, IsdpSimulator, UprtcSimulator)]


__all__ = ["Faults", "Simulator", "World", "WorldOptions", "build_simulators"]
