"""What the machine has: llama.cpp runs fastest with one thread per physical core."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def linux_physical_cores(cpuinfo: str) -> int:
    """Distinct (physical id, core id) pairs in /proc/cpuinfo; 0 when it does not say."""
    cores, physical = set(), "0"
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        name = name.strip()
        if name == "physical id":
            physical = value.strip()
        elif name == "core id":
            cores.add((physical, value.strip()))
    return len(cores)


def counted_cores() -> int:
    """Physical cores as the system reports them; 0 when it does not say."""
    try:
        if sys.platform.startswith("linux"):
            return linux_physical_cores(CPUINFO.read_text(encoding="utf-8", errors="replace"))
        if sys.platform == "darwin":
            answer = subprocess.run(
                ["sysctl", "-n", "hw.physicalcpu"], capture_output=True, text=True, timeout=5
            )
            return int(answer.stdout.strip() or 0)
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    return 0


def physical_cores() -> int:
    """Physical cores: hyper-threads slow llama.cpp down. Where the system does not say (Windows
    without extra packages), half the logical CPUs, as llama-cpp-python itself assumes."""
    logical = os.cpu_count() or 1
    return max(1, min(counted_cores() or logical // 2, logical))
