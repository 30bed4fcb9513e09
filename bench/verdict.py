"""The line a page benchmark ends with: its slowest case's p95 against the target, as a ratio."""

from __future__ import annotations


def slowest_p95(p95_ms: dict[str, float], target_ms: float) -> str:
    case, slowest = max(p95_ms.items(), key=lambda item: item[1])
    return f"slowest p95 {slowest:.1f} ms ({case}); target under {target_ms:.0f} ms, ratio {slowest / target_ms:.2f}"
