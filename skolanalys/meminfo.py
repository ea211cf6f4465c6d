"""The kernel's memory figures (/proc/meminfo), in bytes: how much an attendance load may hold in memory, and what
the benches report of the machine. (psutil, which would give them too, is not among the project's packages on
Linux.)"""

from __future__ import annotations

import contextlib
from pathlib import Path


def meminfo(field: str) -> int:
    """/proc/meminfo's `field` (MemTotal, MemAvailable, Shmem, …) in bytes; 0 where it is not to be had."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == field:
                return int(value.split()[0]) * 1024
    return 0
