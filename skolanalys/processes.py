"""Whether a process of this machine still exists: a run's (pipelines/run_monitor.py marks a dead run failed) or
a warm dbt process's owner (pipelines/dbt_warm.py removes a dead run's folder). Imports nothing heavy: the dbt
processes use it too."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
