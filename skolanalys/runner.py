"""`skolanalys run`: materialise every asset once (or, with news in the municipality's own folders alone, what
they ask for), in this process, and report in plain words.

The console gets progress (skolanalys.progress: live in a terminal, a line per phase elsewhere) and a short
summary; Dagster's and dbt's own logs go to a log file in the data folder (`--verbose`: to the console too).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import sys
import threading
import traceback
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from skolanalys import preflight, progress, start_gc
from skolanalys.settings import PSEUDONYM_KEY_ENV, Settings, offline
from sources import key_check

if TYPE_CHECKING:  # dagster is imported only when a run starts
    from dagster import DagsterInstance


class RunRefused(Exception):
    """The run cannot start (another run holds the warehouse, the key changed): a message for the user."""


@contextlib.contextmanager
def exclusive_run(settings: Settings) -> Iterator[None]:
    """One run at a time per data folder. The lock is the kernel's: a killed run releases it at once."""
    lock_path = settings.data_dir / ".run.lock"
    with lock_path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RunRefused(
                f"en annan körning pågår redan mot {settings.data_dir}; försök igen när den är klar"
            ) from exc
        yield


def _check_key(settings: Settings, rotate: bool) -> None:
    conn = duckdb.connect(str(settings.warehouse_path))
    try:
        status = key_check.check_key(conn, os.environ[PSEUDONYM_KEY_ENV].encode("utf-8"), rotate=rotate)
    except key_check.KeyChanged as exc:
        raise RunRefused(str(exc)) from exc
    finally:
        conn.close()
    if status == key_check.ROTATED:
        print("Ny pseudonymnyckel: elevtabellerna byggs om från filerna i landningsmappen.")


def run_everything(
    settings: Settings, instance=None, *, rotate_key: bool = False, always: bool = False, verbose: bool = False
) -> bool:
    """Run every asset now. Returns True on success; on failure the old serving snapshot stays.

    `instance` defaults to the persistent one in DAGSTER_HOME, so runs show in the Dagster UI. Raises
    RunRefused when the run cannot start. With nothing new since the last successful run (skolanalys.preflight)
    no run is started, unless `always`; with news in the municipality's own folders alone, only what they ask
    for runs (`preflight.changed_local_folders`), unless `always`. `verbose`: Dagster's and dbt's logs on the
    console as well.
    """
    settings.export_environment()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with exclusive_run(settings):
        _check_key(settings, rotate_key)
        digests = preflight.current(settings)
        nothing_new = preflight.nothing_new(settings, digests)
        if not (always or rotate_key) and nothing_new:
            print(
                "Inget nytt sedan förra körningen (landningsmappen, programmet och de nationella källorna är "
                f"oförändrade): ingen körning behövs. Serveringsfilen: {settings.serving_path}"
            )
            print("  (`skolanalys run --alltid` kör ändå)")
            return True
        # News in the municipality's own folders alone (a night's attendance file): their assets and what is
        # downstream of them, not every step. Anything else new, or a doubt: everything.
        folders = None if (always or rotate_key) else preflight.changed_local_folders(settings, digests)
        preflight.forget(settings)
        with contextlib.ExitStack() as own:
            # dbt imported and the project parsed in a process of its own while Dagster starts and the landing
            # folders load (pipelines/dbt_warm.py): the run's dbt step then starts at dbt's first node. A whole
            # build's also imports what the Python models import (a narrowed run's step does so itself if it
            # selects one; a night's attendance selects none). A run forced with nothing new (`--alltid`) finds
            # every model current and starts no dbt: no warm process for it.
            from pipelines import dbt_warm
            from pipelines.dbt_command import dbt_executable

            if rotate_key or not nothing_new:
                own.enter_context(dbt_warm.started(dbt_executable(), python_models=folders is None))
            if instance is None:
                import dagster as dg

                # Disposed at the end: Dagster's storage files are closed (and their journals folded in) here,
                # not left to the interpreter's exit.
                instance = own.enter_context(dg.DagsterInstance.get())
            succeeded = _execute(settings, instance, verbose=verbose, folders=folders)
        if succeeded:
            preflight.record(settings, digests)
        return succeeded


INTERRUPT_ERRORS = ("DagsterExecutionInterruptedError", "KeyboardInterrupt")


def _interrupted(result) -> bool:
    """Whether the run ended on an interrupt (Ctrl+C, the deadline) rather than on a failed step or check."""
    return any(
        e.is_run_failure and getattr(e.event_specific_data.error, "cls_name", None) in INTERRUPT_ERRORS
        for e in result.all_events
    )


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[list[bool]]:
    """Interrupt the run after `seconds` as Ctrl+C would: no further step starts, the running ones end (a
    file's load commits whole or not at all) and the run is marked failed (pipelines/executor.py)."""
    expired = [False]

    def interrupt() -> None:
        expired[0] = True
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield expired
    except KeyboardInterrupt:
        if not expired[0]:
            raise
    finally:
        timer.cancel()


# Warnings that Dagster's and dbt's own code log about the project's set-up, not about the data: the log file
# has them, the summary leaves them out.
TOOL_WARNINGS = ("Logging an `AssetObservation` instead of an `AssetCheckResult`", "Dependencies for step")
# At most this many warnings per step in the summary; the rest are in the log file.
WARNINGS_PER_STEP = 5
RUN_TAGS = {"skolanalys/started_by": "skolanalys run"}


def _landing_summary(settings: Settings, folders: list[str] | None) -> tuple[list[str], int]:
    """Every landing file's outcome (raw.landing_files) in `folders` (None: every folder): counts and rows per
    folder, then each file not loaded; and how many files need attention."""
    from sources.landing.outcomes import LANDING_FILES_TABLE, NEEDS_ATTENTION, summary_lines

    if not settings.warehouse_path.exists():
        return [], 0
    try:
        conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.Error:  # an interrupted step still holds its connection: no summary this time
        return [], 0
    try:
        lines = summary_lines(conn, folders)
        attention = 0
        if lines:
            outcomes = ", ".join(f"'{o}'" for o in NEEDS_ATTENTION)
            where, params = ("and folder in (select unnest(?::varchar[]))", [folders]) if folders else ("", [])
            attention = conn.execute(
                f"select count(*) from {LANDING_FILES_TABLE} where outcome in ({outcomes}) {where}", params
            ).fetchall()[0][0]
    finally:
        conn.close()
    return lines, attention


def _print_landing_summary(settings: Settings, folders: list[str] | None) -> str:
    lines, attention = _landing_summary(settings, folders)
    if not lines:
        return ""
    if attention:
        files = "1 fil" if attention == 1 else f"{attention} filer"
        print(
            f"Landningsmappen ({files} med problem: se sidan Datakvalitet i instrumentpanelen, "
            "eller tabellen raw.landing_files):"
        )
    else:
        print("Landningsmappen:")
    print("\n".join(f"  {line}" for line in lines))
    return "\n".join(lines)


def _print_warnings(warnings: list, shown_already: str) -> None:
    """The assets' own warnings (files rejected, sources unreachable), once each, step by step in the order
    they came; not those the landing summary above says already, at most WARNINGS_PER_STEP per step."""
    by_step: dict[str, list[str]] = {}
    for entry in warnings:
        message = entry.user_message
        if message.startswith(TOOL_WARNINGS) or (shown_already and message in shown_already):
            continue
        mine = by_step.setdefault(entry.step_key or "", [])
        if message not in mine:
            mine.append(message)
    for step, messages in by_step.items():
        where = f"{step}: " if step else ""
        for message in messages[:WARNINGS_PER_STEP]:
            print(f"  ! {where}{message}")
        if len(messages) > WARNINGS_PER_STEP:
            print(f"  ! {where}… och {len(messages) - WARNINGS_PER_STEP} varningar till (i loggen)")


def _failed_line(settings: Settings) -> str:
    """What a failed run leaves the users: the last good snapshot, or — before the first — none yet."""
    if settings.serving_path.is_file():
        return "Körningen misslyckades; den senaste godkända serveringsfilen ligger kvar."
    return "Körningen misslyckades; någon serveringsfil finns inte ännu (den första publiceras när en körning lyckas)."


def _print_failed_checks(result) -> None:
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                print(f"  ✗ kontroll {evaluation.check_name} på {evaluation.asset_key.to_user_string()}:")
                print("    " + (evaluation.description or "").replace("\n", "\n    "))


def _landing_folders() -> dict:
    """Raw asset key → the landing sub-folder it reads."""
    from pipelines.sensors import LANDING_FOLDERS

    return {key: folder for folder, keys in LANDING_FOLDERS.items() for key in keys}


def _prepare(settings: Settings, folders: list[str] | None):
    """The job of every asset, or of what news in these landing `folders` ask for (pipelines/sensors.py
    `folders_selection`), and its steps described for the progress display. Imported here: parsing the dbt
    project, when it changed, writes to the log like the run does."""
    from pipelines.assets.dbt import dbt_models
    from pipelines.definitions import build_definitions
    from pipelines.sensors import folders_subset

    try:
        defs = build_definitions(settings)
        job = defs.resolve_job_def("everything_job")
        if folders:
            assets, checks = folders_subset(folders, defs.resolve_asset_graph())
            job = job.get_subset(asset_selection=assets, asset_check_selection=checks)
        steps = progress.describe_steps(
            defs, job, dbt_step=dbt_models.node_def.name, landing_dir=settings.landing_dir, folders=_landing_folders()
        )
    finally:
        start_gc.settle()  # what the start built lives as long as the process
    return job, steps


def _execute(
    settings: Settings, instance: DagsterInstance, *, verbose: bool = False, folders: list[str] | None = None
) -> bool:
    import dagster as dg

    from pipelines.executor import INTERRUPTED, STEPS_AT_ONCE, execute_in_process
    from pipelines.run_monitor import RUN_HOST_TAG, RUN_PID_TAG, fail_dead_runs, fail_runs_of_this_process
    from pipelines.sensors import LANDING_FOLDER_TAG

    for run_id in fail_dead_runs(instance):
        print(f"  en avbruten körning ({run_id[:8]}) markerades som misslyckad")
    # Dagster's planner warns on stderr when dbt tests of models not rebuilt this run give no result.
    logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)
    # An interrupt (the deadline) landing while Dagster closes a storage connection is reported by SQLAlchemy
    # with a stack trace; the run is stopped and marked failed all the same, which the summary says.
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
    live = not verbose and progress.is_interactive(sys.stdout)
    log_path = progress.new_log_path(settings.data_dir)
    deadline = settings.run_deadline_seconds
    result, expired, failure = None, [False], None
    warnings: list = []
    with progress.ToolOutput(log_path, verbose=verbose) as tools:
        tools.write_line(
            f"skolanalys run {datetime.now():%Y-%m-%d %H:%M:%S}: landningsmappen {settings.landing_dir}, "
            f"datamappen {settings.data_dir}, DAGSTER_HOME {settings.dagster_home}"
        )
        print("Förbereder körningen (Dagster och dbt-projektet) …", file=tools.console, flush=True)
        try:
            job, steps = _prepare(settings, folders)
        except Exception as exc:  # e.g. dbt cannot parse the project: its own words are in the log
            tools.write_line(traceback.format_exc())
            failure = exc
        else:
            shown = progress.RunProgress(
                steps, tools.console, live=live, offline=offline(), folders=folders, at_once=STEPS_AT_ONCE
            )
            tools.on_line = shown.tool_line
            run_id = str(uuid.uuid4())

            def listen(entry) -> None:
                """Every event of the run as Dagster stores it: to the log file and the progress display."""
                try:
                    tools.write_line(progress.log_line(entry))
                    if entry.dagster_event is None and entry.level >= logging.WARNING:
                        warnings.append(entry)
                    shown.event(entry)
                except Exception:  # showing progress must never break the run
                    pass
                # Past the deadline no further step starts. The deadline's Ctrl+C normally reaches the run's
                # main thread, which then starts no further step (pipelines/executor.py); should it land inside
                # a DuckDB query there, it becomes DuckDB's InterruptException and is gone: this stops the run
                # at the next step's start all the same (raised in the step's thread, passed on by the executor).
                event = entry.dagster_event
                if event is not None and event.message == INTERRUPTED:  # said at once, not after the running steps
                    shown.line(f"  {INTERRUPTED}")
                if expired[0] and event is not None and event.event_type == dg.DagsterEventType.STEP_START:
                    raise KeyboardInterrupt

            instance.add_event_listener(run_id, listen)
            with shown:
                with _deadline(deadline) as expired:
                    result = execute_in_process(
                        job,
                        instance=instance,
                        run_id=run_id,
                        # Dagster's console log would repeat every event: the log file has them, the summary
                        # says what matters once, in plain words.
                        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
                        tags={
                            **RUN_TAGS,
                            RUN_HOST_TAG: socket.gethostname(),
                            RUN_PID_TAG: str(os.getpid()),
                            **({LANDING_FOLDER_TAG: ",".join(folders)} if folders else {}),
                        },
                    )
                shown.finish()
    if failure is not None:
        print(f"Körningen kunde inte förberedas ({type(failure).__name__}: {failure}).", file=sys.stderr)
        print(f"  Loggen: {log_path}", file=sys.stderr)
        return False
    if expired[0]:
        message = f"Körningen avbröts efter {deadline} sekunder (SKOLANALYS_RUN_DEADLINE_SECONDS)."
        fail_runs_of_this_process(instance, message)
        print(message, file=sys.stderr)
    if result is None:  # interrupted before Dagster could report
        print(f"Loggen (Dagster och dbt): {log_path}")
        print(_failed_line(settings), file=sys.stderr)
        return False
    landing = _print_landing_summary(settings, folders)
    _print_warnings(warnings, landing)
    _print_failed_checks(result)
    print(f"Loggen (Dagster och dbt): {log_path}")
    if result.success:
        published = any(
            e.is_step_materialization and e.step_materialization_data.materialization.asset_key.path[0] == "serving"
            for e in result.all_events
        )
        if published:
            print(f"Klart. Serveringsfilen: {settings.serving_path}")
        else:
            print(
                f"Klart. Inget nytt sedan förra publiceringen: serveringsfilen är oförändrad ({settings.serving_path})"
            )
        return True
    failed = [e for e in result.all_events if e.is_step_failure]
    print(_failed_line(settings), file=sys.stderr)
    for event in failed:
        error = event.step_failure_data.error
        while error is not None and error.cause is not None:  # the user's error, not Dagster's wrapper
            error = error.cause
        message = error.message.strip().splitlines()[-1] if error else "okänt fel"
        print(f"  steg {event.step_key}: {message}", file=sys.stderr)
    if not failed and _interrupted(result):
        print("  körningen avbröts; filer som hann läsas in ligger kvar och läses inte om", file=sys.stderr)
    elif not failed:
        print("  en blockerande kontroll stoppade körningen (se ovan)", file=sys.stderr)
    return False
