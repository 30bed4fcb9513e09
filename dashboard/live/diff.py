"""What changed between two polls of a channel: a pure function, so every rule is testable.

Rules:
- listed now, not before: a join (a member kicked earlier who is listed again after
  having dropped out is a join too, "back after a kick");
- listed before, not now: a leave, caused by a kick when one was sent;
- kicked and still listed: a ghost. It stays in the list, marked, until the vendor drops it;
  no event is written for it, because nothing changed at the vendor yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from vendors.base.types import Member


@dataclass(frozen=True, slots=True)
class Known:
    """What the console knew of a member before this poll."""

    user_id: str
    role: str
    kicked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Change:
    user_id: str
    role: str
    cause: str = ""  # "", "kicked", "rejoin"


@dataclass(slots=True)
class Diff:
    joined: list[Change] = field(default_factory=list)
    left: list[Change] = field(default_factory=list)
    ghosts: list[str] = field(default_factory=list)
    role_changed: dict[str, str] = field(default_factory=dict)
    stayed: int = 0


def diff(known: Mapping[str, Known], listed: Iterable[Member], *, rejoined: Iterable[str] = ()) -> Diff:
    """Compare the console's members with the vendor's list.

    `rejoined` names users kicked earlier and seen gone since, so their return is told
    apart from an ordinary join.
    """
    result = Diff()
    back = set(rejoined)
    seen: set[str] = set()
    for member in listed:
        if member.user_id in seen:
            continue  # a user with two terminals is one member
        seen.add(member.user_id)
        role = member.role.value
        before = known.get(member.user_id)
        if before is None:
            result.joined.append(Change(member.user_id, role, "rejoin" if member.user_id in back else ""))
            continue
        result.stayed += 1
        if before.kicked_at is not None:
            result.ghosts.append(member.user_id)
        if before.role != role:
            result.role_changed[member.user_id] = role
    for user_id, before in known.items():
        if user_id not in seen:
            result.left.append(Change(user_id, before.role, "kicked" if before.kicked_at else ""))
    return result
