"""`skolanalys run`: materialise every asset once, in this process, and report in plain words."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator

import duckdb

from skolanalys import preflight
from skolanalys.settings import PSEUDONYM_KEY_ENV, Settings
from sources import key_check


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


def _metadata_value(value) -> object:
    return getattr(value, "value", getattr(value, "text", value))


def run_everything(settings: Settings, instance=None, *, rotate_key: bool = False, always: bool = False) -> bool:
    """Run every asset now. Returns True on success; on failure the old serving snapshot stays.

    `instance` defaults to the persistent one in DAGSTER_HOME, so runs show in the Dagster UI. Raises
    RunRefused when the run cannot start. With nothing new since the last successful run (skolanalys.preflight)
    no run is started, unless `always`.
    """
    settings.export_environment()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with exclusive_run(settings):
        _check_key(settings, rotate_key)
        digests = preflight.current(settings)
        if not (always or rotate_key) and preflight.nothing_new(settings, digests):
            print(
                "Inget nytt sedan förra körningen (landningsmappen, programmet och de nationella källorna är "
                f"oförändrade): ingen körning behövs. Serveringsfilen: {settings.serving_path}"
            )
            print("  (`skolanalys run --alltid` kör ändå)")
            return True
        preflight.forget(settings)
        succeeded = _execute(settings, instance)
        if succeeded:
            preflight.record(settings, digests)
        return succeeded


# The longest a run may take (SKOLANALYS_RUN_DEADLINE_SECONDS); the daemon's runs have dagster.yaml's
# max_runtime_seconds. A full build of the largest municipality takes minutes: hours mean a hang.
DEFAULT_RUN_DEADLINE_SECONDS = 3 * 3600


def _run_deadline_seconds() -> int:
    value = os.environ.get("SKOLANALYS_RUN_DEADLINE_SECONDS", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_RUN_DEADLINE_SECONDS


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[list[bool]]:
    """Interrupt the run after `seconds` as Ctrl+C would. Dagster turns the interrupt into a clean stop at
    the next safe point (never inside a transaction it guards) and marks the run failed."""
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


def _print_landing_summary(settings: Settings) -> None:
    """Every landing file's outcome (raw.landing_files): counts per folder, then each file not loaded."""
    from sources.landing.outcomes import summary_lines

    if not settings.warehouse_path.exists():
        return
    try:
        conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.Error:  # an interrupted step still holds its connection: no summary this time
        return
    try:
        lines = summary_lines(conn)
    finally:
        conn.close()
    if lines:
        print("Landningsmappen:")
        print("\n".join(f"  {line}" for line in lines))


def _print_warnings(instance, run_id: str) -> None:
    """The assets' own warnings (files rejected, sources unreachable), once each, in the order they came."""
    import logging

    seen = set()
    for entry in instance.all_logs(run_id):
        ours = entry.dagster_event is None and not entry.user_message.startswith("Dependencies for step")
        if ours and entry.level >= logging.WARNING and entry.user_message not in seen:
            seen.add(entry.user_message)
            step = f"{entry.step_key}: " if entry.step_key else ""
            print(f"  ! {step}{entry.user_message}")


def _execute(settings: Settings, instance) -> bool:
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.run_monitor import RUN_HOST_TAG, RUN_PID_TAG, fail_dead_runs, fail_runs_of_this_process

    instance = instance or dg.DagsterInstance.get()
    for run_id in fail_dead_runs(instance):
        print(f"  en avbruten körning ({run_id[:8]}) markerades som misslyckad")
    # Dagster's planner warns on stderr when dbt tests of models not rebuilt this run give no result.
    logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)
    # An interrupt (the deadline) landing while Dagster closes a storage connection is reported by SQLAlchemy
    # with a stack trace; the run is stopped and marked failed all the same, which the summary says.
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
    job = build_definitions(settings).resolve_job_def("everything_job")
    deadline = _run_deadline_seconds()
    result = None
    with _deadline(deadline) as expired:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            # Dagster's console log would repeat every warning with stack traces: the summary below says it
            # once, in plain words.
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            tags={RUN_HOST_TAG: socket.gethostname(), RUN_PID_TAG: str(os.getpid())},
        )
    if expired[0]:
        message = f"Körningen avbröts efter {deadline} sekunder (SKOLANALYS_RUN_DEADLINE_SECONDS)."
        fail_runs_of_this_process(instance, message)
        print(message, file=sys.stderr)
    if result is None:  # interrupted before Dagster could report
        print("Körningen misslyckades; den senaste godkända serveringsfilen ligger kvar.", file=sys.stderr)
        return False
    _print_warnings(instance, result.run_id)
    _print_landing_summary(settings)
    for event in result.all_events:
        if event.is_step_materialization:
            mat = event.step_materialization_data.materialization
            meta = {k: _metadata_value(v) for k, v in mat.metadata.items()}
            rows = meta.get("dagster/row_count", meta.get("rows_indicator_values"))
            line = f"  ✓ {mat.asset_key.to_user_string()}"
            if meta.get("oförändrad"):
                line += ": oförändrad"
            elif rows is not None:
                line += f": {rows} rader"
            if meta.get("rows_quarantined"):
                line += f", {meta['rows_quarantined']} i karantän (se raw.quarantine)"
            print(line)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                print(f"  ✗ kontroll {evaluation.check_name} på {evaluation.asset_key.to_user_string()}:")
                print("    " + (evaluation.description or "").replace("\n", "\n    "))
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
    print("Körningen misslyckades; den senaste godkända serveringsfilen ligger kvar.", file=sys.stderr)
    for event in failed:
        error = event.step_failure_data.error
        while error is not None and error.cause is not None:  # the user's error, not Dagster's wrapper
            error = error.cause
        message = error.message.strip().splitlines()[-1] if error else "okänt fel"
        print(f"  steg {event.step_key}: {message}", file=sys.stderr)
    if not failed:
        print("  en blockerande kontroll stoppade körningen (se ovan)", file=sys.stderr)
    return False
