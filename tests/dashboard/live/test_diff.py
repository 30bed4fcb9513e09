"""dashboard/live/diff.py: what changed between two polls of a channel."""

from __future__ import annotations

from dashboard.live.diff import Known, diff
from tests.dashboard.live.conftest import T0, members
from vendors.base.types import MemberRole


def test_diff_names_joins_leaves_and_members_who_stayed() -> None:
    known = {"a": Known("a", "communication"), "b": Known("b", "communication")}
    change = diff(known, members("b", "c", "c"))
    assert [c.user_id for c in change.joined] == ["c"]
    assert [c.user_id for c in change.left] == ["a"] and change.left[0].cause == ""
    assert change.stayed == 1 and change.ghosts == []


def test_diff_keeps_a_kicked_member_the_vendor_still_lists_as_a_ghost() -> None:
    known = {"a": Known("a", "communication", kicked_at=T0)}
    still_there = diff(known, members("a"))
    assert still_there.ghosts == ["a"] and not still_there.left and not still_there.joined
    gone = diff(known, members())
    assert [(c.user_id, c.cause) for c in gone.left] == [("a", "kicked")]


def test_diff_tells_a_rejoin_after_a_kick_from_a_first_join() -> None:
    change = diff({}, members("a", "b"), rejoined=["a"])
    assert {c.user_id: c.cause for c in change.joined} == {"a": "rejoin", "b": ""}


def test_diff_notices_a_role_change() -> None:
    change = diff({"a": Known("a", "viewer")}, members("a", role=MemberRole.CO_HOST))
    assert change.role_changed == {"a": "co_host"}
