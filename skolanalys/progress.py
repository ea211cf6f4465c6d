"""What the command line shows while it works, and where the tools' own logs go.

In a terminal a run shows live progress (rich): the running Dagster step with its elapsed time, dbt's count of
models and tests, and a line for each phase as it ends. Anywhere else (CI, tests, a pipe) the same phase lines
are plain text, without bars or colour codes. Progress follows Dagster's event stream: every event the run
stores reaches `RunProgress.event` as it happens.

Dagster's and dbt's own output — dbt's log, Dagster's event log, libraries' warnings — goes to a log file in the
data folder (`ToolOutput`); `--verbose` shows it on the console as well.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import select
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pipelines.metadata import UNCHANGED

LOG_FOLDER = "logs"
KEPT_LOGS = 20
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ANSI_BYTES = re.compile(rb"\x1b\[[0-9;]*m")


def number(n: int | float) -> str:
    """4127600 → '4 127 600' (Swedish digit grouping)."""
    return f"{n:,.0f}".replace(",", " ")


def duration(seconds: float) -> str:
    """0.42 → '0,4 s', 12.3 → '12 s', 95 → '1 min 35 s'."""
    if seconds < 9.95:
        return f"{seconds:.1f} s".replace(".", ",")
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


def plural(n: int, one: str, many: str) -> str:
    return f"{number(n)} {one if n == 1 else many}"


def is_interactive(stream: TextIO) -> bool:
    """A terminal that can show live progress (not a pipe, a file, CI or TERM=dumb)."""
    from rich.console import Console

    console = Console(file=stream)
    return console.is_terminal and not console.is_dumb_terminal


def new_log_path(data_dir: Path) -> Path:
    """A new log file for a run in the data folder's logs/; the oldest beyond KEPT_LOGS are removed."""
    folder = data_dir / LOG_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    old = sorted(folder.glob("run-*.log"))
    for path in old[: max(0, len(old) - KEPT_LOGS + 1)]:
        path.unlink(missing_ok=True)
    return folder / f"run-{datetime.now():%Y-%m-%d-%H%M%S}.log"


# The tools' output ---------------------------------------------------------------------------------------


class _Sink:
    """The log file, and the console too when verbose; written from the run's thread and the pump's."""

    def __init__(self, log: Path, echo: TextIO | None) -> None:
        self._file = log.open("ab")
        self._echo = echo
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        data = ANSI_BYTES.sub(b"", data)  # dbt's colours: the log is plain text
        with self._lock:
            try:
                self._file.write(data)
                self._file.flush()
            except OSError:  # a full disk must not stop the run
                pass
            if self._echo is not None:
                try:
                    self._echo.write(data.decode("utf-8", "replace"))
                    self._echo.flush()
                except (OSError, ValueError):
                    pass

    def close(self) -> None:
        with self._lock:
            self._file.close()


class ToolOutput:
    """While open, everything written to file descriptors 1 and 2 — dbt's log as dagster-dbt echoes it,
    Dagster's captured step output, warnings of every library, child processes — goes to `log` (and, with
    `verbose`, to the console as well). `console` is where our own lines go meanwhile: the terminal, or
    sys.stdout itself when it is not a file descriptor (pytest's capsys).

    `on_line` receives each line of the tools' output (dbt's "12 of 239 OK …" drives the dbt progress)."""

    def __init__(self, log: Path, *, verbose: bool = False, on_line: Callable[[str], None] | None = None) -> None:
        self.log = log
        self.verbose = verbose
        self.on_line = on_line
        self.console: TextIO = sys.stdout
        self._own_console = False
        self._sink: _Sink | None = None
        self._saved: list[int] = []
        self._thread: threading.Thread | None = None
        self._closing = False

    def write_line(self, text: str) -> None:
        """A line of our own for the log (Dagster's events), shown on the console too when verbose."""
        if self._sink is not None:
            self._sink.write((text.rstrip("\n") + "\n").encode("utf-8", "replace"))

    def __enter__(self) -> ToolOutput:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            fd = sys.stdout.fileno()
            self.console = os.fdopen(os.dup(fd), "w", encoding="utf-8", errors="replace", buffering=1)
            self._own_console = True
        except (AttributeError, OSError, ValueError):  # not a real file (pytest's capsys): fd 1 is not it
            self.console = sys.stdout
            self._own_console = False
        self._sink = _Sink(self.log, self.console if self.verbose else None)
        read_end, write_end = os.pipe()
        self._thread = threading.Thread(target=self._pump, args=(read_end,), name="skolanalys-tool-log", daemon=True)
        self._thread.start()
        self._saved = [os.dup(1), os.dup(2)]
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        os.close(write_end)
        return self

    def __exit__(self, *exc) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        # Restoring 1 and 2 closes our last ends of the pipe: the pump then reads to its end and stops.
        for fd, saved in zip((1, 2), self._saved, strict=True):
            os.dup2(saved, fd)
            os.close(saved)
        self._closing = True
        if self._thread is not None:
            self._thread.join(timeout=5)  # a child process still holding the pipe must not hold us
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        if self._own_console:
            self.console.close()
        self.console = sys.stdout

    def _pump(self, read_end: int) -> None:
        pending = b""
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            while True:
                # Until the pipe ends, or — once the run is over — until it is quiet: a child process of the
                # run that outlives it (a log tail, a watcher) may hold the pipe open for a while.
                readable, _, _ = select.select([pipe], [], [], 0.1)
                if not readable:
                    if self._closing:
                        break
                    continue
                try:
                    data = pipe.read(65536)
                except OSError:
                    break
                if not data:
                    break
                *lines, pending = (pending + data).split(b"\n")
                for line in lines:  # whole lines, so that a colour code is never cut in two
                    self._line(line)
        if pending:
            self._line(pending)

    def _line(self, line: bytes) -> None:
        if self._sink is not None:
            self._sink.write(line + b"\n")
        if self.on_line is not None:
            with contextlib.suppress(Exception):  # the display must never break the log
                self.on_line(line.decode("utf-8", "replace"))


# The steps of a run ---------------------------------------------------------------------------------------

PHASES = {
    "national": "Nationella uppgifter",
    "landing": "Landningsmappen",
    "checks": "Kontroller",
    "dbt": "Modellerna (dbt)",
    "serving": "Serveringsfilen",
}
DBT_PROGRESS = re.compile(r"^\s*(\d+) of (\d+) (?:OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b")


@dataclass
class Step:
    phase: str
    label: str  # what the step does, in Swedish: "Läser in franvaro/ … 11 filer"
    started: float | None = None
    seconds: float = 0.0
    outcome: str | None = None  # success, failure, skipped


def describe_steps(defs, job, *, dbt_step: str, landing_dir: Path, folders: dict) -> dict[str, Step]:
    """Each step of the job (an op: one asset, multi-asset or check) with its phase and a Swedish label.
    `dbt_step` is the dbt project's op; `folders` maps a raw asset key to its landing sub-folder."""
    in_job = {node.name for node in job.graph.nodes}
    steps = {}
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if not assets_def.is_executable or assets_def.node_def.name not in in_job:
            continue
        name = assets_def.node_def.name
        keys = sorted(assets_def.keys, key=lambda k: k.path)
        groups = set(assets_def.group_names_by_key.values())
        if not keys:
            checked = sorted({c.asset_key.to_user_string() for c in assets_def.check_keys})
            check_names = ", ".join(sorted(c.name for c in assets_def.check_keys))
            steps[name] = Step("checks", f"Kontrollerar {', '.join(checked)} ({check_names})")
        elif any(k.path[0] == "serving" for k in keys):
            steps[name] = Step("serving", "Publicerar serveringsfilen")
        elif name == dbt_step:
            steps[name] = Step("dbt", "Bygger modellerna (dbt)")
        elif "landing" in groups or "national_files" in groups:
            folder = folders.get(keys[0]) or keys[0].path[0]
            files = _count_files(landing_dir / folder)
            steps[name] = Step("landing", f"Läser in {folder}/ … {plural(files, 'fil', 'filer')}")
        else:
            shown = ", ".join(k.to_user_string() for k in keys)
            steps[name] = Step("national", f"Nationella uppgifter: {shown}")
    return steps


def _count_files(folder: Path) -> int:
    try:
        return sum(1 for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError:
        return 0


class RunProgress:
    """Shows a run's progress from its Dagster events: live in a terminal, phase lines anywhere."""

    def __init__(
        self,
        steps: dict[str, Step],
        console: TextIO,
        *,
        live: bool,
        offline: bool = False,
        folders: list[str] | None = None,
        at_once: int = 1,
    ) -> None:
        self.steps = steps
        self.at_once = at_once  # steps run side by side (pipelines/executor.py): a phase's time is its steps' sum
        self.folders = folders  # a run of what news in these landing folders ask for; None: everything
        self.console = console
        self.live = live
        self.offline = offline
        self.checks = {"checks": [0, 0], "dbt": [0, 0]}  # phase → [evaluated, failed]
        self.models = 0  # dbt models and seeds materialised (not the unchanged ones)
        self._progress = None
        self._overall = None
        self._running: dict[str, int] = {}
        self._shown: set[str] = set()  # phases whose line is printed
        self._lock = threading.Lock()

    # Lifetime

    def __enter__(self) -> RunProgress:
        steps = plural(len(self.steps), "steg", "steg")
        steps += f", upp till {self.at_once} åt gången" if self.at_once > 1 else ""
        if self.folders:
            news = ", ".join(f"{folder}/" for folder in self.folders)
            self.line(
                f"Nytt bara i {news}: kör {steps} (inläsningen och allt nedströms) i Dagster i den här processen."
            )
        else:
            self.line(f"Kör allt: {steps} i Dagster i den här processen.")
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
            from rich.table import Column

            # The description last, so that the bars stay in place while it changes.
            self._progress = Progress(
                SpinnerColumn(),
                BarColumn(bar_width=30),
                TextColumn("{task.fields[count]}", table_column=Column(width=7, justify="right")),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=Console(file=self.console, highlight=False),
                transient=True,
                redirect_stdout=False,  # the tools' output goes to the log, not above the bars
                redirect_stderr=False,
            )
            self._progress.start()
            self._overall = self._progress.add_task("Alla steg", total=len(self.steps), count=f"0/{len(self.steps)}")
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def line(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            print(text, file=self.console, flush=True)

    # Dagster's events

    def event(self, entry) -> None:
        """An EventLogEntry of the run, as Dagster stores it (DagsterInstance.add_event_listener)."""
        event = entry.dagster_event
        step = self.steps.get(entry.step_key or "")
        if event is None or step is None:
            return
        kind = event.event_type_value
        with self._lock:
            if kind == "STEP_START":
                step.started = entry.timestamp
                if self._progress is not None:
                    self._running[entry.step_key] = self._progress.add_task(step.label, total=None, count="")
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
                step.outcome = {"STEP_SUCCESS": "success", "STEP_FAILURE": "failure"}.get(kind, "skipped")
                if step.started is not None:
                    step.seconds = entry.timestamp - step.started
                if self._progress is not None:
                    task = self._running.pop(entry.step_key, None)
                    if task is not None:
                        self._progress.remove_task(task)
                    done = sum(1 for s in self.steps.values() if s.outcome)
                    self._progress.update(self._overall, completed=done, count=f"{done}/{len(self.steps)}")
                if all(s.outcome for s in self.steps.values() if s.phase == step.phase):
                    self._shown.add(step.phase)
                    self.line(self._phase_line(step.phase))
            elif kind == "ASSET_CHECK_EVALUATION" and step.phase in self.checks:
                self.checks[step.phase][0] += 1
                self.checks[step.phase][1] += not event.event_specific_data.passed
            elif kind == "ASSET_MATERIALIZATION" and step.phase == "dbt":
                metadata = event.event_specific_data.materialization.metadata
                self.models += UNCHANGED not in metadata

    def finish(self) -> None:
        """After the run: a line for each phase that did not end (a step before it failed, an interrupt)."""
        for phase in PHASES:
            if phase in self._shown or not any(s.phase == phase for s in self.steps.values()):
                continue
            self._shown.add(phase)
            if any(s.outcome == "failure" for s in self.steps.values() if s.phase == phase):
                self.line(self._phase_line(phase))
            else:
                self.line(f"  – {PHASES[phase]}: kördes inte klart")

    def tool_line(self, line: str) -> None:
        """A line of the tools' output: dbt's "12 of 239 OK …" moves the dbt step's bar."""
        found = DBT_PROGRESS.match(ANSI.sub("", line))
        if found is None or self._progress is None:
            return
        with self._lock:
            for key, task in self._running.items():
                if self.steps[key].phase == "dbt":
                    done, total = int(found[1]), int(found[2])
                    self._progress.update(task, completed=done, total=total, count=f"{done}/{total}")

    def _phase_line(self, phase: str) -> str:
        steps = [s for s in self.steps.values() if s.phase == phase]
        seconds = duration(sum(s.seconds for s in steps))
        if any(s.outcome == "failure" for s in steps):
            failed = [s.label for s in steps if s.outcome == "failure"]
            return f"  ✗ {PHASES[phase]}: misslyckades ({'; '.join(failed)})"
        if all(s.outcome == "skipped" for s in steps):
            skipped = {"dbt": "inget nytt, byggs inte om", "serving": "oförändrad, inget nytt att publicera"}
            return f"  – {PHASES[phase]}: {skipped.get(phase, 'hoppades över')}"
        evaluated, failed = self.checks.get(phase, (0, 0))
        if phase == "dbt" and not self.models and not evaluated:
            return f"  – {PHASES[phase]}: inget nytt sedan den publicerade serveringsfilen, byggs inte om"
        if phase == "checks":
            verdict = f"{failed} underkända, se nedan" if failed else "alla godkända"
            detail = f"{plural(evaluated, 'kontroll', 'kontroller')}, {verdict}"
        elif phase == "dbt":
            built = "byggd" if self.models == 1 else "byggda"
            detail = f"{plural(self.models, 'modell', 'modeller')} {built}, {plural(evaluated, 'test', 'tester')}"
            detail += f", {failed} underkända" if failed else ""
        elif phase == "serving":
            detail = "publicerad"
        elif phase == "landing":
            detail = f"{plural(len(steps), 'mapp', 'mappar')} {'läst' if len(steps) == 1 else 'lästa'}"
        else:
            detail = plural(len(steps), "steg", "steg")
            detail += ", offline: de senast hämtade eller medföljande uppgifterna" if self.offline else ""
        return f"  ✓ {PHASES[phase]}: {detail} ({seconds})"


def log_line(entry) -> str:
    """A Dagster event as a line of the log file: time, level, step, message."""
    when = datetime.fromtimestamp(entry.timestamp).strftime("%H:%M:%S")
    level = logging.getLevelName(entry.level)
    event = entry.dagster_event
    kind = f" {event.event_type_value}" if event is not None else ""
    message = entry.message or ""
    return f"{when} {level:<7} {entry.step_key or '-'}{kind}: {message}"


# Generating the synthetic municipality -------------------------------------------------------------------


@dataclass
class KindCount:
    files: int = 0
    rows: int = 0


@dataclass
class GenerateProgress:
    """Per kind, the files and rows the generator has written; live in a terminal."""

    console: TextIO
    live: bool
    kinds: dict[str, KindCount] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    _progress: object = None
    _tasks: dict = field(default_factory=dict)

    def __enter__(self) -> GenerateProgress:
        if self.live:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=Console(file=self.console, highlight=False),
                transient=True,
            )
            self._progress.start()
            self._tasks["*"] = self._progress.add_task("Simulerar elever, skolor och resultat …", total=None)
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    def written(self, kind: str, files: int, rows: int) -> None:
        count = self.kinds.setdefault(kind, KindCount())
        count.files += files
        count.rows += rows
        if self._progress is None:
            return
        if "*" in self._tasks:
            self._progress.remove_task(self._tasks.pop("*"))
        text = f"{kind}/: {plural(count.files, 'fil', 'filer')}"
        text += f", {plural(count.rows, 'rad', 'rader')}" if count.rows else ""
        if kind not in self._tasks:
            self._tasks[kind] = self._progress.add_task(text, total=None)
        self._progress.update(self._tasks[kind], description=text)

    def lines(self) -> Iterable[str]:
        for kind, count in self.kinds.items():
            rows = f", {plural(count.rows, 'rad', 'rader')}" if count.rows else ""
            yield f"  {kind}/: {plural(count.files, 'fil', 'filer')}{rows}"
