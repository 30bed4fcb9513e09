"""Which start options of a recording each capability offers, written once: the start form
shows only these, and the recording keeps (and the audit log shows) only these."""

from __future__ import annotations

from vendors.base.provider import Capability, VendorInfo

OFFERED_BY: dict[str, Capability] = {
    "kind": Capability.RECORDING_IMAGES,
    "mixed": Capability.RECORDING_LAYOUT,
    "template": Capability.RECORDING_LAYOUT,
    "resolution": Capability.RECORDING_RESOLUTION,
    "featured_user": Capability.RECORDING_FEATURED_USER,
    "storage": Capability.RECORDING_STORAGE,
    "rule": Capability.RECORDING_RULES,
}


def offered(info: VendorInfo, option: str) -> bool:
    """Whether the vendor takes this option; one no capability governs (the users) always is."""
    capability = OFFERED_BY.get(option)
    return capability is None or info.can(capability)
