"""Start the simulators in their own process (`python -m vendors.sim`) for a benchmark."""

from __future__ import annotations

import subprocess
import sys


def start_aliyun(*arguments: str) -> tuple[subprocess.Popen, str, dict[str, str]]:
    """The simulator process, the Aliyun simulator's address and its demo credentials."""
    process = subprocess.Popen([sys.executable, "-m", "vendors.sim", *arguments], stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        vendor, url, *pairs = line.strip().split("\t")
        if vendor == "aliyun":
            return process, url, dict(pair.split("=", 1) for pair in pairs)
    raise SystemExit("the simulator did not start")
