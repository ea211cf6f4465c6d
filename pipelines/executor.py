"""Steps side by side: Dagster's in-process execution with up to STEPS_AT_ONCE independent steps running at once,
each in a thread of the run's process.

Dagster's in-process executor runs one step at a time, and its multiprocess executor starts a process per step
(its own imports, ~2 s each) while DuckDB lets one process at a time write the warehouse file. Threads of one
process share the warehouse (DuckDB serves every connection of a process from one database, one transaction
each) and the imports. The attendance load keeps DuckDB's threads busy while the polars kinds, the national
steps and the checks mostly run Python: side by side, kavlinge's full build goes from ~33 s to ~29–32 s
(docs/benchmarks.md, "Steps side by side").

Everything but where a step runs is Dagster's: its plan, the order of the ready steps (`dagster/priority`
tags first), each step's events and failure handling. This module's one concern is the loop that hands ready
steps to threads and passes their events on from the run's main thread, which alone touches the plan's
state. An interrupt (Ctrl+C, the run's deadline) starts no further step; the running ones end first.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack

import dagster as dg
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.execution.api import ExecuteRunWithPlanIterable
from dagster._core.execution.compute_logs import create_compute_log_file_key
from dagster._core.execution.context_creation_job import PlanExecutionContextManager
from dagster._core.execution.execute_in_process import core_execute_in_process, merge_run_tags
from dagster._core.execution.plan.execute_plan import _trigger_hook, dagster_event_sequence_for_step
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.execution.retries import RetryMode
from dagster._core.executor.base import Executor
from dagster._core.executor.in_process import InProcessExecutor

# Two cores: more steps at once would only take turns at the interpreter's lock and DuckDB's threads.
STEPS_AT_ONCE = max(1, min(2, os.cpu_count() or 1))
# The order of the ready steps (Dagster's own sort reads this tag; higher first, then Dagster's order): the run's
# longest chain — the attendance load, then its check, which dbt waits for — before anything else, so that the
# other steps run beside it.
PRIORITY_TAG = "dagster/priority"
LONGEST_CHAIN = {PRIORITY_TAG: "1"}
INTERRUPTED = "Avbryter: inga fler steg startar; de som körs avslutas först (Ctrl+C igen avbryter direkt)."
POLL_SECONDS = 0.25  # how often the main thread looks for an interrupt while steps run
# Memory: a load of a large landing folder (storstad's franvaro/, betyg/, enkater/, bedomningar/) holds up to
# ~2–3 GiB while it runs, so two of them never run at once — storstad's peak stays within 4 GiB (3.0 GiB one at
# a time; 4.4 GiB with the attendance and the grades loads side by side). Every other step may run beside one.
# The folder's files on disk decide (a cheap upper bound of what a run may read: kavlinge's largest is 58 MB).
LANDING_FOLDER_TAG = "skolanalys/landing_folder"
LARGE_FOLDER_BYTES = 128 << 20
# A step whose work runs in another process that opens the warehouse file itself (dbt): DuckDB lets one process at a
# time write the file, so no other step — none of its connections — runs beside it, and none starts while it waits.
ALONE_TAG = "skolanalys/alone"
ALONE = {ALONE_TAG: "true"}


def landing_folder(folder: str) -> dict[str, str]:
    """The op tag of a step that loads landing folder `folder`."""
    return {LANDING_FOLDER_TAG: folder}


def _kind(step_context) -> str:
    """The step's kind: "alone", "large" (a load of a large landing folder) or "" (any other step)."""
    tags = step_context.step.tags
    if tags.get(ALONE_TAG) == "true":
        return "alone"
    folder = tags.get(LANDING_FOLDER_TAG)
    if folder is None:
        return ""
    path = step_context.resources.landing.folder(folder)
    try:
        size = sum(entry.stat().st_size for entry in path.iterdir() if entry.is_file())
    except OSError:  # no folder: nothing to load
        return ""
    return "large" if size >= LARGE_FOLDER_BYTES else ""


def _run_step(step_context, events: queue.SimpleQueue) -> None:
    """One step in its thread: its events, then how it ended (an exception Dagster did not turn into a step
    failure, such as an interrupt raised by a run's event listener, is passed on as it is)."""
    key = step_context.step.key
    try:
        for event in dagster_event_sequence_for_step(step_context):
            events.put((key, event, None))
    except BaseException:  # noqa: BLE001 — handed to the main thread, which raises it
        events.put((key, None, sys.exc_info()[1]))
    else:
        events.put((key, None, None))


def side_by_side_iterator(job_context, execution_plan) -> Iterator[DagsterEvent]:
    """Dagster's inner_plan_execution_iterator, with the steps in threads."""
    log_manager = job_context.instance.compute_log_manager
    step_keys = [step.key for step in execution_plan.get_steps_to_execute_in_topo_order()]
    with ExitStack() as stack:
        concurrency = stack.enter_context(InstanceConcurrencyContext(job_context.instance, job_context.dagster_run))
        active = stack.enter_context(
            execution_plan.start(  # no max_concurrent: _next_steps keeps to STEPS_AT_ONCE
                retry_mode=job_context.retry_mode,
                instance_concurrency_context=concurrency,
                step_dependency_config=job_context.step_dependency_config,
            )
        )
        log_key = log_manager.build_log_key_for_run(job_context.run_id, create_compute_log_file_key())
        log_context = stack.enter_context(log_manager.capture_logs(log_key))
        yield DagsterEvent.capture_logs(job_context, step_keys, log_key, log_context)

        events: queue.SimpleQueue = queue.SimpleQueue()
        running: dict[str, tuple] = {}  # step key → (its context, its events so far)
        held: list = []  # steps taken from the plan that may not start yet (_next_steps)
        kinds: dict[str, str] = {}  # step key → its kind (_kind)
        stopping, error = False, None
        while running or not (stopping or active.is_complete):
            if active.check_for_interrupts():
                if stopping:  # the second: no waiting for the running steps
                    raise KeyboardInterrupt
                stopping = True
                active.mark_interrupted()
                yield DagsterEvent.engine_event(
                    job_context,
                    INTERRUPTED,
                    EngineEventData.interrupted(list(running)),
                )
            if not stopping:
                for step_context in _next_steps(job_context, active, running, held, kinds):
                    key = step_context.step.key
                    running[key] = (step_context, [])
                    thread = threading.Thread(target=_run_step, args=(step_context, events), name=key)
                    thread.daemon = True  # a second Ctrl+C ends the process without waiting for it
                    thread.start()
                yield from active.concurrency_event_iterator(job_context)
            if not running:
                active.sleep_til_ready()
                continue
            try:
                key, event, raised = events.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if event is not None:
                running[key][1].append(event)
                yield event
                active.handle_event(event)
                continue
            step_context, step_events = running.pop(key)
            if raised is not None:
                stopping, error = True, error or raised
                continue
            active.verify_complete(job_context, key)
            yield from active.plan_events_iterator(job_context)
            yield from _trigger_hook(step_context, step_events)
        if error is not None:
            raise error
        if stopping:
            raise DagsterExecutionInterruptedError()


def _next_steps(job_context, active, running: dict, held: list, kinds: dict[str, str]) -> list:
    """The contexts of the ready steps to start now, in Dagster's order, as many as there are free places.
    A step to run alone waits (in `held`) until nothing runs, and nothing else starts meanwhile; a large load
    waits until no other large load runs, while other steps start beside it. A held step starts before any
    step taken from the plan after it."""

    def context(step):
        return job_context.for_step(step, active.get_known_state())

    def busy(kind: str) -> bool:
        return any(kinds[key] == kind for key in [*running, *(c.step.key for c in chosen)])

    chosen: list = []
    while len(running) + len(chosen) < STEPS_AT_ONCE and not busy("alone"):
        occupied = bool(running or chosen)
        alone = next((step for step in held if kinds[step.key] == "alone"), None)
        if alone is not None:
            if not occupied:
                held.remove(alone)
                chosen.append(context(alone))
            break
        large = next((step for step in held if not busy("large")), None)  # only large loads are held here
        if large is not None:
            held.remove(large)
            chosen.append(context(large))
            continue
        picked = active.get_steps_to_execute(limit=1)
        if not picked:
            break
        step = picked[0]
        step_context = context(step)
        kinds[step.key] = _kind(step_context)
        if (kinds[step.key] == "alone" and occupied) or (kinds[step.key] == "large" and busy("large")):
            held.append(step)  # its context is made again when it starts, with the plan's state then
        else:
            chosen.append(step_context)
    return chosen


class SideBySideExecutor(InProcessExecutor):
    """The in-process executor with the steps in threads (side_by_side_iterator)."""

    def execute(self, plan_context, execution_plan) -> Iterator[DagsterEvent]:
        yield DagsterEvent.engine_event(
            plan_context,
            f"Kör upp till {STEPS_AT_ONCE} steg åt gången i processen (pid {os.getpid()})",
            event_specific_data=EngineEventData.in_process(os.getpid(), execution_plan.step_keys_to_execute),
        )
        yield from ExecuteRunWithPlanIterable(
            execution_plan=plan_context.execution_plan,
            iterator=side_by_side_iterator,
            execution_context_manager=PlanExecutionContextManager(
                job=plan_context.job,
                retry_mode=plan_context.retry_mode,
                execution_plan=plan_context.execution_plan,
                run_config=plan_context.run_config,
                dagster_run=plan_context.dagster_run,
                instance=plan_context.instance,
                raise_on_error=plan_context.raise_on_error,
                output_capture=plan_context.output_capture,
                step_dependency_config=self.step_dependency_config,
            ),
        )


@dg.executor(name="side_by_side")
def side_by_side_executor(_init_context) -> Executor:
    """Steps side by side in threads of one process (pipelines/executor.py)."""
    return SideBySideExecutor(retries=RetryMode.ENABLED)  # as Dagster's own in-process execution


def execute_in_process(job: dg.JobDefinition, *, instance, run_id: str, run_config: dict, tags: dict):
    """`job.execute_in_process(...)` (raise_on_error off), with the steps side by side: Dagster's own method
    always runs them one at a time."""
    ephemeral = job.as_ephemeral_job(resource_defs={}, input_values={}).with_executor_def(side_by_side_executor)
    return core_execute_in_process(
        job=InMemoryJob(job_def=ephemeral),
        run_config=run_config,
        instance=instance,
        output_capturing_enabled=True,
        raise_on_error=False,
        run_tags=merge_run_tags(job, None, tags, None, instance, run_config),
        run_id=run_id,
        asset_selection=frozenset(),
    )
