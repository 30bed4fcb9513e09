"""The spec's RepeatList parameters: ``Name.1=..&Name.2=..``, N from 1 without gaps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def repeat_list(prefix: str, values: Sequence[object]) -> dict[str, str]:
    """``LayoutIds.1=..&LayoutIds.2=..``: N from 1, contiguous."""
    return {f"{prefix}.{n}": str(value) for n, value in enumerate(values, start=1)}


def read_repeat_list(params: Mapping[str, str], prefix: str) -> list[str] | None:
    """Inverse of repeat_list; None when indices are not 1..N contiguous."""
    indexed: dict[int, str] = {}
    for key, value in params.items():
        head, dot, index = key.rpartition(".")
        if dot and head == prefix:
            if not index.isdigit():
                return None
            indexed[int(index)] = value
    if sorted(indexed) != list(range(1, len(indexed) + 1)):
        return None
    return [indexed[n] for n in range(1, len(indexed) + 1)]
