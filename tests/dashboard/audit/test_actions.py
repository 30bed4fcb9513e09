"""dashboard/audit/actions.py: the enumeration of audited actions and the code that records them agree."""

from __future__ import annotations

from pathlib import Path

from dashboard.audit.actions import ACTIONS

DASHBOARD = Path(__file__).resolve().parents[3] / "dashboard"


def _sources() -> str:
    return "\n".join(
        path.read_text() for path in DASHBOARD.rglob("*.py") if path.name != "actions.py" or path.parent.name != "audit"
    )


def test_every_listed_action_is_recorded_somewhere() -> None:
    code = _sources()
    unused = [action for action in ACTIONS if f'"{action}"' not in code]
    assert not unused, f"listed but never recorded: {unused}"


def test_the_room_controls_and_server_operations_are_enumerated() -> None:
    """Each change the room controls and the Servers page make at a vendor has its audit name
    (record() refuses any other: tests/dashboard/audit/test_log.py)."""
    room_controls = {"live.join_lock", "live.join_unlock", "live.block", "live.message", "live.invite"}
    room_controls |= {"live.co_host_add", "live.co_host_remove", "live.mirror_create", "live.merge", "live.separate"}
    room_controls |= {"live.merged_track", "server.recycle", "server.upload_url", "server.upload"}
    assert room_controls <= set(ACTIONS)
