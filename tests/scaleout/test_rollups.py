"""The roll-ups on PostgreSQL while windows of several apps of one account, of two accounts of
one tenant, a recompute, an account's own peaks and the deletion of an app are written at once (READ COMMITTED, every
transaction on its own connection): no lost difference, no deadlock, no error, and the
roll-ups exact."""

from __future__ import annotations

import json

import pytest

from .cluster import Cluster

pytestmark = pytest.mark.scaleout


def test_windows_written_at_once_leave_exact_rollups(fresh: Cluster) -> None:
    out = fresh.shell("from tests.scaleout.rollup_writers import main; main()")
    run = json.loads(out.splitlines()[-1])
    assert run["errors"] == []
    assert run["deadlocks"] == [], "deadlocks (their victims were tried again)"
    assert run["equal"], "the roll-ups differ from a rebuild's sums of the samples"
    assert run["deleted_app_rows"] == 0
    assert run["account_days"] > 2 * 24 and run["tenant_days"] >= 2 * 24
    assert run["account_hours"] > 2 * 24
    assert run["tenant_months"] >= 2 * 2  # two statistics, two months
    # The writers did overlap: another writer's upsert of the same days waited for the first's
    # uncommitted changes (and then added to them).
    assert run["waits"].get("day_rows", 0) >= 1, run["waits"]
