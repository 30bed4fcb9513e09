"""What pages may offer for a vendor account, from the vendor's declared capabilities
(never from its name)."""

from __future__ import annotations

from dashboard.credentials.models import VendorAccount
from vendors.base.provider import Capability


def account_features(account: VendorAccount) -> dict[str, bool]:
    info = account.info
    return {
        "can_list": info.can(Capability.LIST_APPS),
        "can_usage": info.can(Capability.USAGE_STATS),
        "can_rename": info.can(Capability.RENAME_APP),
        "can_records": info.can(Capability.CHANNEL_RECORDS),
        "can_membership": info.can(Capability.LIVE_MEMBERSHIP),
        "can_session": info.can(Capability.MEMBER_SESSION),
        "can_kick": info.can(Capability.KICK),
        "can_close": info.can(Capability.CLOSE_CHANNEL),
        "can_create": info.can(Capability.CREATE_CHANNEL),
        "can_mixing": info.can(Capability.MIXING),
        "can_recording": info.can(Capability.RECORDING),
        "can_recording_rules": info.can(Capability.RECORDING_RULES),
        "can_channels": any(
            info.can(c)
            for c in (Capability.LIVE_MEMBERSHIP, Capability.KICK, Capability.CLOSE_CHANNEL, Capability.RECORDING)
        ),
    }
