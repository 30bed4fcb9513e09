"""What the machine's processes and cores used, read from Linux's /proc (zeros elsewhere).

The benchmarks run on virtual machines of a shared host: when the host is busy, its hypervisor
takes time from our cores ("steal"), and the same code then runs up to twice as long. Printed
beside a figure, it tells a slow machine from slow code."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_of(pid: int) -> float:
    """User and system seconds of a running process so far (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_cpu() -> tuple[float, float]:
    """Seconds all cores spent busy since boot, and seconds the hypervisor took from them."""
    try:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


def servers_cpu() -> dict[str, float]:
    """User and system seconds of the local PostgreSQL and Redis: every process of theirs now,
    plus what their ended children (PostgreSQL's backends) used."""
    used = {"PostgreSQL": 0.0, "Redis": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        name = head.split("(", 1)[1]
        server = "PostgreSQL" if name.startswith("postgres") else "Redis" if name.startswith("redis-server") else None
        if server:
            used[server] += sum(int(n) for n in tail.split()[11:15]) / TICK  # its own and its ended children's
    return used


class Stolen:
    """The hypervisor's share of the cores' time from its start to `share()`."""

    def __init__(self) -> None:
        self.busy, self.stolen = machine_cpu()

    def share(self) -> float:
        busy, stolen = machine_cpu()
        taken = stolen - self.stolen
        return taken / max(busy - self.busy + taken, 1e-9)
