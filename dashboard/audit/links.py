"""Links from audit entries to the pages of what they acted on.

The audit app sits below the apps that record into it, so it cannot look their objects up:
each app registers, from its AppConfig.ready(), a function that takes a page of entries
(of the actions it names) and answers the URL of each target it still knows. One call per
app per page, so a page of entries costs a handful of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .models import AuditEntry

Linker = Callable[[Sequence[AuditEntry]], dict[int, str]]
LINKERS: dict[str, Linker] = {}


def register(prefixes: Iterable[str], linker: Linker) -> None:
    """`prefixes`: the actions, or their prefix before the dot ("live" for "live.kick")."""
    for prefix in prefixes:
        LINKERS[prefix] = linker


def target_links(entries: Sequence[AuditEntry]) -> dict[int, str]:
    """Entry pk -> the URL of its target's page, for entries of a tenant whose target is known."""
    groups: dict[Linker, list[AuditEntry]] = {}
    for entry in entries:
        if entry.tenant_id is None:
            continue
        linker = LINKERS.get(entry.action) or LINKERS.get(entry.action.split(".", 1)[0])
        if linker is not None:
            groups.setdefault(linker, []).append(entry)
    links: dict[int, str] = {}
    for linker, group in groups.items():
        links |= linker(group)
    return links


def reason(entry: AuditEntry) -> str:
    """The reason an admin gave (a kick, a close), kept in the entry's detail."""
    value = entry.detail.get("reason", "") if isinstance(entry.detail, dict) else ""
    return value if isinstance(value, str) else ""
