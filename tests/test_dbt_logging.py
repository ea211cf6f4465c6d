"""dbt's loggers with the level asked first (pipelines/dbt_logging.py) write exactly the lines dbt's own write,
and format no line their level drops. Compared in a fresh process against dbt-common's own `write_line`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from skolanalys.dbt_vars import WAREHOUSE_PATH_ENV

SCRIPT = textwrap.dedent(
    """
    import datetime, io, json
    from dbt_common.events import logger
    from dbt_common.events.base_types import EventLevel, msg_from_base_event
    from dbt_common.events.types import GetMetaKeyWarning, Note, PrintEvent, RecordRetryException, SystemExecutingCmd
    from pipelines import dbt_logging

    events = [
        msg_from_base_event(SystemExecutingCmd(cmd=["duckdb", "select 1"])),
        msg_from_base_event(Note(msg="info line")),
        msg_from_base_event(RecordRetryException(exc="retry")),
        msg_from_base_event(GetMetaKeyWarning(meta_key="owner")),
        msg_from_base_event(PrintEvent(msg="printed")),
        msg_from_base_event(Note(msg="a note at debug"), level=EventLevel.DEBUG),
    ]
    # A plain text line starts with the clock's second when it is written: one second for both loggers' lines, or
    # a second that turns between them would fail the comparison.
    class Clock(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=tz)

    logger.datetime = Clock
    formats = {
        "json": logger.LineFormat.Json, "text": logger.LineFormat.PlainText, "debug": logger.LineFormat.DebugText
    }

    def written(level, line_format):
        stream = io.StringIO()
        config = logger.LoggerConfig(name=f"t-{level}-{line_format}", level=EventLevel(level),
                                     line_format=formats[line_format], output_stream=stream)
        made = []
        cls = logger._JsonLogger if line_format == "json" else logger._TextLogger
        class Counting(cls):
            def create_line(self, msg):
                made.append(msg.info.name)
                return super().create_line(msg)
        log = Counting(config)
        for msg in events:
            log.write_line(msg)
        return stream.getvalue(), made

    cases = [(level, f) for level in ("debug", "info", "warn", "error") for f in formats]
    before = {f"{l} {f}": written(l, f) for l, f in cases}
    dbt_logging.write_only_what_the_level_lets_through()
    dbt_logging.write_only_what_the_level_lets_through()  # twice: wrapped once
    after = {f"{l} {f}": written(l, f) for l, f in cases}
    wrapper = logger._Logger.write_line
    print(json.dumps({"before": before, "after": after, "marked": getattr(wrapper, dbt_logging.MARK, False),
                      "wrapped_once": getattr(wrapper.__wrapped__, dbt_logging.MARK, False) is False}))
    """
)


def test_the_same_lines_are_written_and_the_dropped_ones_never_made():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["marked"] and result["wrapped_once"]
    for case, (lines, made) in result["after"].items():
        dbt_lines, dbt_made = result["before"][case]
        assert lines == dbt_lines, case  # what dbt's own logger writes, byte for byte
        assert len(dbt_made) == 6  # dbt formats every event, whatever its level
        level = case.split()[0]
        # Made: only what the level lets through; a print event always (dbt writes it at error level).
        expected = {
            "debug": ["SystemExecutingCmd", "Note", "RecordRetryException", "GetMetaKeyWarning", "PrintEvent", "Note"],
            "info": ["Note", "GetMetaKeyWarning", "PrintEvent"],
            "warn": ["GetMetaKeyWarning", "PrintEvent"],
            "error": ["PrintEvent"],
        }[level]
        assert made == expected, case
    assert "info line" in result["after"]["info json"][0] and "select 1" not in result["after"]["info json"][0]
    assert "select 1" in result["after"]["debug text"][0]


def test_the_pipelines_dbt_command_asks_the_level_first(tmp_path):
    """`skolanalys-dbt` (the pipeline's dbt, pipelines/dbt_command.py) wraps the loggers before dbt starts."""
    script = textwrap.dedent(
        """
        import sys
        import dbt.cli.main
        from dbt_common.events import logger
        from pipelines import dbt_command, dbt_logging

        def cli():  # in place of dbt's command line: what it would run with
            print("wrapped" if getattr(logger._Logger.write_line, dbt_logging.MARK, False) else "dbt's own", flush=True)
            raise SystemExit(0)

        dbt.cli.main.cli = cli
        sys.argv = ["skolanalys-dbt", "--version"]
        dbt_command.main()
        """
    )
    env = {**os.environ, WAREHOUSE_PATH_ENV: str(tmp_path / "warehouse.duckdb")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "wrapped"
