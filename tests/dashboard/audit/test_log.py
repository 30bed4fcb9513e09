"""dashboard/audit/log.py: only known actions are recorded."""

from __future__ import annotations

import pytest

from dashboard.audit.log import record
from tests.dashboard.conftest import World2


def test_unknown_actions_are_refused(two_tenants: World2) -> None:
    with pytest.raises(ValueError):
        record(two_tenants.acme_admin, "made.up")
