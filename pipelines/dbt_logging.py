"""dbt's loggers write only the lines their level lets through, without first formatting the rest.

dbt-common's `_Logger.write_line` formats every event (a JSON object for dagster-dbt's standard output, a debug
line for dbt.log) and only then hands it to the Python logger, which drops what is below its level: the debug
events, every SQL statement dbt sends among them, are most of a build's events. A whole build at kavlinge: 425
lines written, the formatting of the dropped ones ~1.9 s of the dbt process's 18.7 s holding Python's lock
(py-spy --gil), ~0.8 s of CPU and ~0.6–1 s of wall time (docs/benchmarks.md). The lines written are the same.
"""

from __future__ import annotations

from functools import wraps

MARK = "_skolanalys_level_first"


def write_only_what_the_level_lets_through() -> None:
    """Ask each logger's level before its line is made (idempotent). It reads dbt-common's private logger, as
    pinned in uv.lock: tests/test_dbt_logging.py compares it with dbt-common's own on every upgrade."""
    from dbt_common.events import logger
    from dbt_common.events.base_types import EventLevel

    original = logger._Logger.write_line
    if getattr(original, MARK, False):
        return

    @wraps(original)
    def write_line(self, msg):
        python_logger = self._python_logger
        # A print event is written at error level (dbt's --quiet keeps it), any other at its own.
        level = EventLevel.ERROR if logger._is_print_event(msg) else EventLevel(msg.info.level)
        if python_logger is not None and not python_logger.isEnabledFor(logger._log_level_map[level]):
            return
        original(self, msg)

    setattr(write_line, MARK, True)
    logger._Logger.write_line = write_line
