"""Leave a command's process without the interpreter's teardown.

At exit Python frees every module and object it holds, with garbage collections on the way. After a run that is
Dagster's, dbt's and DuckDB's objects: ~2 s for `skolanalys run` and ~1 s for each dbt process at kavlinge
(docs/benchmarks.md), spent freeing memory that the end of the process frees anyway.

`arm()` registers its exit handler before the command does anything else. Exit handlers run last registered
first, so this one runs after all the others (dbt-duckdb's closes the warehouse, Dagster's and multiprocessing's
clean up, temporary folders are removed); then only the teardown is left, and the handler ends the process with
the command's exit status instead. The logging module registered its handler earlier (it is imported first), so
the handler flushes and closes the log handlers itself. A process whose exit status was never given (an uncaught
exception) ends the ordinary way.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys


class QuickExit:
    def __init__(self) -> None:
        self.status: int | None = None

    def at(self, status: int | str | None) -> None:
        """The status to end with, as `sys.exit` takes it (None is success, a message is failure)."""
        self.status = status if isinstance(status, int) else (0 if status is None else 1)

    def _leave(self) -> None:
        if self.status is None:
            return
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(self.status)


_armed: QuickExit | None = None  # the process's own, once its command has armed it


def arm() -> QuickExit:
    global _armed
    _armed = QuickExit()
    atexit.register(_armed._leave)
    return _armed


def at(status: int) -> None:
    """End this process with `status` and without the teardown, if its command armed the quick exit (a command
    run in-process, as the tests do, has not: then nothing changes)."""
    if _armed is not None:
        _armed.at(status)
