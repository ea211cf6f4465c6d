"""A process's start without the cyclic garbage collector's full passes over what the start builds.

A process's start builds objects that live as long as it does: `skolanalys run` imports Dagster and builds the
definitions (~220,000 objects), the warm dbt process (pipelines/dbt_warm.py) imports dbt and parses the project
(~280,000). The collector passes over all of them each time they have grown by a quarter: in a kavlinge build
0.3 s of the run's process and 0.76 s of dbt's before its first node, measured with `gc.callbacks`. `pause()`
turns the collector off for the start; `settle()` then moves what the start built out of its reach (`gc.freeze`)
and turns it on again, so the rest of the process's garbage is collected as before. Only a process that paused
settles: a command run in-process (the tests) keeps the collector as it is.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def settle() -> None:
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False
