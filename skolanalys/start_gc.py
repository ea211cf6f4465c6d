"""A process's start without the cyclic garbage collector's full passes over what the start builds.

A process's start builds objects that live as long as it does: `skolanalys run` imports Dagster and builds the
definitions (~220,000 objects), the warm dbt process (pipelines/dbt_warm.py) imports dbt and parses the project
(~280,000). The collector passes over all of them each time they have grown by a quarter: in a kavlinge build
0.3 s of the run's process and 0.76 s of dbt's before its first node, measured with `gc.callbacks`. `pause()`
turns the collector off for the start; `settle()` then moves what the start built out of its reach (`gc.freeze`)
and turns it on again, so the rest of the process's garbage is collected as before. Only a process that paused
settles: a command run in-process (the tests) keeps the collector as it is.

The warm dbt process runs one command and exits: `off_for_the_command()` keeps the collector off for it. dbt
allocates briskly for every node (each node's macro namespace); a kavlinge build's 1,250 passes cost 0.76 s of
its 9.5 s, all on the GIL's one core, for garbage the process's exit frees anyway (+70 MiB at kavlinge;
storstad's peak unchanged; docs/benchmarks.md).
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


def off_for_the_command() -> None:
    """Only for a process that ends after the one command it runs next (pipelines/dbt_warm.py)."""
    gc.disable()
